// The LDAP Content Synchronization Operation (RFC 4533, OpenLDAP's syncprov): the
// request, state and done controls and the Sync Info intermediate message, encoded and
// decoded with the BER reader and writer ldapts ships (ldapts itself knows none of
// them: it drops response controls it did not send and refuses intermediate responses,
// which is why lib/ldap/sync-search.ts speaks the protocol itself). Pure functions over
// buffers: everything here is unit-tested against hand-made encodings.
//
//   syncRequestValue ::= SEQUENCE { mode ENUMERATED { refreshOnly(1), refreshAndPersist(3) },
//                                   cookie syncCookie OPTIONAL, reloadHint BOOLEAN DEFAULT FALSE }
//   syncStateValue   ::= SEQUENCE { state ENUMERATED { present(0), add(1), modify(2), delete(3) },
//                                   entryUUID syncUUID, cookie syncCookie OPTIONAL }
//   syncDoneValue    ::= SEQUENCE { cookie syncCookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE }
//   syncInfoValue    ::= CHOICE { newcookie [0] syncCookie,
//                                 refreshDelete  [1] SEQUENCE { cookie OPTIONAL, refreshDone BOOLEAN DEFAULT TRUE },
//                                 refreshPresent [2] SEQUENCE { cookie OPTIONAL, refreshDone BOOLEAN DEFAULT TRUE },
//                                 syncIdSet      [3] SEQUENCE { cookie OPTIONAL, refreshDeletes BOOLEAN DEFAULT FALSE,
//                                                               syncUUIDs SET OF syncUUID } }
import { Ber, BerReader, BerWriter } from "ldapts";

export const SYNC_REQUEST_OID = "1.3.6.1.4.1.4203.1.9.1.1";
export const SYNC_STATE_OID = "1.3.6.1.4.1.4203.1.9.1.2";
export const SYNC_DONE_OID = "1.3.6.1.4.1.4203.1.9.1.3";
export const SYNC_INFO_OID = "1.3.6.1.4.1.4203.1.9.1.4";
/** The result code of a search whose cookie the server will not continue from: start again with no cookie. */
export const E_SYNC_REFRESH_REQUIRED = 4096;

export type TSyncMode = "refreshOnly" | "refreshAndPersist";
export type TSyncState = "present" | "add" | "modify" | "delete";

export type TSyncRequest = { mode: TSyncMode; cookie?: Buffer; reloadHint?: boolean };
export type TSyncStateValue = { state: TSyncState; entryUUID: string; cookie?: Buffer };
export type TSyncDoneValue = { cookie?: Buffer; refreshDeletes: boolean };
export type TSyncInfo =
  | { kind: "newcookie"; cookie: Buffer }
  | { kind: "refreshDelete"; cookie?: Buffer; refreshDone: boolean }
  | { kind: "refreshPresent"; cookie?: Buffer; refreshDone: boolean }
  | { kind: "syncIdSet"; cookie?: Buffer; refreshDeletes: boolean; uuids: string[] };

const MODES: Record<TSyncMode, number> = { refreshOnly: 1, refreshAndPersist: 3 };
const STATES: TSyncState[] = ["present", "add", "modify", "delete"];
const CONSTRUCTED_SET = Ber.Set | Ber.Constructor;

export class SyncProtocolError extends Error {
  constructor(message: string) {
    super(`RFC 4533: ${message}`);
    this.name = "SyncProtocolError";
  }
}

/** The Sync Request control's value. */
export function encodeSyncRequest(req: TSyncRequest): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeEnumeration(MODES[req.mode]);
  if (req.cookie) w.writeBuffer(req.cookie, Ber.OctetString);
  if (req.reloadHint) w.writeBoolean(true);
  w.endSequence();
  return Buffer.from(w.buffer);
}

export function decodeSyncRequest(value: Buffer): TSyncRequest {
  const r = new BerReader(value);
  const end = sequence(r, "sync request");
  const modeNo = r.readEnumeration();
  const mode = (Object.keys(MODES) as TSyncMode[]).find((m) => MODES[m] === modeNo);
  if (!mode) throw new SyncProtocolError(`unknown sync request mode ${String(modeNo)}`);
  const out: TSyncRequest = { mode };
  if (r.offset < end && r.peek() === Ber.OctetString) out.cookie = octets(r);
  if (r.offset < end && r.peek() === Ber.Boolean) out.reloadHint = r.readBoolean() ?? false;
  return out;
}

/** The 16 octets of a syncUUID as an entryUUID is written (RFC 4122: 8-4-4-4-12, lower case). */
export function uuidFromBytes(b: Buffer): string {
  if (b.length !== 16) throw new SyncProtocolError(`a syncUUID has 16 octets, not ${b.length}`);
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new SyncProtocolError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, "hex");
}

export function encodeSyncState(v: TSyncStateValue): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeEnumeration(STATES.indexOf(v.state));
  w.writeBuffer(uuidToBytes(v.entryUUID), Ber.OctetString);
  if (v.cookie) w.writeBuffer(v.cookie, Ber.OctetString);
  w.endSequence();
  return Buffer.from(w.buffer);
}

export function decodeSyncState(value: Buffer): TSyncStateValue {
  const r = new BerReader(value);
  const end = sequence(r, "sync state");
  const stateNo = r.readEnumeration();
  const state = stateNo === null ? undefined : STATES[stateNo];
  if (!state) throw new SyncProtocolError(`unknown sync state ${String(stateNo)}`);
  const out: TSyncStateValue = { state, entryUUID: uuidFromBytes(octets(r)) };
  if (r.offset < end && r.peek() === Ber.OctetString) out.cookie = octets(r);
  return out;
}

export function encodeSyncDone(v: TSyncDoneValue): Buffer {
  const w = new BerWriter();
  w.startSequence();
  if (v.cookie) w.writeBuffer(v.cookie, Ber.OctetString);
  if (v.refreshDeletes) w.writeBoolean(true);
  w.endSequence();
  return Buffer.from(w.buffer);
}

export function decodeSyncDone(value: Buffer): TSyncDoneValue {
  const r = new BerReader(value);
  const end = sequence(r, "sync done");
  const out: TSyncDoneValue = { refreshDeletes: false };
  if (r.offset < end && r.peek() === Ber.OctetString) out.cookie = octets(r);
  if (r.offset < end && r.peek() === Ber.Boolean) out.refreshDeletes = r.readBoolean() ?? false;
  return out;
}

const TAG_NEWCOOKIE = Ber.Context | 0; // [0] primitive
const TAG_REFRESH_DELETE = Ber.Context | Ber.Constructor | 1;
const TAG_REFRESH_PRESENT = Ber.Context | Ber.Constructor | 2;
const TAG_SYNC_ID_SET = Ber.Context | Ber.Constructor | 3;

export function encodeSyncInfo(v: TSyncInfo): Buffer {
  const w = new BerWriter();
  switch (v.kind) {
    case "newcookie":
      w.writeBuffer(v.cookie, TAG_NEWCOOKIE);
      break;
    case "refreshDelete":
    case "refreshPresent":
      w.startSequence(v.kind === "refreshDelete" ? TAG_REFRESH_DELETE : TAG_REFRESH_PRESENT);
      if (v.cookie) w.writeBuffer(v.cookie, Ber.OctetString);
      if (!v.refreshDone) w.writeBoolean(false);
      w.endSequence();
      break;
    case "syncIdSet":
      w.startSequence(TAG_SYNC_ID_SET);
      if (v.cookie) w.writeBuffer(v.cookie, Ber.OctetString);
      if (v.refreshDeletes) w.writeBoolean(true);
      w.startSequence(CONSTRUCTED_SET);
      for (const u of v.uuids) w.writeBuffer(uuidToBytes(u), Ber.OctetString);
      w.endSequence();
      w.endSequence();
      break;
  }
  return Buffer.from(w.buffer);
}

export function decodeSyncInfo(value: Buffer): TSyncInfo {
  const r = new BerReader(value);
  const tag = r.peek();
  if (tag === TAG_NEWCOOKIE) return { kind: "newcookie", cookie: octets(r, TAG_NEWCOOKIE) };
  if (tag === TAG_REFRESH_DELETE || tag === TAG_REFRESH_PRESENT) {
    const end = sequence(r, "sync info", tag);
    let cookie: Buffer | undefined;
    let refreshDone = true;
    if (r.offset < end && r.peek() === Ber.OctetString) cookie = octets(r);
    if (r.offset < end && r.peek() === Ber.Boolean) refreshDone = r.readBoolean() ?? true;
    return { kind: tag === TAG_REFRESH_DELETE ? "refreshDelete" : "refreshPresent", cookie, refreshDone };
  }
  if (tag === TAG_SYNC_ID_SET) {
    sequence(r, "syncIdSet", tag);
    let cookie: Buffer | undefined;
    let refreshDeletes = false;
    if (r.peek() === Ber.OctetString) cookie = octets(r);
    if (r.peek() === Ber.Boolean) refreshDeletes = r.readBoolean() ?? false;
    const setEnd = sequence(r, "syncUUIDs", CONSTRUCTED_SET);
    const uuids: string[] = [];
    while (r.offset < setEnd) uuids.push(uuidFromBytes(octets(r)));
    return { kind: "syncIdSet", cookie, refreshDeletes, uuids };
  }
  throw new SyncProtocolError(`unknown sync info choice 0x${(tag ?? 0).toString(16)}`);
}

/** Enters a SEQUENCE (or the given constructed tag); returns the offset where it ends. */
function sequence(r: BerReader, what: string, tag: number = Ber.Sequence | Ber.Constructor): number {
  if (r.readSequence(tag) === null) throw new SyncProtocolError(`${what}: truncated`);
  const end = r.offset + r.length;
  if (end > r.offset + r.remain) throw new SyncProtocolError(`${what}: truncated`);
  return end;
}

function octets(r: BerReader, tag: number = Ber.OctetString): Buffer {
  const b = r.readString(tag, true);
  if (b === null) throw new SyncProtocolError("truncated octet string");
  return Buffer.from(b as Buffer);
}
