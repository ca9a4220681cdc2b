// A minimal LDAP client for one thing ldapts cannot do: a content synchronisation search
// (RFC 4533). ldapts keeps only the response controls it sent itself and throws on an
// intermediate response (Sync Info), so this speaks LDAPv3 over node:net/tls directly:
// connect (ldap://, ldaps://, StartTLS), simple bind, one search with the Sync Request
// control, abandon, unbind. Requests are encoded by ldapts's own message classes (its
// filter parser included); responses are read here.
//
// Entries stream: the socket is paused while more than a few hundred messages wait to be
// consumed, so a refresh of 100,000 entries holds a bounded number in memory.
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import { AbandonRequest, Ber, BerReader, BindRequest, Control, ExtendedRequest, FilterParser, SearchRequest, UnbindRequest, type BerWriter } from "ldapts";
import type { TSource } from "../channel-config/stored.ts";
import { decryptSecret } from "../crypto/secrets.ts";
import { AppError } from "../errors.ts";
import { NEVER_KEPT, type TLdapEntry } from "./directory.ts";
import {
  decodeSyncDone,
  decodeSyncInfo,
  decodeSyncState,
  encodeSyncRequest,
  SYNC_DONE_OID,
  SYNC_INFO_OID,
  SYNC_REQUEST_OID,
  SYNC_STATE_OID,
  type TSyncDoneValue,
  type TSyncInfo,
  type TSyncRequest,
  type TSyncStateValue,
} from "./rfc4533.ts";

export type TSyncEvent =
  | { type: "entry"; entry: TLdapEntry; state: TSyncStateValue | null }
  | { type: "info"; info: TSyncInfo }
  | { type: "done"; resultCode: number; message: string; done: TSyncDoneValue | null };

const OP_BIND_RES = 0x61;
const OP_SEARCH_ENTRY = 0x64;
const OP_SEARCH_DONE = 0x65;
const OP_SEARCH_REF = 0x73;
const OP_EXTENDED_RES = 0x78;
const OP_INTERMEDIATE = 0x79;
const TAG_CONTROLS = 0xa0;
const STARTTLS_OID = "1.3.6.1.4.1.1466.20037";
/** Binary attributes, kept as hex like lib/ldap/directory.ts does. */
const BINARY = new Set(["objectguid", "objectsid"]);
/** Messages waiting to be consumed before the socket is paused. */
const HIGH_WATER = 500;

type TRawMessage = { messageId: number; op: number; body: BerReader; opEnd: number; controls: Array<{ oid: string; value: Buffer | null }> };

class SyncRequestControl extends Control {
  constructor(private readonly value: Buffer) {
    super(SYNC_REQUEST_OID, { critical: true });
  }
  override writeControl(writer: BerWriter): void {
    writer.writeBuffer(this.value, Ber.OctetString);
  }
}

export class SyncConnection {
  private buf: Buffer = Buffer.alloc(0);
  private queue: TRawMessage[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private nextId = 1;

  private constructor(
    private socket: net.Socket,
    private readonly where: string,
    private readonly idleTimeoutMs: number,
  ) {
    this.attach(socket);
  }

  /** Connects and binds with the channel's source settings. */
  static async open(source: TSource): Promise<SyncConnection> {
    const url = new URL(source.url);
    const secure = url.protocol.toLowerCase() === "ldaps:";
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port || (secure ? 636 : 389));
    let ca: Buffer | undefined;
    if (source.caFile) ca = readFileSync(source.caFile);
    const tlsOpts: tls.ConnectionOptions = { rejectUnauthorized: source.rejectUnauthorized, ca, servername: net.isIP(host) ? undefined : host };
    const socket = await connect(() => (secure ? tls.connect({ host, port, ...tlsOpts }) : net.connect({ host, port })), secure ? "secureConnect" : "connect", source.connectTimeoutMs, source.url);
    const conn = new SyncConnection(socket, source.url, source.timeoutMs);
    try {
      if (!secure && source.startTls) await conn.startTls(tlsOpts, source.connectTimeoutMs);
      await conn.bind(source.bindDn, decryptSecret(source.bindPassword));
      return conn;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", (err) => this.fail(new AppError("LDAP_ERROR", `LDAP content sync with ${this.where}: ${err.message}`, undefined, { cause: err })));
    socket.on("close", () => this.fail(new AppError("LDAP_ERROR", `LDAP content sync with ${this.where}: the connection closed`)));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const len = frameLength(this.buf);
      if (len === null || this.buf.length < len) break;
      const frame = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
      try {
        this.queue.push(parseMessage(frame));
      } catch (err) {
        this.fail(new AppError("LDAP_ERROR", `LDAP content sync with ${this.where}: unreadable message (${(err as Error).message})`));
        this.socket.destroy();
        return;
      }
    }
    if (this.queue.length > HIGH_WATER) this.socket.pause();
    this.wake?.();
  }

  /** The next message of this operation (others are dropped); throws on a closed or silent connection. */
  private async next(messageId: number, idleMs: number | null, signal?: AbortSignal): Promise<TRawMessage> {
    for (;;) {
      const m = this.queue.shift();
      if (this.queue.length < HIGH_WATER / 2 && this.socket.isPaused()) this.socket.resume();
      if (m) {
        if (m.messageId === messageId) return m;
        continue;
      }
      if (this.failure) throw this.failure;
      if (signal?.aborted) throw new AbortError();
      await new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          this.wake = null;
          resolve();
        };
        this.wake = done;
        signal?.addEventListener("abort", done, { once: true });
        if (idleMs !== null)
          timer = setTimeout(() => {
            this.wake = null;
            signal?.removeEventListener("abort", done);
            reject(new AppError("LDAP_ERROR", `LDAP content sync with ${this.where}: no answer for ${idleMs} ms`));
          }, idleMs);
      });
    }
  }

  private send(buf: Buffer): void {
    this.socket.write(buf);
  }

  private async startTls(opts: tls.ConnectionOptions, timeoutMs: number): Promise<void> {
    const id = this.nextId++;
    this.send(new ExtendedRequest({ messageId: id, oid: STARTTLS_OID }).write());
    const res = await this.next(id, timeoutMs);
    const { code, message } = readResult(res);
    if (code !== 0) throw new AppError("LDAP_ERROR", `LDAP StartTLS with ${this.where}: ${message || `result ${code}`}`);
    const plain = this.socket;
    plain.removeAllListeners("data");
    plain.removeAllListeners("error");
    plain.removeAllListeners("close");
    const secured = await connect(() => tls.connect({ socket: plain, ...opts }), "secureConnect", timeoutMs, this.where);
    this.attach(secured);
  }

  private async bind(dn: string, password: string): Promise<void> {
    const id = this.nextId++;
    this.send(new BindRequest({ messageId: id, dn, password }).write());
    const res = await this.next(id, this.idleTimeoutMs);
    const { code, message } = readResult(res);
    if (code !== 0) {
      const reason = code === 49 ? "invalid credentials (wrong bind DN or password)" : message || `result ${code}`;
      throw new AppError("LDAP_ERROR", `LDAP bind to ${this.where} as ${dn}: ${reason}`, { ldapCode: code });
    }
  }

  /**
   * One content synchronisation search (or, with `controls` and no `request`, another
   * long-running search: 389-DS's persistent search, AD's change notification). Yields entries (with their Sync State), Sync Info
   * messages and finally the search's result (with its Sync Done). A refreshOnly search
   * that stays silent longer than the source's timeout throws; a refreshAndPersist one
   * runs until `signal` aborts it (it is then abandoned and the generator ends).
   */
  async *search(opts: {
    base: string;
    filter: string;
    attributes: string[];
    /** the Sync Request control's value; without it, `controls` name the search (a persistent search, a change notification) */
    request?: TSyncRequest;
    controls?: Control[];
    scope?: "base" | "one" | "sub";
    /** a search that stays open until `signal` aborts it (no idle timeout); a refreshAndPersist request is one */
    persist?: boolean;
    signal?: AbortSignal;
  }): AsyncGenerator<TSyncEvent> {
    const id = this.nextId++;
    const persist = opts.persist ?? opts.request?.mode === "refreshAndPersist";
    const controls: Control[] = [...(opts.request ? [new SyncRequestControl(encodeSyncRequest(opts.request))] : []), ...(opts.controls ?? [])];
    this.send(
      new SearchRequest({
        messageId: id,
        baseDN: opts.base,
        scope: opts.scope ?? "sub",
        filter: FilterParser.parseString(opts.filter),
        attributes: opts.attributes,
        timeLimit: 0,
        controls,
      }).write(),
    );
    let finished = false;
    try {
      for (;;) {
        let m: TRawMessage;
        try {
          m = await this.next(id, persist ? null : this.idleTimeoutMs, opts.signal);
        } catch (err) {
          if (err instanceof AbortError) return;
          throw err;
        }
        if (m.op === OP_SEARCH_ENTRY) {
          const stateCtl = m.controls.find((c) => c.oid === SYNC_STATE_OID);
          yield { type: "entry", entry: readEntry(m), state: stateCtl?.value ? decodeSyncState(stateCtl.value) : null };
        } else if (m.op === OP_INTERMEDIATE) {
          const info = readIntermediate(m);
          if (info) yield { type: "info", info };
        } else if (m.op === OP_SEARCH_DONE) {
          finished = true;
          const { code, message } = readResult(m);
          const doneCtl = m.controls.find((c) => c.oid === SYNC_DONE_OID);
          yield { type: "done", resultCode: code, message, done: doneCtl?.value ? decodeSyncDone(doneCtl.value) : null };
          return;
        } else if (m.op === OP_SEARCH_REF) {
          continue;
        }
      }
    } finally {
      // a consumer that stops early (or an abort) leaves the server searching: abandon it
      if (!finished && !this.failure && !this.socket.destroyed) this.send(new AbandonRequest({ messageId: this.nextId++, abandonId: id }).write());
    }
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    try {
      this.send(new UnbindRequest({ messageId: this.nextId++ }).write());
    } catch {
      // the socket is going anyway
    }
    this.socket.end();
    this.destroy();
  }

  private destroy(): void {
    this.socket.destroy();
  }
}

class AbortError extends Error {}

function connect(make: () => net.Socket, ready: string, timeoutMs: number, where: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = make();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new AppError("LDAP_ERROR", `LDAP connect to ${where}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once(ready, () => {
      clearTimeout(timer);
      s.removeAllListeners("error");
      resolve(s);
    });
    s.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = err.code === "ECONNREFUSED" ? "connection refused (is the directory running, is the port right?)" : err.message;
      reject(new AppError("LDAP_ERROR", `LDAP connect to ${where}: ${reason}`, undefined, { cause: err }));
    });
  });
}

/** The length of the first whole BER element in `b` (tag, length, content), or null when its header is incomplete. */
export function frameLength(b: Buffer): number | null {
  if (b.length < 2) return null;
  const first = b[1]!;
  if ((first & 0x80) === 0) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new Error("unsupported BER length");
  if (b.length < 2 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

function parseMessage(frame: Buffer): TRawMessage {
  const r = new BerReader(frame);
  r.readSequence(Ber.Sequence | Ber.Constructor);
  const messageId = r.readInt();
  const op = r.readSequence();
  if (messageId === null || op === null) throw new Error("no message id or operation");
  const opEnd = r.offset + r.length;
  const body = new BerReader(frame.subarray(r.offset, opEnd));
  r.offset = opEnd;
  const controls: TRawMessage["controls"] = [];
  if (r.remain > 0 && r.peek() === TAG_CONTROLS) {
    r.readSequence(TAG_CONTROLS);
    const end = r.offset + r.length;
    while (r.offset < end) {
      r.readSequence(Ber.Sequence | Ber.Constructor);
      const cEnd = r.offset + r.length;
      const oid = r.readString() ?? "";
      if (r.offset < cEnd && r.peek() === Ber.Boolean) r.readBoolean();
      const value = r.offset < cEnd && r.peek() === Ber.OctetString ? Buffer.from(r.readString(Ber.OctetString, true) ?? Buffer.alloc(0)) : null;
      r.offset = cEnd;
      controls.push({ oid, value });
    }
  }
  return { messageId, op, body, opEnd, controls };
}

/** LDAPResult: resultCode, matchedDN, diagnosticMessage (the referral, if any, is ignored). */
function readResult(m: TRawMessage): { code: number; message: string } {
  if (m.op !== OP_SEARCH_DONE && m.op !== OP_BIND_RES && m.op !== OP_EXTENDED_RES) throw new AppError("LDAP_ERROR", `unexpected LDAP response 0x${m.op.toString(16)}`);
  const code = m.body.readEnumeration() ?? -1;
  m.body.readString();
  const message = m.body.readString() ?? "";
  return { code, message };
}

function readEntry(m: TRawMessage): TLdapEntry {
  const r = m.body;
  const dn = r.readString() ?? "";
  const attrs: Record<string, string[]> = {};
  r.readSequence(Ber.Sequence | Ber.Constructor);
  const end = r.offset + r.length;
  while (r.offset < end) {
    r.readSequence(Ber.Sequence | Ber.Constructor);
    const aEnd = r.offset + r.length;
    const name = (r.readString() ?? "").toLowerCase();
    r.readSequence(Ber.Set | Ber.Constructor);
    const vEnd = r.offset + r.length;
    const values: string[] = [];
    const binary = BINARY.has(name) || name.endsWith(";binary");
    while (r.offset < vEnd) {
      const v = r.readString(Ber.OctetString, true) ?? Buffer.alloc(0);
      values.push(binary ? v.toString("hex") : v.toString("utf8"));
    }
    r.offset = aEnd;
    if (values.length > 0 && !NEVER_KEPT.has(name.split(";")[0] ?? "")) attrs[name] = values;
  }
  return { dn, attrs };
}

function readIntermediate(m: TRawMessage): TSyncInfo | null {
  const r = m.body;
  let name = "";
  let value: Buffer | null = null;
  if (r.remain > 0 && r.peek() === (Ber.Context | 0)) name = r.readString(Ber.Context | 0) ?? "";
  if (r.remain > 0 && r.peek() === (Ber.Context | 1)) value = Buffer.from(r.readString(Ber.Context | 1, true) ?? Buffer.alloc(0));
  if (name !== SYNC_INFO_OID || !value) return null;
  return decodeSyncInfo(value);
}
