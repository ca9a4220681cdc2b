import { defineConfig } from "vitest/config";
import path from "node:path";

// Two projects: unit tests live beside the code (lib/**/*.test.ts) and use plain data;
// integration tests (test/integration) start real slapd, PostgreSQL schemas and SCIM services.
export default defineConfig({
  // outside node_modules: a cache written there after npm recorded node_modules makes npm
  // (and so `npx provmgr`) re-read every package on its next run
  cacheDir: ".vitest-cache",
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    reporters: ["default", "./test/summary-reporter.ts"],
    // each integration file starts its own slapd, SCIM service and database; two at a time fits 2 cores
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["lib/**/*.test.ts", "cli/**/*.test.ts", "components/**/*.test.ts"], environment: "node" },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 60_000,
          maxConcurrency: 1,
        },
      },
    ],
  },
});
