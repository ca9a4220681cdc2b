// Group members in chunks the target takes. Targets limit how many members one request
// may carry (AWS IAM Identity Center and Better Auth: 100) and say so with a 413 or a 400
// (Better Auth: "One or more Group members are invalid"; RFC 7644 §3.12: scimType
// tooMany). Such an answer splits the chunk in half and sends the halves; the size that
// then went through is remembered for the whole push (every group of the cycle) and
// stored for the channel (push-groups.ts), so the next cycle starts there instead of
// failing again. A 400 that is not about size (a member that really is invalid) splits
// down to one member and then fails as before: nothing smaller is learned from it,
// since only a chunk that went through after a refusal teaches a size.
import { ScimError } from "../scim/errors.ts";

/** A refusal that may be about the number of members in the request. */
export function isSizeRefusal(err: unknown): boolean {
  if (!(err instanceof ScimError) || err.status === undefined) return false;
  if (err.status === 413 || err.scimType === "tooMany") return true;
  if (err.status !== 400) return false;
  return /too ?many|too large|payload|exceed|limit|maximum|members (are|is) invalid|group members/i.test(err.message);
}

/** The members-per-request size of one push: shrinks on a size refusal, shared by every group of the push. */
export class MemberChunkSize {
  private current: number;
  /** the size a chunk went through with after a refusal; null until one did */
  private taught: number | null = null;
  private refused = false;

  constructor(readonly configured: number) {
    this.current = configured;
  }

  get size(): number {
    return this.current;
  }

  /** What this push learned: a size below the configured one that the target took, else null. */
  get learned(): number | null {
    return this.taught !== null && this.taught < this.configured ? this.taught : null;
  }

  refusedAt(n: number): void {
    this.refused = true;
    this.current = Math.max(1, Math.min(this.current, Math.floor(n / 2)));
  }

  tookAt(n: number): void {
    // only a chunk of the current size teaches it (the last chunk of a list may be shorter)
    if (this.refused && n === this.current) this.taught = Math.max(this.taught ?? 0, n);
  }
}

/**
 * Sends `ids` in chunks of `sizer.size` with `send`, splitting a chunk the target refuses
 * for its size. `send` must be safe to repeat with a part of what it was refused (a
 * refused request changed nothing). A refusal of a single member is not about size: thrown.
 */
export async function sendInChunks<T>(ids: T[], sizer: MemberChunkSize, send: (chunk: T[]) => Promise<unknown>): Promise<void> {
  let i = 0;
  while (i < ids.length) {
    const chunk = ids.slice(i, i + sizer.size);
    try {
      await send(chunk);
    } catch (err) {
      if (chunk.length <= 1 || !isSizeRefusal(err)) throw err;
      sizer.refusedAt(chunk.length);
      continue;
    }
    sizer.tookAt(chunk.length);
    i += chunk.length;
  }
}
