#!/usr/bin/env node
// provmgr entry (package.json "bin"): `npx provmgr`, bin/provmgr.sh, or this file from
// anywhere. Registers tsx's loader so the TypeScript sources run as they are, with the
// project's own tsconfig whatever the current directory is.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import(new URL("../cli/provmgr.ts", import.meta.url).href);
