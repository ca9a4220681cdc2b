// Active Directory's search controls that ldapts does not ship, on ldapts's own Control
// class and BER writer/reader (ldapts parses a response control into the request
// control of the same OID, so the DirSync request control carries the answer's cookie
// back to the caller).
//
// DirSync ([MS-ADTS] 3.1.1.3.4.1.3), request and response value alike:
//   SEQUENCE { flags INTEGER, maxAttributeCount INTEGER, cookie OCTET STRING }
// In the response, `flags` is non-zero while more changes wait (MoreResults).
import { Ber, BerReader, BerWriter, Control } from "ldapts";

export const DIRSYNC_OID = "1.2.840.113556.1.4.841";
export const SHOW_DELETED_OID = "1.2.840.113556.1.4.417";

/** DirSync flags ([MS-ADTS] 3.1.1.3.4.1.3) */
export const DIRSYNC_FLAGS = {
  /** the caller lacks "Replicating Directory Changes": return only what its own rights let it read */
  OBJECT_SECURITY: 0x1,
  ANCESTORS_FIRST_ORDER: 0x800,
  PUBLIC_DATA_ONLY: 0x2000,
  /** linked attributes (member) come back as the values added and removed, not the whole list */
  INCREMENTAL_VALUES: 0x80000000,
} as const;

export type TDirSyncValue = { flags: number; maxAttributeCount: number; cookie: Buffer };

export class DirSyncControl extends Control {
  static readonly type = DIRSYNC_OID;
  value: TDirSyncValue;
  /** what the directory answered: more changes wait, and where it stands */
  response: { moreResults: boolean; cookie: Buffer } | null = null;

  constructor(value: TDirSyncValue) {
    // AD refuses DirSync unless it is marked critical
    super(DIRSYNC_OID, { critical: true });
    this.value = value;
  }

  protected override writeControl(writer: BerWriter): void {
    writer.writeBuffer(encodeDirSyncValue(this.value), Ber.OctetString);
  }

  protected override parseControl(reader: BerReader): void {
    const v = decodeDirSyncValue(reader);
    this.response = { moreResults: v.flags !== 0, cookie: v.cookie };
  }
}

/** Show Deleted: tombstones (isDeleted=TRUE, under CN=Deleted Objects) are returned too. No value. */
export class ShowDeletedControl extends Control {
  static readonly type = SHOW_DELETED_OID;
  constructor() {
    super(SHOW_DELETED_OID, { critical: true });
  }
}

export function encodeDirSyncValue(v: TDirSyncValue): Buffer {
  const w = new BerWriter();
  w.startSequence();
  // a ULONG on the wire as a 32-bit INTEGER: 0x80000000 is written as the bytes 80 00 00 00
  w.writeInt(v.flags | 0);
  w.writeInt(v.maxAttributeCount);
  w.writeBuffer(v.cookie, Ber.OctetString);
  w.endSequence();
  return w.buffer;
}

export function decodeDirSyncValue(reader: BerReader): TDirSyncValue {
  if (reader.readSequence() === null) throw new Error("DirSync control: not a SEQUENCE");
  const flags = reader.readInt();
  const maxAttributeCount = reader.readInt();
  const cookie = reader.readString(Ber.OctetString, true);
  if (flags === null || maxAttributeCount === null || cookie === null) throw new Error("DirSync control: value cut short");
  return { flags, maxAttributeCount, cookie };
}
