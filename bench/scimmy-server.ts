// The benchmark's SCIM target in its own process, so its CPU and memory are not counted
// as Ferry's. Prints one JSON line {baseUrl, token} and serves until killed.
import { startScimmy } from "../devkit/scim-scimmy.ts";

const s = await startScimmy();
process.stdout.write(JSON.stringify({ baseUrl: s.baseUrl, token: s.token }) + "\n");
// "cpu" on stdin: how much CPU this target has used so far (ms), to tell its work from Ferry's
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d: string) => {
  if (d.includes("cpu")) {
    const u = process.cpuUsage();
    process.stdout.write(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }) + "\n");
  }
});
process.on("SIGTERM", () => void s.stop().then(() => process.exit(0)));
