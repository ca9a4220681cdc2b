// Mapping expressions: CEL (Common Expression Language, cel-spec), evaluated by
// @marcbachmann/cel-js, a tree-walking interpreter (no eval, no Function, no vm) with
// parse-time limits and a type checker. CEL has no loops, assignment or recursion, so an
// expression cannot run for long: its size, the nesting of its list macros and the
// lists and strings it walks are capped (limits.ts), each function call is counted, and
// regular expressions run on RE2 (functions.ts). CEL's own `matches` (a JavaScript
// RegExp, which can backtrack for ever) is refused: regexMatch does the same on RE2.
//
// An expression is checked when a channel is saved (checkExpression: syntax, function
// names and argument types, attribute names, result type), each problem with its line
// and column; a cycle compiles each expression once (compileExpression, cached).
import { Environment } from "@marcbachmann/cel-js";
import { LDAP_ATTRIBUTE_NAME } from "../ldap-attribute.ts";
import { withEntry } from "./budget.ts";
import { ExpressionLimitError } from "./errors.ts";
import { budgeted, FUNCTIONS } from "./functions.ts";
import { EXPRESSION_LIMITS as L } from "./limits.ts";

/** What an expression gives: a single value, or the values of a multi-valued attribute. */
export type TExpressionValue = string | boolean | number | string[];
/** The CEL result types a mapping value may have. */
export const RESULT_TYPES = ["string", "bool", "int", "double", "list<string>"] as const;
export type TResultType = (typeof RESULT_TYPES)[number];

export type TExpressionProblem = { message: string; line: number; column: number };

export type TCompiledExpression = {
  source: string;
  type: TResultType;
  /** LDAP attributes it reads (attr, attrs, present), lower-cased */
  attributes: string[];
  /** its value for an entry's attributes; undefined for none (an empty string or list, or a bound exceeded) */
  run: (attrs: Record<string, string[]>) => TExpressionValue | undefined;
};

const MACROS = new Set(["map", "filter", "exists", "all", "exists_one"]);
const ATTRIBUTE_FUNCTIONS = new Set(["attr", "attrs", "present"]);

let env: Environment | null = null;

function environment(): Environment {
  if (env) return env;
  const e = new Environment({
    limits: { maxAstNodes: L.maxAstNodes, maxDepth: L.maxDepth, maxListElements: L.maxListElements, maxMapEntries: L.maxMapEntries, maxCallArguments: L.maxCallArguments },
  });
  for (const f of FUNCTIONS) e.registerFunction(f.signature, budgeted(f.handler));
  env = e;
  return e;
}

type TNode = { op: string; args: unknown; pos?: number };

const isNode = (v: unknown): v is TNode => typeof v === "object" && v !== null && typeof (v as TNode).op === "string";

function where(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, offset));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Ferry's own rules over the parsed tree: no RegExp, bounded macro nesting, attribute names as literals. */
function inspect(node: unknown, source: string, nesting: number, attributes: Set<string>): TExpressionProblem | null {
  if (Array.isArray(node)) {
    for (const n of node) {
      const p = inspect(n, source, nesting, attributes);
      if (p) return p;
    }
    return null;
  }
  if (!isNode(node)) return null;
  const at = where(source, node.pos ?? 0);
  const args = Array.isArray(node.args) ? (node.args as unknown[]) : [];
  if (node.op === "rcall" || node.op === "call") {
    const name = args[0];
    if (name === "matches") return { ...at, message: "matches() is not available (it may backtrack without end): use regexMatch(text, pattern), which runs on RE2" };
    if (node.op === "rcall" && typeof name === "string" && MACROS.has(name)) {
      if (nesting + 1 > L.maxMacroNesting) return { ...at, message: `list macros (map, filter, exists…) nest at most ${L.maxMacroNesting} deep` };
      return inspect(args[1], source, nesting, attributes) ?? inspect(args[2], source, nesting + 1, attributes);
    }
    if (node.op === "call" && typeof name === "string" && ATTRIBUTE_FUNCTIONS.has(name)) {
      const arg = (args[1] as unknown[] | undefined)?.[0];
      if (!isNode(arg) || arg.op !== "value" || typeof arg.args !== "string") return { ...at, message: `${name}() takes an attribute name in quotes, such as ${name}("mail")` };
      if (!LDAP_ATTRIBUTE_NAME.test(arg.args)) return { ...where(source, arg.pos ?? 0), message: `"${arg.args}" is not an LDAP attribute name` };
      attributes.add(arg.args.toLowerCase());
    }
  }
  return inspect(args, source, nesting, attributes);
}

type TChecked = { ok: true; compiled: TCompiledExpression } | { ok: false; problem: TExpressionProblem };

function problemOf(err: unknown, source: string): TExpressionProblem {
  const e = err as { summary?: string; message?: string; range?: { start: number } };
  const message = (e.summary ?? e.message ?? String(err)).split("\n")[0] ?? "invalid expression";
  return { message, ...where(source, e.range?.start ?? 0) };
}

function toValue(v: unknown): TExpressionValue | undefined {
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "boolean") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v)) {
    const out = v.map((x) => (typeof x === "string" ? x : String(x))).filter((x) => x !== "");
    return out.length === 0 ? undefined : out;
  }
  return undefined;
}

const checkedCache = new Map<string, TChecked>();

/**
 * Parses and type-checks an expression; the first problem with its line and column.
 * Remembered per process: a stored channel is parsed (and its expressions checked) each
 * time it is read, by every cycle and API call.
 */
export function checkExpression(source: string): TChecked {
  let c = checkedCache.get(source);
  if (!c) {
    c = check(source);
    if (checkedCache.size > 10_000) checkedCache.clear();
    checkedCache.set(source, c);
  }
  return c;
}

function check(source: string): TChecked {
  if (source.length > L.maxSourceLength) return { ok: false, problem: { message: `longer than ${L.maxSourceLength} characters`, line: 1, column: L.maxSourceLength + 1 } };
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = environment().parse(source);
  } catch (err) {
    return { ok: false, problem: problemOf(err, source) };
  }
  const attributes = new Set<string>();
  const problem = inspect(parsed.ast, source, 0, attributes);
  if (problem) return { ok: false, problem };
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, problem: problemOf(checked.error, source) };
  const type = checked.type as TResultType;
  if (!(RESULT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, problem: { message: `gives a ${checked.type}; a mapping value must be a string, bool, int, double or list<string>`, line: 1, column: 1 } };
  }
  const run = (attrs: Record<string, string[]>): TExpressionValue | undefined => toValue(withEntry(attrs, () => parsed({})));
  return { ok: true, compiled: { source, type, attributes: [...attributes], run } };
}

/** A checked expression, compiled once per process; an invalid one throws (a stored channel was checked when saved). */
export function compileExpression(source: string): TCompiledExpression {
  const checked = checkExpression(source);
  if (!checked.ok) throw new Error(`invalid expression at line ${checked.problem.line}, column ${checked.problem.column}: ${checked.problem.message}`);
  return checked.compiled;
}

export { ExpressionLimitError };
