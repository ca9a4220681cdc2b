// SCIM target authentication: bearer (elsewhere), HTTP basic, and OAuth 2.0 client
// credentials with token reuse and renewal; secrets are stored encrypted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import { startSlapd, type Slapd } from "../../devkit/slapd.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { runCycle } from "../../lib/sync/run-cycle.ts";

let db: Awaited<ReturnType<typeof useTestDatabase>>;
let slapd: Slapd;
let scim: Awaited<ReturnType<typeof startScimmy>>;

beforeAll(async () => {
  db = await useTestDatabase();
  slapd = await startSlapd();
  scim = await startScimmy({
    auth: { basic: { username: "ferry", password: "basic-pass-123" }, oauth: { clientId: "ferry-client", clientSecret: "oauth-secret-456", expiresInSec: 3600 } },
  });
  // one user per channel: two channels may not send the same user to one target (lib/records/target-claims.ts)
  for (const uid of ["authy", "oauthy", "badauthy"]) await slapd.addUser({ uid, givenName: "Au", sn: "Thy", mail: `${uid}@example.com` });
});
afterAll(async () => {
  await scim?.stop();
  await slapd?.stop();
  await db?.cleanup();
});

function channel(name: string, auth: Record<string, unknown>, uid = "authy") {
  return {
    name,
    connectionId: name,
    source: { url: slapd.url, bindDn: slapd.adminDn, bindPassword: slapd.adminPassword, baseDn: slapd.peopleDn, filter: `(uid=${uid})` },
    target: { url: scim.baseUrl, auth },
  };
}

describe("target authentication", () => {
  it("HTTP basic", async () => {
    const { id } = await applyChannelConfig({ config: channel("basic", { type: "basic", username: "ferry", password: "basic-pass-123" }), actor: "t", via: "test" });
    const r = await runCycle({ channelId: id });
    expect(r.status).toBe("SUCCESS");
    expect((await scim.listUsers()).map((u) => u.userName)).toContain("authy");
  });

  it("OAuth 2.0 client credentials: one token for the whole cycle", async () => {
    const { id } = await applyChannelConfig({
      config: channel("oauth", { type: "oauth2", tokenUrl: `${scim.origin}/oauth/token`, clientId: "ferry-client", clientSecret: "oauth-secret-456" }, "oauthy"),
      actor: "t",
      via: "test",
    });
    const before = scim.oauthTokensIssued();
    const r = await runCycle({ channelId: id });
    expect(r.status).toBe("SUCCESS");
    expect(r.stats.scimRequests).toBeGreaterThan(1);
    expect(scim.oauthTokensIssued() - before).toBe(1);
  });

  it("a wrong client secret is a clear error", async () => {
    const { id } = await applyChannelConfig({
      config: channel("oauth-bad", { type: "oauth2", tokenUrl: `${scim.origin}/oauth/token`, clientId: "ferry-client", clientSecret: "nope" }, "badauthy"),
      actor: "t",
      via: "test",
    });
    const r = await runCycle({ channelId: id });
    expect(r.status).not.toBe("SUCCESS");
    expect(r.message).toMatch(/OAuth token endpoint answered 401/);
  });

  it("stores every secret encrypted", async () => {
    const rows = await (await getDb()).channel.findMany();
    const dump = JSON.stringify(rows.map((r) => [r.source, r.target]));
    for (const secret of ["basic-pass-123", "oauth-secret-456", slapd.adminPassword]) expect(dump).not.toContain(secret);
    expect(dump).toContain("enc:v1:");
  });
});
