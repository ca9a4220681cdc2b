// How provmgr prints: aligned tables, label/value blocks, JSON. Pure string functions;
// cli/output.ts writes them.

export const NONE = "-";

/**
 * Characters a terminal obeys instead of showing: the C0 controls (ESC starts every ANSI
 * sequence: ESC[2J clears the screen, OSC 8 writes links), DEL, the C1 controls (U+009B
 * is a one-character CSI), and the bidirectional overrides that make text read
 * differently from what it is. Directory values, target errors and channel names can
 * carry any of them.
 */
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const TERMINAL_CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** what JSON.stringify leaves raw of the above (it escapes C0 itself; its own line feeds are layout) */
const JSON_RAW_CONTROL = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** One value as text a terminal shows as it is: each control character written as \uXXXX, as JSON would; other text (UTF-8 included) unchanged. */
export function printable(s: string): string {
  return s.replace(TERMINAL_CONTROL, escapeChar);
}

/** Text of several lines (what provmgr writes): the same, but line feeds are kept. */
export function printableText(s: string): string {
  return s.replace(TERMINAL_CONTROL_BUT_NEWLINE, escapeChar);
}

/** One line whatever the text: errors from a target may carry newlines. Controls are left to printable(). */
export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

export function fmtDate(d: Date | string | null | undefined): string {
  if (!d) return NONE;
  const date = typeof d === "string" ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return String(d);
  const iso = date.toISOString();
  // "2026-11-23T04:21:52.123Z" -> "2026-11-23T04:21:52Z" (a slice: --show-dirty-records formats one per record)
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, "Z");
}

export function fmtValue(v: unknown): string {
  if (v === null || v === undefined || v === "") return NONE;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v instanceof Date) return fmtDate(v);
  if (typeof v === "object") return toJson(v);
  return printable(oneLine(String(v)));
}

/**
 * JSON for scripts and terminals alike. JSON.stringify escapes the C0 controls; DEL, the
 * C1 controls and the bidirectional overrides it leaves raw are escaped here too (they
 * occur only inside strings, where \uXXXX reads back to the same value).
 */
export function toJson(v: unknown, space?: number): string {
  return JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x), space).replace(JSON_RAW_CONTROL, escapeChar);
}

function widthsOf(headers: string[], rows: string[][]): number[] {
  return headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
}

function line(cells: string[], widths: number[]): string {
  // the last column is not padded: no trailing blanks for scripts to trip on
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
    .join("  ")
    .trimEnd();
}

/** Cells escaped before they are measured, so a value with controls does not break the columns. */
const printableRows = (rows: string[][]): string[][] => rows.map((r) => r.map(printable));

export function table(headers: string[], rows: string[][]): string[] {
  const cells = printableRows(rows);
  const widths = widthsOf(headers, cells);
  return [line(headers, widths), ...cells.map((r) => line(r, widths))];
}

/**
 * A table printed page by page (100,000 dirty records are never all in memory): the
 * first page sets the column widths, a longer value later simply pushes its row wider.
 */
export function streamingTable(headers: string[], minWidths: number[] = []): { page(rows: string[][]): string[] } {
  let widths: number[] | undefined;
  return {
    page(rows) {
      if (rows.length === 0) return [];
      const cells = printableRows(rows);
      const first = widths === undefined;
      widths ??= widthsOf(headers, cells).map((w, i) => Math.max(w, minWidths[i] ?? 0));
      const w = widths;
      return [...(first ? [line(headers, w)] : []), ...cells.map((r) => line(r, w))];
    },
  };
}

/** "  Label          value" lines, labels padded to `width` (default: the longest label). */
export function keyValues(pairs: Array<[string, unknown]>, indent = "  ", width = Math.max(0, ...pairs.map(([k]) => k.length))): string[] {
  return pairs.map(([k, v]) => `${indent}${k.padEnd(width)}  ${fmtValue(v)}`.trimEnd());
}

/** Attribute -> values, one value per line, the attribute named on its first line only; attributes without values are left out. */
export function multiValues(attrs: Record<string, unknown[]>, indent = "  "): string[] {
  const names = Object.keys(attrs)
    .filter((n) => (attrs[n] ?? []).length > 0)
    .sort((a, b) => a.localeCompare(b));
  const width = Math.max(0, ...names.map((n) => printable(n).length));
  const out: string[] = [];
  for (const name of names) {
    const values = attrs[name] ?? [];
    values.forEach((v, i) => out.push(`${indent}${(i === 0 ? printable(name) : "").padEnd(width)}  ${fmtValue(v)}`.trimEnd()));
  }
  return out;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
