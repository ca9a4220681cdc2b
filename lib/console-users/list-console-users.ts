import { getDb } from "../db/index.ts";
import { toConsoleUserView, type TConsoleUserView } from "./view.ts";

export async function listConsoleUsers(): Promise<TConsoleUserView[]> {
  const db = await getDb();
  const rows = await db.consoleUser.findMany({ orderBy: { username: "asc" } });
  return rows.map(toConsoleUserView);
}
