// The benchmark's SCIM target in its own process, so its CPU and memory are not counted
// as Ferry's. Prints one JSON line {baseUrl, token} and serves until killed.
import { startScimmy } from "../test/harness/scim-scimmy.ts";

const s = await startScimmy();
process.stdout.write(JSON.stringify({ baseUrl: s.baseUrl, token: s.token }) + "\n");
process.on("SIGTERM", () => void s.stop().then(() => process.exit(0)));
