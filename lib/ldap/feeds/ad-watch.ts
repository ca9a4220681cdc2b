// Push mode for the Active Directory feeds (dirsync.ts, usn.ts): a change notification
// search (LDAP_SERVER_NOTIFICATION_OID, controls/notification.ts) over the naming context
// that holds the base, subtree, with Show Deleted, plus a one-second look at the root
// DSE's highestCommittedUSN. Either only says *that* something changed; the cycle reads
// what through the feed's read().
//
// - One notification search over the whole naming context, not the base: a user moved out
//   of the base is no longer under it, and a deletion moves the object to CN=Deleted
//   Objects (reported only with Show Deleted — measured against the suite's Samba: without
//   it a delete sends nothing). Client-side, only users and groups (their tombstones
//   included) ask for a cycle; computers and the rest do not.
// - Samba re-runs a pending notification search at once after a write made through the
//   same LDAP server process, and otherwise every 5 s (ldapsrv_notification_retry_setup in
//   source4/ldap_server): with `-M single` (the suite's) a change is reported in ~10-30 ms;
//   with the prefork process model a write another child served can wait up to 5 s. So
//   there is a poll as well: every second the root DSE's highestCommittedUSN (one base
//   search); when it moved and no notification came since the last look, one uSNChanged
//   search for users and groups changed since (objectClass only: no user is read), and a
//   cycle only if it found one. Its first look is the feed's own read() from the stored
//   cookie: what changed while no watch was up asks for a cycle at once.
// - A directory that refuses the notification control: the poll alone.
import { FeedResetError, type TChangeFeed, type TFeedRequest } from "../change-feed.ts";
import { ShowDeletedControl } from "../controls/ad-controls.ts";
import { NotificationControl } from "../controls/notification.ts";
import type { TLdapEntry } from "../directory.ts";
import { firstValue } from "../scope.ts";
import { AD_CHANGE_FILTER, namingContextOf } from "./ad-common.ts";
import { batchSaysChanged, pollUntilAborted, runWatches, WatchRefused } from "./watch.ts";

const POLL_MS = 1_000;

/** A user or group, or its tombstone (a tombstone keeps its objectClass): what decides a channel's scope. Not a computer. */
export function adEntryMatters(e: TLdapEntry): boolean {
  const classes = (e.attrs.objectclass ?? []).map((c) => c.toLowerCase());
  if (classes.includes("computer")) return false;
  if (classes.includes("user") || classes.includes("group")) return true;
  // a tombstone whose classes were not returned
  return classes.length === 0 && (firstValue(e, "isDeleted") ?? "").toUpperCase() === "TRUE";
}

async function highestCommittedUsn(req: TFeedRequest): Promise<bigint> {
  const v = firstValue(await req.dir.rootDse(["highestCommittedUSN"]), "highestCommittedUSN");
  if (!v || !/^\d+$/.test(v)) throw new FeedResetError("the directory's root DSE has no highestCommittedUSN (not Active Directory?)");
  return BigInt(v);
}

export async function watchAd(feed: TChangeFeed, req: TFeedRequest, cookie: string, signal: AbortSignal, onChange: () => void): Promise<void> {
  const nc = await namingContextOf(req.dir, req.source.baseDn);
  // one ending (a lost connection: thrown) ends the other; the caller reconnects both
  const local = new AbortController();
  const stop = () => local.abort();
  if (signal.aborted) return;
  signal.addEventListener("abort", stop, { once: true });
  // the poll: a root DSE read a second; a search only when the USN moved and no
  // notification came since the last look
  let notified = false;
  let usn: bigint | null = null;
  const tick = async () => {
    const now = await highestCommittedUsn(req);
    if (usn === null) {
      // the first look: what changed since the stored cookie, through the feed's own read
      let seen = false;
      await feed.read(req, cookie, async (b) => {
        if (batchSaysChanged(b)) seen = true;
      });
      if (seen) onChange();
    } else if (now > usn && !notified) {
      for await (const e of req.dir.search(nc, `(&${AD_CHANGE_FILTER}(uSNChanged>=${usn + 1n}))`, ["objectClass", "isDeleted"], "sub", [new ShowDeletedControl()])) {
        if (adEntryMatters(e)) {
          onChange();
          break;
        }
      }
    }
    notified = false;
    usn = now;
  };
  const poll = (async () => {
    await tick();
    await pollUntilAborted(POLL_MS, local.signal, tick);
  })();
  const notify = runWatches(
    req.source,
    [{ base: nc, scope: "sub", filter: "(objectClass=*)", attributes: ["objectClass", "isDeleted"], controls: () => [new NotificationControl(), new ShowDeletedControl()] }],
    local.signal,
    (e) => {
      if (!adEntryMatters(e)) return;
      notified = true;
      onChange();
    },
  ).then(
    // it ends without an error only when aborted; refused, the poll carries on alone
    () => new Promise<void>((resolve) => (local.signal.aborted ? resolve() : local.signal.addEventListener("abort", () => resolve(), { once: true }))),
    (err: unknown) => {
      if (err instanceof WatchRefused && !local.signal.aborted) return new Promise<void>((resolve) => local.signal.addEventListener("abort", () => resolve(), { once: true }));
      throw err;
    },
  );
  // the one that loses the race may still fail while it stops: nobody waits for it
  poll.catch(() => undefined);
  notify.catch(() => undefined);
  try {
    await Promise.race([poll, notify]);
  } finally {
    local.abort();
    signal.removeEventListener("abort", stop);
  }
}
