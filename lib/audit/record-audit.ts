// Who did what to which channel. Destructive operations from the console, the API and
// provmgr all land here.
import os from "node:os";
import { getDb } from "../db/index.ts";

export async function recordAudit(entry: {
  actor: string;
  via: string;
  channelId?: number;
  action: string;
  details?: Record<string, unknown>;
}): Promise<void> {
  const db = await getDb();
  await db.auditLog.create({
    data: {
      actor: entry.actor,
      via: entry.via,
      channelId: entry.channelId,
      action: entry.action,
      details: (entry.details ?? undefined) as object | undefined,
    },
  });
}

/** The operating-system user running this process, for CLI audit entries. */
export function osActor(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return `uid:${process.getuid?.() ?? "?"}@${os.hostname()}`;
  }
}
