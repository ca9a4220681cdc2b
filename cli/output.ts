// stdout for provmgr: human text by default, one JSON document with --json. Writes wait
// for the pipe to drain, so `provmgr --show-dirty-records | less` on 100,000 records
// holds one page in memory, not the whole listing. Everything written passes
// printable()/printableText() here, whatever a command composed: a directory value that
// carries ESC[2J is shown as \u001b[2J, never obeyed by the terminal.
import { once } from "node:events";
import { printable, printableText, toJson } from "./format.ts";

export type TOutput = {
  json: boolean;
  /** text as given, but for control characters (line feeds are kept) */
  write(text: string): Promise<void>;
  /** one line each: a control character inside a line, a line feed included, is escaped */
  lines(lines: string[]): Promise<void>;
  /** the whole --json answer in one piece */
  value(v: unknown): Promise<void>;
};

export function createOutput(json: boolean, stream: NodeJS.WritableStream = process.stdout): TOutput {
  const raw = async (text: string) => {
    if (text === "") return;
    if (!stream.write(text)) await once(stream, "drain");
  };
  const write = (text: string) => raw(printableText(text));
  return {
    json,
    write,
    lines: (lines) => raw(lines.length ? lines.map(printable).join("\n") + "\n" : ""),
    value: (v) => write(toJson(v, 2) + "\n"),
  };
}
