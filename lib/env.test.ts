import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { childEnv, getEnv, getLaunchEnv, getProvmgrEnv, resetEnvCache, setEnvDefaults } from "./env.ts";

afterEach(() => {
  vi.unstubAllEnvs();
  setEnvDefaults({});
});

describe("the environment", () => {
  it("gives npm start and the demo their defaults, an empty variable counting as unset", () => {
    vi.stubEnv("PORT", "");
    vi.stubEnv("FERRY_HOST", undefined);
    vi.stubEnv("FERRY_REBUILD", undefined);
    vi.stubEnv("FERRY_DEMO_SCIM_PORT", undefined);
    expect(getLaunchEnv()).toEqual({ PORT: 3000, FERRY_HOST: "127.0.0.1", FERRY_REBUILD: false, FERRY_DEMO_SCIM_PORT: undefined });
    vi.stubEnv("PORT", "8080");
    vi.stubEnv("FERRY_REBUILD", "1");
    expect(getLaunchEnv()).toMatchObject({ PORT: 8080, FERRY_REBUILD: true });
  });

  it("fails fast, naming every bad variable", () => {
    vi.stubEnv("PORT", "http");
    vi.stubEnv("FERRY_REBUILD", "yes");
    expect(() => getLaunchEnv()).toThrow(/bad environment:\nPORT: must be a port number\nFERRY_REBUILD: must be "1"/);
    vi.stubEnv("FERRY_PROVMGR_DB_TIMEOUT_SEC", "soon");
    expect(() => getProvmgrEnv()).toThrow(/FERRY_PROVMGR_DB_TIMEOUT_SEC: must be a number of seconds/);
  });

  it("reads provmgr's own settings", () => {
    vi.stubEnv("FERRY_PROVMGR_DB_TIMEOUT_SEC", "");
    vi.stubEnv("FERRY_PROVMGR_LOG_CONFIG", "/etc/ferry/provmgr.log.json");
    expect(getProvmgrEnv()).toEqual({ FERRY_PROVMGR_DB_TIMEOUT_SEC: 15, FERRY_PROVMGR_LOG_CONFIG: "/etc/ferry/provmgr.log.json" });
  });

  it("takes a program's own default where the environment says nothing, and hands it to children", () => {
    vi.stubEnv("FERRY_DATA_DIR", undefined);
    setEnvDefaults({ FERRY_DATA_DIR: "/opt/ferry/data" });
    expect(getEnv().dataDir).toBe("/opt/ferry/data");
    expect(childEnv({ PORT: "1" })).toMatchObject({ FERRY_DATA_DIR: "/opt/ferry/data", PORT: "1" });
    vi.stubEnv("FERRY_DATA_DIR", "elsewhere");
    resetEnvCache();
    expect(getEnv().dataDir).toBe(path.resolve("elsewhere"));
  });
});
