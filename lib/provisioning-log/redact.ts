// What a log entry may keep of a request or response body: secrets replaced, long bodies
// cut. Passwords and tokens never reach the log, whatever attribute a mapping sends them in.
const SECRET_KEY = /pass(word)?|secret|token|credential|private.?key/i;
export const MAX_BODY_CHARS = 2_000;

export function redactBody(text: string | undefined | null): string | null {
  if (text === undefined || text === null || text === "") return null;
  let out = text;
  try {
    out = JSON.stringify(redactValue(JSON.parse(text)));
  } catch {
    // not JSON: key=value and "key": "value" shapes are still masked
    out = text.replace(/("?(?:pass(?:word)?|secret|token|credential)[^"=:]*"?\s*[:=]\s*)("[^"]*"|[^\s,&}]+)/gi, '$1"[redacted]"');
  }
  return out.length > MAX_BODY_CHARS ? `${out.slice(0, MAX_BODY_CHARS)}… (${out.length} characters)` : out;
}

function redactValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redactValue);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      // SCIM PATCH: { op, path: "password", value } carries the secret under "value"
      if (SECRET_KEY.test(k)) o[k] = "[redacted]";
      else if (k === "value" && SECRET_KEY.test(String((v as Record<string, unknown>).path ?? ""))) o[k] = "[redacted]";
      else o[k] = redactValue(x);
    }
    return o;
  }
  return v;
}
