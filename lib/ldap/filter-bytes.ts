// LDAP filters with escaped bytes, sent as the bytes they name. RFC 4515: in a filter
// value a literal character is its UTF-8 bytes and `\xx` is the byte xx. ldapts (8.x)
// turns `\xx` into the *character* U+00xx and then UTF-8-encodes the whole value, so any
// escaped byte at or above 0x80 goes out as two bytes: a binary objectGUID filter
// `(objectGUID=\21\95…)` matches nothing, and neither does `(cn=Jos\c3\a9)`. Found against
// a real Active Directory (Samba): every read by GUID missed.
//
// The fix, around ldapts's own parser: escapes of bytes >= 0x80 are handed to it as
// private-use characters (U+F780–U+F7FF), and the parsed values are rebuilt as bytes —
// an equality value as a Buffer (which ldapts writes as it is), any other value as the
// UTF-8 text those bytes spell (ldapts writes those only as text).
import { AndFilter, EqualityFilter, type Filter, FilterParser, NotFilter, OrFilter, SubstringFilter } from "ldapts";

const MARK = 0xf700;
const HIGH_ESCAPE = /\\([89a-fA-F][0-9a-fA-F])/g;

export function parseFilter(filter: string): Filter {
  if (!/\\[89a-fA-F][0-9a-fA-F]/.test(filter)) return FilterParser.parseString(filter);
  const marked = filter.replace(HIGH_ESCAPE, (_, hex: string) => String.fromCharCode(MARK + Number.parseInt(hex, 16)));
  const parsed = FilterParser.parseString(marked);
  rebuild(parsed);
  return parsed;
}

/** The bytes a parsed value stands for: marked characters are bytes, the rest UTF-8. */
function bytesOf(value: string): Buffer {
  const parts: Buffer[] = [];
  let text = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= MARK + 0x80 && code <= MARK + 0xff) {
      if (text) parts.push(Buffer.from(text, "utf8"));
      text = "";
      parts.push(Buffer.from([code - MARK]));
    } else text += ch;
  }
  if (text) parts.push(Buffer.from(text, "utf8"));
  return Buffer.concat(parts);
}

const marked = (v: unknown): v is string => typeof v === "string" && /[\uf780-\uf7ff]/.test(v);

function rebuild(f: Filter): void {
  if (f instanceof AndFilter || f instanceof OrFilter) {
    for (const sub of f.filters) rebuild(sub);
    return;
  }
  if (f instanceof NotFilter) {
    rebuild(f.filter);
    return;
  }
  if (f instanceof EqualityFilter) {
    if (marked(f.value)) f.value = bytesOf(f.value);
    return;
  }
  if (f instanceof SubstringFilter) {
    if (marked(f.initial)) f.initial = bytesOf(f.initial).toString("utf8");
    if (marked(f.final)) f.final = bytesOf(f.final).toString("utf8");
    f.any = f.any.map((a) => (marked(a) ? bytesOf(a).toString("utf8") : a));
    return;
  }
  const v = f as unknown as { value?: unknown };
  if (marked(v.value)) v.value = bytesOf(v.value).toString("utf8");
}
