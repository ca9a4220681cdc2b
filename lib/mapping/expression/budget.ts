// What one evaluation may spend, and the entry it reads. cel-js calls a function's
// handler with its arguments only, so the entry and the call count of the evaluation
// under way are held here; an evaluation is synchronous (no handler is async), so two
// can never interleave.
import { EXPRESSION_LIMITS as L } from "./limits.ts";
import { ExpressionLimitError } from "./errors.ts";

let attrs: Record<string, string[]> = {};
let calls = 0;

/** Runs one evaluation reading this entry's attributes, with a fresh budget. */
export function withEntry<T>(entryAttrs: Record<string, string[]>, run: () => T): T {
  const saved = attrs;
  const savedCalls = calls;
  attrs = entryAttrs;
  calls = 0;
  try {
    return run();
  } finally {
    attrs = saved;
    calls = savedCalls;
  }
}

export function spendCall(): void {
  if (++calls > L.maxCalls) throw new ExpressionLimitError(`more than ${L.maxCalls} function calls`);
}

/** An attribute's values in the entry under evaluation (names are matched ignoring case, as LDAP does). */
export function currentEntryValues(name: string): string[] {
  return attrs[name.toLowerCase()] ?? [];
}
