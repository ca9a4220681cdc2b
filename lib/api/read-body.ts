// Reads a request body with a byte cap, for every route that takes one (the API wrapper
// and next-auth's sign-in): a body announced larger than the cap is refused before a byte
// is read, and a body without a length (chunked) is read as a stream and abandoned as
// soon as it passes the cap. Either way the answer is 413 and memory stays bounded; an
// unbounded `request.text()` held a 300 MB upload whole.
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";

export function bodyTooLarge(limit: number): AppError {
  const size = limit >= 1024 * 1024 && limit % (1024 * 1024) === 0 ? `${limit / (1024 * 1024)} MB` : limit >= 1024 && limit % 1024 === 0 ? `${limit / 1024} KB` : `${limit} bytes`;
  return new AppError("PAYLOAD_TOO_LARGE", `the request body is larger than ${size} (FERRY_MAX_BODY_BYTES)`, { limitBytes: limit });
}

/** The body's bytes, at most `limit` of them (default FERRY_MAX_BODY_BYTES); more is a PAYLOAD_TOO_LARGE AppError. */
export async function readBodyBytes(request: Request, limit: number = getEnv().FERRY_MAX_BODY_BYTES): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
    await request.body?.cancel().catch(() => undefined);
    throw bodyTooLarge(limit);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The body as UTF-8 text, with the same cap. */
export async function readBodyText(request: Request, limit?: number): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, limit));
}
