#!/usr/bin/env node
// Worker entry (`npm run worker`; `npm start` spawns the build directly): runs the
// JavaScript build of worker/main.ts (dist/, scripts/build.mjs), built again first if a
// source changed since. Node flags go before this file: node --max-old-space-size=256 --max-semi-space-size=32 bin/worker.js
import { ensureBuilt } from "../scripts/build.mjs";

let entry;
try {
  entry = (await ensureBuilt()).url("worker/main");
} catch (err) {
  process.stderr.write(`worker: cannot build the worker from its sources: ${err.message}\n`);
  process.exit(1);
}
await import(entry);
