/** Which records an operation touches (provmgr's --…-records, --…-user-records, --…-group-records). */
export type TRecordKind = "all" | "users" | "groups";
