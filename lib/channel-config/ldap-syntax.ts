// Full syntax checks for the LDAP filters (RFC 4515) and distinguished names (RFC 4514)
// of a channel, run when a channel is saved, so a typo is refused with where it is
// instead of becoming a search that quietly reads nobody: a scope filter is embedded
// in "(&<userObjectFilter><filter>)", where "(uid=a*)(cn=x)" is two more AND terms.
//
// Why not ldapts's own parsers: ldapts has no DN parser (its DN class only builds DNs);
// its FilterParser reports no positions, accepts an unclosed "(&(a=b)", and lives in a
// bundle that imports node:net, while this module is also bundled into the console's
// channel form (config.ts beside it). The filter grammar here is deliberately no
// wider than FilterParser's (ldap-syntax.test.ts checks both on the same cases):
// what is saved can always be sent by the search.
//
// Positions are 1-based character positions in the string as given.

const ALPHA = /[A-Za-z]/;
const KEYCHAR = /[A-Za-z0-9-]/;
const DIGIT = /[0-9]/;
const HEX = /^[0-9A-Fa-f]{2}$/;

class SyntaxProblem extends Error {
  constructor(
    readonly index: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** "position 17 ("(cn=x)"): a second filter…": where, what is there, and what is wrong. */
function describe(s: string, p: SyntaxProblem): string {
  const at = Math.min(p.index, s.length);
  const rest = s.slice(at);
  const shown = at >= s.length ? "at the end" : `"${rest.length > 24 ? `${rest.slice(0, 24)}…` : rest}"`;
  return `position ${at + 1} (${shown}): ${p.problem}`;
}

/** Reads `name` (descr: a letter, then letters, digits, hyphens) or a numeric OID at s[i]; returns the end. */
function readKeyword(s: string, i: number, allowOid: boolean): number {
  let j = i;
  if (ALPHA.test(s[j] ?? "")) {
    while (KEYCHAR.test(s[j] ?? "")) j++;
  } else if (allowOid && DIGIT.test(s[j] ?? "")) {
    while (DIGIT.test(s[j] ?? "") || (s[j] === "." && DIGIT.test(s[j + 1] ?? ""))) j++;
  }
  return j;
}

/** The problem with an LDAP search filter (RFC 4515), or null when it is well-formed. */
export function ldapFilterProblem(filter: string): string | null {
  const s = filter;
  let i = 0;
  const fail = (index: number, problem: string): never => {
    throw new SyntaxProblem(index, problem);
  };

  // an assertion value: any character but NUL, "(" and ")" ; "\" starts a two-hex-digit escape; "*" only where allowed
  const value = (wildcards: boolean) => {
    while (i < s.length && s[i] !== ")") {
      const c = s[i]!;
      if (c === "\\") {
        if (!HEX.test(s.slice(i + 1, i + 3))) {
          fail(i, `"\\${s.slice(i + 1, i + 3)}" is not an escape: a backslash must be followed by two hex digits, e.g. \\2a for *, \\28 for (, \\29 for ), \\5c for \\`);
        }
        i += 3;
        continue;
      }
      if (c === "(") fail(i, 'an unescaped "(" inside a value: write \\28, or close the previous filter with ")"');
      if (c === "*" && !wildcards) fail(i, 'a "*" is only allowed with "=" (write \\2a for a literal *)');
      if (c === "\u0000") fail(i, "a NUL character inside a value: write \\00");
      i++;
    }
  };

  const item = () => {
    const start = i;
    const attrEnd = readKeyword(s, i, false);
    const attr = s.slice(start, attrEnd);
    i = attrEnd;
    if (attr === "" && s[i] !== ":") {
      if (s[i] === ")") fail(i, 'an empty filter "()": expected an attribute such as (uid=jdoe)');
      fail(i, DIGIT.test(s[i] ?? "") ? "an attribute name must start with a letter" : "expected an attribute name, e.g. (uid=jdoe)");
    }
    if (s[i] === ";") fail(i, 'attribute options such as ";lang-en" are not supported in filters');
    if (s[i] === ":") {
      // extensible match: attr[:dn][:rule]:=value, or :[dn:]rule:=value
      let rule = false;
      if (/^:dn:/i.test(s.slice(i, i + 4))) i += 3;
      if (s[i] === ":" && s[i + 1] !== "=") {
        const ruleEnd = readKeyword(s, i + 1, true);
        if (ruleEnd === i + 1) fail(i + 1, "expected a matching rule (a name or a numeric OID such as 1.2.840.113556.1.4.803)");
        rule = true;
        i = ruleEnd;
      }
      if (!(s[i] === ":" && s[i + 1] === "=")) fail(i, 'expected ":=" in an extensible match such as (attr:dn:rule:=value)');
      if (attr === "" && !rule) fail(start, "an extensible match without an attribute needs a matching rule, e.g. (:caseExactMatch:=x)");
      i += 2;
      value(false);
      return;
    }
    const op = s[i] === "=" ? "=" : ["~=", ">=", "<="].find((o) => s.startsWith(o, i));
    if (!op) fail(i, `expected "=", "~=", ">=", "<=" or ":=" after the attribute "${attr}"`);
    i += op!.length;
    value(op === "=");
  };

  const parse = () => {
    if (s[i] !== "(") fail(i, i >= s.length ? 'expected "(": the filter ends here' : 'expected "(": a filter is written in parentheses, e.g. (objectClass=person)');
    const open = i;
    i++;
    const c = s[i];
    if (c === "&" || c === "|") {
      i++;
      if (s[i] !== "(") fail(i, `"${c}" must be followed by one or more filters in parentheses, e.g. (${c}(a=1)(b=2))`);
      while (s[i] === "(") parse();
    } else if (c === "!") {
      i++;
      if (s[i] !== "(") fail(i, '"!" must be followed by one filter in parentheses, e.g. (!(a=1))');
      parse();
      if (s[i] === "(") fail(i, '"!" takes exactly one filter: join several with (&…) or (|…) inside it');
    } else {
      item();
    }
    if (i >= s.length) fail(open, `the "(" at position ${open + 1} is never closed`);
    if (s[i] !== ")") fail(i, 'expected ")" or another filter in parentheses');
    i++;
  };

  try {
    parse();
    if (i < s.length) {
      fail(
        i,
        s[i] === "("
          ? "a second filter after the end of the first: join conditions with (&…) (all must match) or (|…) (any may match)"
          : s[i] === ")"
            ? 'a ")" with no "(" to close'
            : "text after the end of the filter",
      );
    }
    return null;
  } catch (err) {
    if (err instanceof SyntaxProblem) return describe(s, err);
    throw err;
  }
}

/** Characters RFC 4514 lets a backslash escape as themselves (besides two hex digits). */
const DN_ESCAPABLE = new Set([..."\"+,;<>\\ #="]);

/**
 * The problem with a distinguished name (RFC 4514), or null when it is well-formed.
 * Spaces around "," "+" and "=" are accepted, as directories do ("ou=people, dc=x").
 * Stricter than the RFC in one place: an unescaped "=" inside a value is refused
 * ("dc=x=com" is almost always a missing comma); write it as "\=" if it is meant.
 */
export function dnProblem(dn: string): string | null {
  const s = dn;
  let i = 0;
  const fail = (index: number, problem: string): never => {
    throw new SyntaxProblem(index, problem);
  };
  const spaces = () => {
    while (s[i] === " ") i++;
  };

  const ava = () => {
    const start = i;
    const end = readKeyword(s, i, true);
    if (end === start) {
      if (s[i] === ",") fail(i, i === 0 ? "the DN starts with a comma" : "two commas with nothing between them");
      if (i >= s.length) fail(i, "the DN ends where an attribute name (such as ou or dc) should follow");
      fail(i, "expected an attribute name such as ou, cn or dc");
    }
    const type = s.slice(start, end);
    i = end;
    spaces();
    if (s[i] !== "=") fail(i, `expected "=" after "${type}", as in ${type}=value`);
    i++;
    spaces();
    const valueStart = i;
    if (s[i] === "#") {
      // the BER encoding of the value, in hex
      i++;
      const hexStart = i;
      while (/[0-9A-Fa-f]/.test(s[i] ?? "")) i++;
      if (i === hexStart || (i - hexStart) % 2 !== 0) fail(hexStart, 'a value starting with "#" must be hex digits in pairs (write \\# for a literal #)');
    } else {
      while (i < s.length && s[i] !== "," && s[i] !== "+") {
        const c = s[i]!;
        if (c === "\\") {
          const next = s[i + 1] ?? "";
          if (HEX.test(s.slice(i + 1, i + 3))) i += 3;
          else if (DN_ESCAPABLE.has(next)) i += 2;
          else fail(i, `"\\${next}" is not an escape: a backslash is followed by one of " + , ; < > \\ # = space, or two hex digits`);
          continue;
        }
        if (c === "=") fail(i, `an "=" inside the value of "${type}": a "," is probably missing before it (write \\= if it belongs to the value)`);
        if ('";<>'.includes(c)) fail(i, `"${c}" must be escaped inside a value: write \\${c}`);
        if (c === "\u0000") fail(i, "a NUL character inside a value: write \\00");
        i++;
      }
    }
    if (s.slice(valueStart, i).trim() === "") fail(valueStart, `"${type}" has no value`);
  };

  try {
    spaces();
    if (i >= s.length) fail(i, "the DN is empty");
    for (;;) {
      ava();
      spaces();
      if (i >= s.length) return null;
      const sep = s[i];
      i++;
      spaces();
      if (sep === "," && i >= s.length) fail(i - 1, "the DN ends with a comma");
    }
  } catch (err) {
    if (err instanceof SyntaxProblem) return describe(s, err);
    throw err;
  }
}
