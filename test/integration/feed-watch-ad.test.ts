// The Active Directory feeds' watch() on its own, against a real Samba AD DC
// (lib/ldap/feeds/ad-watch.ts): a user's change, a deletion (only seen with Show
// Deleted) and a move out of the base are reported; a computer's change is not; what
// changed between the stored cookie and the watch's start is reported at once. Per feed
// (DirSync, uSNChanged). The worker-level timing is in push-mode-ad.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChannelFile } from "../../lib/channel-config/resolve.ts";
import type { TChangeFeed, TFeedRequest } from "../../lib/ldap/change-feed.ts";
import { Directory } from "../../lib/ldap/directory.ts";
import { dirsyncFeed } from "../../lib/ldap/feeds/dirsync.ts";
import { usnFeed } from "../../lib/ldap/feeds/usn.ts";
import { userAttributes, userScopeFilter } from "../../lib/ldap/scope.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startAdWorld, type TAdWorld } from "../helpers/ad-world.ts";

let w: TAdWorld;
let req: TFeedRequest;
let computerDn: string;

beforeAll(async () => {
  w = await startAdWorld({ feeds: ["usn"] });
  const source = parseChannelFile(w.channels[0]!.config).source;
  req = { dir: await Directory.open(source), source, filter: userScopeFilter(source), attributes: userAttributes(source), since: null };
  computerDn = `CN=PC1,${w.elsewhereDn}`;
  await (await w.ad.admin()).add(computerDn, {
    objectClass: ["top", "person", "organizationalPerson", "user", "computer"],
    sAMAccountName: "PC1$",
    userAccountControl: "4096",
  });
}, 120_000);
afterAll(async () => {
  await req?.dir.close();
  await w?.stop();
});

/** Runs the watch from `cookie` while `body` runs; `changes()` is how many times it reported a change so far. */
async function watching(feed: TChangeFeed, cookie: string, body: (changes: () => number) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  let n = 0;
  const running = feed.watch!(req, cookie, abort.signal, () => n++);
  let failed: unknown = null;
  running.catch((err: unknown) => (failed = err));
  try {
    // the notification search is open, and the first look done, a moment after it starts
    await new Promise((r) => setTimeout(r, 1_000));
    await body(() => {
      if (failed) throw failed;
      return n;
    });
  } finally {
    abort.abort();
    await running;
  }
}

const reported = (changes: () => number, before: number, what: string) => waitFor(what, async () => changes() > before, 3_000, 20);

describe.each([
  ["dirsync", dirsyncFeed],
  ["usn", usnFeed],
] as const)("%s", (name, feed) => {
  it("reports a user's change, a deletion and a move out of the base; not a computer's change", async () => {
    const user = await w.addUser(`w-${name}-1`, { memberOf: [w.appGroupDn] });
    const doomed = await w.addUser(`w-${name}-2`, { memberOf: [w.appGroupDn] });
    const mover = await w.addUser(`w-${name}-3`, { memberOf: [w.appGroupDn] });
    await watching(feed, await feed.start(req), async (changes) => {
      expect(changes(), "nothing since the cookie").toBe(0);
      await w.ad.replace(computerDn, { description: `changed by ${name}` });
      // both the notification and the one-second look have had their chance
      await new Promise((r) => setTimeout(r, 2_500));
      expect(changes(), "a computer's change").toBe(0);
      await w.ad.replace(user, { sn: "Watched" });
      await reported(changes, 0, "the user's change");
      let before = changes();
      await w.ad.remove(doomed);
      await reported(changes, before, "the deletion");
      before = changes();
      await w.ad.rename(mover, `CN=w-${name}-3,${w.elsewhereDn}`);
      await reported(changes, before, "the move out of the base");
    });
  });

  it("reports at once what changed between the stored cookie and the watch's start", async () => {
    const cookie = await feed.start(req);
    await w.addUser(`w-${name}-missed`);
    await watching(feed, cookie, async (changes) => {
      expect(changes()).toBeGreaterThan(0);
    });
  });
});
