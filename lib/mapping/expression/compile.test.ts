import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkExpression, compileExpression } from "./compile.ts";
import { FUNCTION_NAMES, FUNCTIONS } from "./functions.ts";
import { EXPRESSION_LIMITS as L } from "./limits.ts";

const attrs: Record<string, string[]> = {
  givenname: ["Zoë"],
  sn: ["Łukasz-Groß"],
  mail: ["Zoe@Example.com", "z.l@example.org"],
  proxyaddresses: ["SMTP:zoe@example.com", "smtp:zl@example.com", "X500:/o=x"],
  telephonenumber: ["+33 1 23 45 67 89"],
  whencreated: ["20240131120000.0Z"],
  accountexpires: ["133515072000000000"],
  pwdlastset: ["0"],
  departmentnumber: ["2"],
  manager: ["CN=Boss,OU=Staff,DC=example,DC=com"],
  employeetype: ["contractor"],
};

function run(source: string, entry: Record<string, string[]> = attrs) {
  return compileExpression(source).run(entry);
}

function problem(source: string) {
  const c = checkExpression(source);
  if (c.ok) throw new Error(`expected ${source} to be refused`);
  return c.problem;
}

describe("expression functions", () => {
  it("attr, attrs, present: values of the entry, names matched ignoring case", () => {
    expect(run('attr("givenName")')).toBe("Zoë");
    expect(run('attr("missing")')).toBeUndefined();
    expect(run('attrs("MAIL")')).toEqual(["Zoe@Example.com", "z.l@example.org"]);
    expect(run('attrs("missing")')).toBeUndefined();
    expect(run('present("mail")')).toBe(true);
    expect(run('present("mobile")')).toBe(false);
  });

  it("coalesce: a default for a missing attribute", () => {
    expect(run('coalesce(attr("displayName"), attr("givenName"))')).toBe("Zoë");
    expect(run('coalesce(attr("a"), attr("b"), "unknown")')).toBe("unknown");
  });

  it("lower, upper, trim, normalizeDiacritics", () => {
    expect(run('lower(attr("mail"))')).toBe("zoe@example.com");
    expect(run('upper(attr("givenName"))')).toBe("ZOË");
    expect(run('trim("  a b  ")')).toBe("a b");
    expect(run('normalizeDiacritics(attr("givenName") + " " + attr("sn"))')).toBe("Zoe Lukasz-Gross");
    expect(run('normalizeDiacritics("Ærø Çédille ðæ þ")')).toBe("AEro Cedille dae th");
  });

  it("substring: clamped to the string, by characters", () => {
    expect(run('substring(attr("givenName"), 0, 1)')).toBe("Z");
    expect(run('substring("Zoë", 2, 10)')).toBe("ë");
    expect(run('substring("abc", 10, 2)')).toBeUndefined();
    expect(run('substring("abc", -5, 2)')).toBe("ab");
  });

  it("replace: literal text, every occurrence", () => {
    expect(run('replace("a.b.c", ".", "-")')).toBe("a-b-c");
    expect(run('replace("abc", "", "-")')).toBe("abc");
  });

  it("regexMatch, regexReplace, regexExtract on RE2", () => {
    expect(run('regexMatch(attr("employeeType"), "^(staff|contractor)$")')).toBe(true);
    expect(run('regexMatch("intern", "^(staff|contractor)$")')).toBe(false);
    expect(run('regexReplace(attr("telephoneNumber"), "[^0-9+]", "")')).toBe("+33123456789");
    expect(run('regexReplace("joe@x", "(\\\\w+)@(\\\\w+)", "$2:$1")')).toBe("x:joe");
    expect(run('regexExtract(attr("manager"), "(?i)cn=([^,]+)")')).toBe("Boss");
    expect(run('regexExtract("abc", "b")')).toBe("b");
    expect(run('regexExtract("abc", "z")')).toBeUndefined();
  });

  it("join, split, first", () => {
    expect(run('join([attr("givenName"), attr("missing"), attr("sn")], " ")')).toBe("Zoë Łukasz-Groß");
    expect(run('split("a;b;c", ";")')).toEqual(["a", "b", "c"]);
    expect(run('first(attrs("mail"))')).toBe("Zoe@Example.com");
    expect(run('first(attrs("missing"))')).toBeUndefined();
  });

  it("multi-value macros: filter and map give every value", () => {
    expect(run('attrs("proxyAddresses").filter(p, lower(p).startsWith("smtp:")).map(p, lower(substring(p, 5, 200)))')).toEqual(["zoe@example.com", "zl@example.com"]);
    expect(run('first(attrs("proxyAddresses").filter(p, p.startsWith("SMTP:")))')).toBe("SMTP:zoe@example.com");
    expect(run('attrs("mail").exists(m, m.endsWith("@example.org"))')).toBe(true);
  });

  it("lookup: a table with a default", () => {
    expect(run('lookup({"1": "Sales", "2": "R&D"}, attr("departmentNumber"), "Other")')).toBe("R&D");
    expect(run('lookup({"1": "Sales"}, attr("departmentNumber"), "Other")')).toBe("Other");
    expect(run('lookup({"1": "Sales"}, "toString", "Other")')).toBe("Other");
  });

  it("generalizedTime, fileTime, formatDate", () => {
    expect(run('generalizedTime(attr("whenCreated"))')).toBe("2024-01-31T12:00:00Z");
    expect(run('generalizedTime("202401311200+0100")')).toBe("2024-01-31T11:00:00Z");
    expect(run('generalizedTime("yesterday")')).toBeUndefined();
    expect(run('fileTime(attr("accountExpires"))')).toBe("2024-02-04T08:00:00Z");
    expect(run('fileTime(attr("pwdLastSet"))')).toBeUndefined();
    expect(run('fileTime("9223372036854775807")')).toBeUndefined();
    expect(run('fileTime("-1")')).toBeUndefined();
    expect(run('formatDate(generalizedTime(attr("whenCreated")), "dd/MM/yyyy HH:mm:ss")')).toBe("31/01/2024 12:00:00");
    expect(run('formatDate("not a date", "yyyy")')).toBeUndefined();
  });

  it("CEL's own: conditionals, comparisons, sizes, conversions", () => {
    expect(run('present("mobile") ? attr("mobile") : attr("telephoneNumber")')).toBe("+33 1 23 45 67 89");
    expect(run('size(attrs("mail"))')).toBe(2);
    expect(run('int(attr("departmentNumber")) > 1')).toBe(true);
    expect(run('attr("employeeType") == "contractor" ? "Contractor" : "Employee"')).toBe("Contractor");
  });

  it("every function has an example, and the channel-file documentation names each one", () => {
    const docs = readFileSync(new URL("../../../docs/channel-file.md", import.meta.url), "utf8");
    for (const f of FUNCTIONS) expect(f.example.length).toBeGreaterThan(0);
    for (const name of FUNCTION_NAMES) expect(docs, name).toContain(`\`${name}(`);
  });

  it("every expression in the channel-file documentation is valid", () => {
    const docs = readFileSync(new URL("../../../docs/channel-file.md", import.meta.url), "utf8");
    const found = [...docs.matchAll(/\{ expression: '([^']+)' \}/g)].map((m) => m[1]!);
    expect(found.length).toBeGreaterThan(8);
    for (const source of found) expect(checkExpression(source).ok, source).toBe(true);
  });

  it("every function's example is a valid expression", () => {
    for (const f of FUNCTIONS) {
      const source = f.example.split(" → ")[0]!;
      expect(checkExpression(source).ok, source).toBe(true);
    }
  });
});

describe("expression checks when saved", () => {
  it("points at the line and column of a syntax error", () => {
    const p = problem('lower(attr("mail")\n  + )');
    expect(p.line).toBe(2);
    expect(p.column).toBeGreaterThan(1);
  });

  it("refuses unknown functions and wrong argument types", () => {
    expect(problem('frobnicate(attr("mail"))').message).toMatch(/frobnicate/);
    expect(problem('attr("a") + 1').message).toMatch(/no such overload/);
    expect(problem('substring(attr("a"), "0", 1)').message).toMatch(/substring/);
  });

  it("refuses attribute references that are not a quoted LDAP attribute name", () => {
    expect(problem('attr(attr("x"))').message).toMatch(/attribute name in quotes/);
    const p = problem('attr("given name")');
    expect(p.message).toMatch(/not an LDAP attribute name/);
    expect(p.column).toBe(6);
  });

  it("refuses a result that is not a mapping value", () => {
    expect(problem('{"a": "b"}').message).toMatch(/map/);
  });

  it("names the attributes an expression reads", () => {
    expect(compileExpression('coalesce(attr("displayName"), join(attrs("cn"), " ")) + (present("sn") ? "" : "")').attributes.sort()).toEqual(["cn", "displayname", "sn"]);
  });
});

describe("hostile expressions are bounded", () => {
  it("deep nesting is refused when parsed", () => {
    expect(problem(`${"(".repeat(200)}"a"${")".repeat(200)}`).message).toMatch(/maxDepth/);
    expect(problem(`${"lower(".repeat(100)}"a"${")".repeat(100)}`).message).toMatch(/maxDepth|maxAstNodes/);
  });

  it("a huge expression is refused", () => {
    expect(problem(`"${"a".repeat(L.maxSourceLength)}"`).message).toMatch(/longer than/);
    expect(problem(Array.from({ length: 300 }, () => '"a"').join(" + ")).message).toMatch(/maxAstNodes/);
  });

  it("nested list macros are limited", () => {
    expect(problem('attrs("a").map(x, attrs("a").map(y, attrs("a").map(z, z)))').message).toMatch(/nest at most/);
    expect(checkExpression('attrs("a").filter(x, attrs("b").exists(y, y == x))').ok).toBe(true);
  });

  it("JavaScript RegExp (matches) is refused: catastrophic patterns run on RE2", () => {
    expect(problem('attr("a").matches("(a+)+$")').message).toMatch(/regexMatch/);
    // the classic catastrophic pattern on a hostile input: linear on RE2
    const evil = { a: ["a".repeat(50_000) + "!"] };
    expect(run('regexMatch(attr("a"), "^(a+)+$")', evil)).toBe(false);
    expect(run('regexReplace(attr("a"), "(a|aa)*b", "x")', evil)).toBe(evil.a[0]);
  });

  it("a long pattern is refused when run", () => {
    expect(() => run(`regexMatch("a", "${"a".repeat(L.maxPatternLength + 1)}")`)).toThrow(/pattern longer/);
  });

  it("huge strings: results past the size cap fail instead of growing", () => {
    const big = { a: ["x".repeat(40_000)] };
    expect(() => run('replace(attr("a"), "x", "xx")', big)).toThrow(/longer than/);
    expect(() => run('join(attrs("a").map(v, attr("a")), "")', { a: ["x".repeat(40_000), "y"] })).toThrow(/longer than/);
    expect(run('size(attr("a"))', big)).toBe(40_000);
  });

  it("huge lists: an attribute or a split past the list cap fails", () => {
    const many = { a: Array.from({ length: L.maxListLength + 1 }, (_, i) => `v${i}`) };
    expect(() => run('attrs("a")', many)).toThrow(/list longer/);
    expect(() => run('split(attr("a"), ",")', { a: [",".repeat(L.maxListLength + 1)] })).toThrow(/list longer/);
  });

  it("function calls are budgeted per evaluation", () => {
    const wide = { a: Array.from({ length: L.maxListLength }, (_, i) => `v${i}`) };
    // a thousand by a thousand lower() calls: stopped at the budget
    expect(() => run('join(attrs("a").map(x, join(attrs("a").map(y, lower(y)), "")), "")', wide)).toThrow(/function calls/);
    // the budget is per evaluation: the next one starts afresh
    expect(run('lower("A")')).toBe("a");
  });
});
