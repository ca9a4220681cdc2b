// How an incremental cycle learns what changed in the directory since the last one.
// One interface, one implementation per mechanism, chosen by the directory type
// (`source.changeCapture`, overridable): modification timestamps (any directory; the
// seed's attribute-sync timestamp), and — where the directory offers them — Active
// Directory's DirSync or uSNChanged, OpenLDAP's RFC 4533 content synchronisation and
// 389-DS's retro changelog. A feed reports what it knows and no more; the cycle
// (lib/sync/read-changes.ts) decides the rest from the scope:
//   - entries it returned in scope, with their attributes  -> decided like a full read's
//   - entries that changed where it cannot tell the scope   -> read again by GUID with the scope filter
//   - entries that are gone (deleted, or out of its scope)  -> recorded gone; the guard decides
//   - "the scope itself may have changed" (a group's membership, nesting) -> the scope is read again, GUIDs only
//   - "these are all the entries in the scope" (a content sync's present phase) -> the others are recorded gone
// A cookie says where the feed stands; it is stored only after the whole cycle's read
// completed. A cookie the directory no longer accepts is a FeedResetError: the cycle
// reads the whole scope instead — never "nothing changed", never "everyone is gone".
import type { TChangeCaptureKind } from "../channel-config/config.ts";
import type { TSource } from "../channel-config/stored.ts";
import { AppError } from "../errors.ts";
import type { Directory, TLdapEntry } from "./directory.ts";
import { escapeFilterValue } from "./directory.ts";

export type { TChangeCaptureKind };

export type TChangeBatch = {
  /** entries the feed returned in the scope, with the attributes the cycle asked for */
  inScope?: TLdapEntry[];
  /** GUIDs of entries that changed where the feed cannot tell whether they are in scope */
  changed?: string[];
  /** entries that are gone: deleted from the directory, or no longer in the feed's scope */
  gone?: Array<{ guid: string; deleted: boolean }>;
  /** something that decides the scope changed (a group's membership, nesting): who is in scope must be read again */
  scopeChanged?: boolean;
  /**
   * The feed listed every entry now in the scope (RFC 4533's present phase), by GUID:
   * what the store has in scope and is not among them is gone. Sent once, after every
   * inScope batch of the read.
   */
  present?: Set<string>;
};

export type TFeedRequest = {
  dir: Directory;
  source: TSource;
  /** the users' scope filter */
  filter: string;
  /** the attributes the cycle needs of a user entry */
  attributes: string[];
  /** the channel's attribute-sync timestamp: where a feed that falls back to timestamps reads from */
  since: string | null;
};

export interface TChangeFeed {
  readonly kind: TChangeCaptureKind;
  /**
   * Whether the feed, standing at this cookie, reports every write since, the provisioning
   * group's included (389-DS's retro changelog): when the group's change marker moved, the
   * cycle reads the changes and the scope again (GUIDs only) instead of every user in full.
   */
  seesEveryWrite?(cookie: string): boolean;
  /**
   * A cookie for "now", taken just before a full read: what changes while that read runs
   * is read by the next cycle.
   */
  start(req: TFeedRequest): Promise<string>;
  /** Reports every change since `cookie`, batch by batch, and returns the next cookie. */
  read(req: TFeedRequest, cookie: string, onBatch: (batch: TChangeBatch) => Promise<void>): Promise<string>;
  /**
   * Push mode, where the directory can push (RFC 4533 refreshAndPersist, a persistent
   * search): calls `onChange` soon after something in the scope changes, until `signal`
   * aborts. It only says *that* something changed; the cycle it triggers reads what with
   * read(). Without it, push mode polls read() at a short interval.
   */
  watch?(req: TFeedRequest, cookie: string, signal: AbortSignal, onChange: () => void): Promise<void>;
}

/** The directory no longer accepts the cookie (expired, from another server, the feed was reset): read everything. */
export class FeedResetError extends AppError {
  constructor(message: string) {
    super("LDAP_ERROR", message);
    this.name = "FeedResetError";
  }
}

/**
 * A filter matching the entries with these GUIDs, as the directory stores them: a binary
 * GUID (objectGUID, kept as hex) byte by byte, a string one (entryUUID, nsUniqueId) as is.
 */
export function guidFilter(source: Pick<TSource, "guidAttribute">, guids: string[]): string {
  const attr = source.guidAttribute;
  const binary = attr.toLowerCase() === "objectguid";
  const terms = guids.map((g) => `(${attr}=${binary ? g.replace(/[^0-9a-f]/gi, "").replace(/(..)/g, "\\$1") : escapeFilterValue(g)})`);
  return terms.length === 1 ? terms[0]! : `(|${terms.join("")})`;
}
