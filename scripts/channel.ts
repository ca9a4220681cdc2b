// `npm run channel -- apply <file.yaml|file.json>`: create or update a channel from a
// channel file (see docs/channel-file.md). `validate <file>` checks it without saving.
import { applyChannelConfig, readChannelFile } from "../lib/channels/apply-channel-config.ts";
import { parseChannelFile } from "../lib/channel-config/resolve.ts";
import { osActor } from "../lib/audit/record-audit.ts";
import { closeDb } from "../lib/db/index.ts";
import { toAppError } from "../lib/errors.ts";

const [verb, file] = process.argv.slice(2);
try {
  if (!file || (verb !== "apply" && verb !== "validate")) {
    console.error("usage: npm run channel -- apply|validate <channel-file.yaml|.json>");
    process.exit(2);
  }
  const config = readChannelFile(file);
  if (verb === "validate") {
    const c = parseChannelFile(config);
    console.log(`${file}: valid channel "${c.name}" (${c.source.directoryType} -> ${c.target.url})`);
  } else {
    const r = await applyChannelConfig({ config, actor: osActor(), via: "cli" });
    console.log(`channel ${r.id} "${r.name}" ${r.created ? "created" : "updated"}`);
    for (const w of r.warnings ?? []) console.warn(`warning: ${w}`);
  }
  await closeDb();
} catch (err) {
  const e = toAppError(err);
  console.error(`error: ${e.message}`);
  await closeDb().catch(() => undefined);
  process.exit(e.exitCode);
}
