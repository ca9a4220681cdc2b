export type TRecordKind = "all" | "users" | "groups";

export function kindTables(kind: TRecordKind): Array<"user_record" | "group_record"> {
  return kind === "all" ? ["user_record", "group_record"] : kind === "users" ? ["user_record"] : ["group_record"];
}
