#!/usr/bin/env node
// provmgr entry (package.json "bin"): `npx provmgr`, bin/provmgr.sh, or this file from
// anywhere. Runs the JavaScript build of cli/provmgr.ts (dist/, scripts/build.mjs),
// built again first if a source changed since: never stale code, never TypeScript.
import { ensureBuilt } from "../scripts/build.mjs";

let entry;
try {
  entry = (await ensureBuilt()).url("cli/provmgr");
} catch (err) {
  process.stderr.write(`provmgr: cannot build provmgr from its sources: ${err.message}\n`);
  process.exit(1);
}
await import(entry);
