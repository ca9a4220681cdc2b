// Generates the Prisma client on install. Prisma's CLI insists on a schema-engine
// binary that it downloads from its own CDN, which this project's machines cannot
// reach; `generate` never runs that engine, so point Prisma at a stub that fails
// loudly if anything ever does try to use it. Migrations are applied by
// lib/db/migrate.ts from the SQL files in prisma/migrations.
import { spawnSync } from "node:child_process";
import { writeFileSync, chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const stub = path.join(mkdtempSync(path.join(tmpdir(), "ferry-prisma-")), "schema-engine");
writeFileSync(stub, "#!/bin/sh\necho 'schema engine not available: Ferry applies SQL migrations itself (lib/db/migrate.ts)' >&2\nexit 1\n");
chmodSync(stub, 0o755);
// JITI_FS_CACHE=false: Prisma loads prisma.config.ts through jiti, which would otherwise
// cache it in node_modules/.cache/ after npm has written node_modules/.package-lock.json.
// npm then takes that record for out of date, and every `npx provmgr` read the whole
// node_modules tree again first (about a second of CPU).
const res = spawnSync("npx", ["prisma", "generate"], {
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: "1", JITI_FS_CACHE: "false" },
});
process.exit(res.status ?? 1);
