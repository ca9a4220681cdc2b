// stdout for provmgr: human text by default, one JSON document with --json. Writes wait
// for the pipe to drain, so `provmgr --show-dirty-records | less` on 100,000 records
// holds one page in memory, not the whole listing.
import { once } from "node:events";
import { toJson } from "./format.ts";

export type TOutput = {
  json: boolean;
  /** raw text, as given */
  write(text: string): Promise<void>;
  lines(lines: string[]): Promise<void>;
  /** the whole --json answer in one piece */
  value(v: unknown): Promise<void>;
};

export function createOutput(json: boolean, stream: NodeJS.WritableStream = process.stdout): TOutput {
  const write = async (text: string) => {
    if (text === "") return;
    if (!stream.write(text)) await once(stream, "drain");
  };
  return {
    json,
    write,
    lines: (lines) => write(lines.length ? lines.join("\n") + "\n" : ""),
    value: (v) => write(toJson(v, 2) + "\n"),
  };
}
