import { describe, expect, it } from "vitest";
import { BerWriter, EqualityFilter, FilterParser } from "ldapts";
import { parseFilter } from "./filter-bytes.ts";

const wire = (f: { write(w: BerWriter): void }) => {
  const w = new BerWriter();
  f.write(w);
  return w.buffer;
};

describe("filters with escaped bytes", () => {
  const guid = Buffer.from("21953a7d6be6d741a506ef604cfaa7b0", "hex");
  const escaped = [...guid].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");

  it("sends an objectGUID equality as its 16 bytes (ldapts alone sends more)", () => {
    const f = parseFilter(`(objectGUID=${escaped})`);
    expect(wire(f)).toEqual(wire(new EqualityFilter({ attribute: "objectGUID", value: guid })));
    // the defect being worked around: the bytes >= 0x80 come out UTF-8 encoded
    expect(wire(FilterParser.parseString(`(objectGUID=${escaped})`)).length).toBeGreaterThan(wire(f).length);
  });

  it("keeps the bytes inside AND, OR and NOT, next to plain clauses", () => {
    const f = parseFilter(`(&(objectClass=user)(|(objectGUID=${escaped})(!(objectGUID=\\00\\ff))))`);
    const buf = wire(f);
    expect(buf.includes(guid)).toBe(true);
    expect(buf.includes(Buffer.from([0x04, 0x02, 0x00, 0xff]))).toBe(true);
    expect(buf.includes(Buffer.from("user"))).toBe(true);
  });

  it("reads escaped UTF-8 as the text it spells, and literal non-ASCII text as UTF-8", () => {
    const escapedName = wire(parseFilter("(cn=Jos\\c3\\a9*)"));
    const literalName = wire(parseFilter("(cn=José*)"));
    expect(escapedName).toEqual(literalName);
    expect(wire(parseFilter("(cn=Jos\\c3\\a9)"))).toEqual(wire(parseFilter("(cn=José)")));
  });

  it("leaves filters without high escapes to ldapts as they are", () => {
    expect(wire(parseFilter("(&(uid=a\\2a)(cn=x))"))).toEqual(wire(FilterParser.parseString("(&(uid=a\\2a)(cn=x))")));
  });
});
