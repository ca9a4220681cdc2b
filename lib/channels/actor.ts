/** Who is asking, for the audit log: an OS user via provmgr, a console user, an API token. */
export type TActor = { actor: string; via: "cli" | "console" | "api" | "test" | "worker" };
