// Which record a SCIM request is for. The push code runs each record's requests inside
// withRecord(); the transport's exchange hook reads it back (AsyncLocalStorage), so the
// SCIM client needs no knowledge of records and the log entry still names who.
import { AsyncLocalStorage } from "node:async_hooks";

export type TRecordContext = {
  kind: "user" | "group";
  id: bigint;
  name: string | null;
  guid: string;
  /** what the cycle decided for it: CREATE, UPDATE, DISABLE, DELETE, ... */
  action: string;
};

const als = new AsyncLocalStorage<TRecordContext>();

export function withRecord<T>(record: TRecordContext, fn: () => Promise<T>): Promise<T> {
  return als.run(record, fn);
}

export function currentRecord(): TRecordContext | undefined {
  return als.getStore();
}

/** The log's action for one request: a GET is a lookup; a group's PATCH changes members or names. */
export function actionOf(method: string, path: string, record: TRecordContext | undefined): string {
  const m = method.toUpperCase();
  if (m === "GET") return path.startsWith("/ServiceProviderConfig") || path.startsWith("/Schemas") || path.startsWith("/ResourceTypes") ? "discovery" : "lookup";
  if (!record) return m.toLowerCase();
  const a = record.action.toLowerCase();
  if (record.kind === "group") return m === "DELETE" ? "group-delete" : m === "POST" ? "group-create" : `group-${a === "create" ? "update" : a}`;
  if (m === "DELETE") return "delete";
  if (m === "POST") return "create";
  return a === "create" ? "update" : a; // a linked user is written with PATCH/PUT
}
