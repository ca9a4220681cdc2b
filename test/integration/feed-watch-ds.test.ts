// The 389-DS changelog feed's watch() on its own, against a real 389-DS: which writes it
// reports (the base, the provisioning group) and which it does not (elsewhere in the
// directory), what changed before it started (a stored cookie behind the changelog), and
// the channel whose account cannot read the changelog (cookie "timestamp": persistent
// searches over the base and the group instead). The worker-level timing is in
// push-mode-ds.test.ts.
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseChannelFile } from "../../lib/channel-config/resolve.ts";
import type { TFeedRequest } from "../../lib/ldap/change-feed.ts";
import { Directory } from "../../lib/ldap/directory.ts";
import { changelogFeed } from "../../lib/ldap/feeds/changelog.ts";
import { userAttributes, userScopeFilter } from "../../lib/ldap/scope.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startDsWorld, type TDsWorld } from "../helpers/ds-world.ts";

let w: TDsWorld;
let req: TFeedRequest;

beforeAll(async () => {
  w = await startDsWorld({ feeds: ["changelog"], scopes: ["group"] });
  const source = parseChannelFile(w.channels[0]!.config).source;
  req = { dir: await Directory.open(source), source, filter: userScopeFilter(source), attributes: userAttributes(source), since: null };
}, 120_000);
afterAll(async () => {
  await req?.dir.close();
  await w?.stop();
});

/** Runs the watch from `cookie` while `body` runs; `changes()` is how many times it reported a change so far. */
async function watching(cookie: string, body: (changes: () => number) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  let n = 0;
  const running = changelogFeed.watch!(req, cookie, abort.signal, () => n++);
  let failed: unknown = null;
  running.catch((err: unknown) => (failed = err));
  try {
    // the persistent search is open a moment after it starts
    await new Promise((r) => setTimeout(r, 500));
    await body(() => {
      if (failed) throw failed;
      return n;
    });
  } finally {
    abort.abort();
    await running;
  }
}

const quiet = () => new Promise((r) => setTimeout(r, 1_500));

it("reports writes under the base and to the provisioning group, not writes elsewhere", async () => {
  const outsider = await w.ds.addUser({ uid: "elsewhere1", ouDn: w.elsewhereDn });
  const member = await w.addUser("watched1");
  await watching(await changelogFeed.start(req), async (changes) => {
    await w.ds.replace(outsider, { sn: "Elsewhere" });
    await quiet();
    expect(changes(), "a write outside the base and the group").toBe(0);
    await w.ds.replace(member, { sn: "Watched" });
    await waitFor("the modify reported", async () => changes() > 0, 3_000, 20);
    const before = changes();
    // an entry outside the base joins the group: only the group's entry (and memberOf on the outsider) change
    await w.ds.addMembers(w.appGroupDn, [outsider]);
    await waitFor("the group write reported", async () => changes() > before, 3_000, 20);
  });
});

it("reports at once what was written between the stored cookie and the watch's start", async () => {
  const cookie = await changelogFeed.start(req);
  await w.addUser("missed1");
  await watching(cookie, async (changes) => {
    expect(changes()).toBeGreaterThan(0);
  });
});

it("without a readable changelog (cookie timestamp): persistent searches over the base and the group report instead", async () => {
  const outsider = await w.ds.addUser({ uid: "elsewhere2", ouDn: w.elsewhereDn });
  const member = await w.addUser("watched2");
  await watching("timestamp", async (changes) => {
    // no change number to tell what came just before the searches stood: one cycle at the start
    expect(changes()).toBe(1);
    await w.ds.replace(outsider, { sn: "Elsewhere" });
    await quiet();
    expect(changes(), "a write outside the base and the group").toBe(1);
    await w.ds.replace(member, { sn: "Watched" });
    await waitFor("the modify reported", async () => changes() > 1, 3_000, 20);
    const before = changes();
    await w.ds.addMembers(w.appGroupDn, [outsider]);
    await waitFor("the group write reported", async () => changes() > before, 3_000, 20);
  });
});
