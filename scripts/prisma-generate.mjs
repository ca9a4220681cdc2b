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
const res = spawnSync("npx", ["prisma", "generate"], {
  stdio: "inherit",
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});
process.exit(res.status ?? 1);
