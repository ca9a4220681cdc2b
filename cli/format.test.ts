import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { printable, table, toJson } from "./format.ts";
import { createOutput } from "./output.ts";

const ESC_CLEAR = "\u001b[2J";

describe("what provmgr prints never drives the terminal", () => {
  it("printable() shows C0, DEL, C1 and bidi controls as \\uXXXX and leaves UTF-8 text alone", () => {
    expect(printable(`a${ESC_CLEAR}b\u0007\u007f\u009b31m\u202eevil`)).toBe("a\\u001b[2Jb\\u0007\\u007f\\u009b31m\\u202eevil");
    expect(printable("Müller 東京 ñ — ✓")).toBe("Müller 東京 ñ — ✓");
    expect(printable("line\nbreak\ttab")).toBe("line\\u000abreak\\u0009tab");
  });

  it("toJson() escapes what JSON.stringify leaves raw, and reads back to the same value", () => {
    const v = { title: `x${ESC_CLEAR}\u009b\u007f\u2028y`, n: 1n };
    const text = toJson(v, 2);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028]/);
    expect(JSON.parse(text)).toEqual({ title: v.title, n: "1" });
  });

  it("tables measure the escaped cells, so columns stay aligned", () => {
    const [head, row, next] = table(["A", "B"], [[`x${ESC_CLEAR}`, "1"], ["y", "2"]]);
    expect(row).toBe("x\\u001b[2J  1");
    expect(head).toBe(`A${" ".repeat(9)}  B`);
    expect(next).toBe(`y${" ".repeat(9)}  2`);
  });

  it("the output sink escapes whatever a command wrote, text or JSON", async () => {
    const stream = new PassThrough();
    let written = "";
    stream.on("data", (d) => (written += d));
    const out = createOutput(false, stream);
    await out.lines([`raw ${ESC_CLEAR} value`, "two\nlines in one"]);
    await out.write(`{"a": "\u009b"}\n`);
    await out.value({ b: "\u009b" });
    expect(written).toBe('raw \\u001b[2J value\ntwo\\u000alines in one\n{"a": "\\u009b"}\n{\n  "b": "\\u009b"\n}\n');
  });
});
