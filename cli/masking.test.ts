// provmgr must never print a secret: the lib views it prints from mask them. These are
// the lib functions behind --show-user/--show-group and --show-source/--show-target.
import { describe, expect, it } from "vitest";
import { maskDeep } from "../lib/channels/describe-channel.ts";
import { guidCandidates, maskLdapAttributes } from "../lib/channels/show-record.ts";

describe("masking", () => {
  it("masks password attributes a directory hands out, whatever their case or options", () => {
    expect(maskLdapAttributes({ uid: ["eve"], userPassword: ["{SSHA}abc"], "unicodePwd;binary": ["x"], sambaNTPassword: ["y"] })).toEqual({
      uid: ["eve"],
      userPassword: ["********"],
      "unicodePwd;binary": ["********"],
      sambaNTPassword: ["********"],
    });
  });

  it("masks secrets by key, stored ciphertext anywhere, and passwords in URLs", () => {
    const out = maskDeep(
      {
        auth: { type: "oauth2", tokenUrl: "https://idp.example.com/token", clientId: "ferry", clientSecret: "enc:v1:AAAA" },
        bindPassword: "plain-but-long-secret",
        url: "https://user:pa55@scim.example.com/v2",
        note: "enc:v1:BBBB",
      },
      true,
    );
    expect(out).toEqual({
      auth: { type: "oauth2", tokenUrl: "https://idp.example.com/token", clientId: "ferry", clientSecret: "********" },
      bindPassword: "********et",
      url: "https://user:****@scim.example.com/v2",
      note: "********",
    });
    expect(JSON.stringify(out)).not.toMatch(/enc:v1|pa55|plain-but-long/);
  });
});

describe("GUIDs typed by an administrator", () => {
  it("are compared lower-case, with or without braces and hyphens", () => {
    expect(guidCandidates(" 5FC7FE1E-7B40-1041-88ED-9564C4E11F12 ")).toEqual([
      "5fc7fe1e-7b40-1041-88ed-9564c4e11f12",
      "5fc7fe1e7b40104188ed9564c4e11f12",
    ]);
    expect(guidCandidates("FFD448643F812B43A0BEE2504173F0")).toEqual(["ffd448643f812b43a0bee2504173f0"]);
  });

  it("accept Active Directory's canonical objectGUID form and look for the hex of its bytes", () => {
    // bytes 01..10 print as {04030201-0605-0807-090a-0b0c0d0e0f10}
    expect(guidCandidates("{04030201-0605-0807-090A-0B0C0D0E0F10}", { guidAttribute: "objectGUID" })).toContain("0102030405060708090a0b0c0d0e0f10");
    expect(guidCandidates("{04030201-0605-0807-090A-0B0C0D0E0F10}", { guidAttribute: "entryUUID" })).not.toContain("0102030405060708090a0b0c0d0e0f10");
  });
});
