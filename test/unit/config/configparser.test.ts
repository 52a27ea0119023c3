import { describe, expect, it } from "vitest";
import { decodeIni, IniError, parseIni } from "../../../src/config/configparser.js";

const SAMPLE = `# comment
; another comment
[DEFAULT]
base = shared

[aws-batch]
Queue = my-queue # kept, as ConfigParser keeps it
s3-bucket: colon-bucket
job = %(base)s-job
memory = 100%%
image =
quoted = "kept"
notes = first
  second

  third
[core]
runner = aws-batch
`;

describe("ConfigParser-compatible reading (C36)", () => {
  const ini = parseIni(SAMPLE);

  it.each([
    ["aws-batch", "queue", "my-queue # kept, as ConfigParser keeps it"],
    ["aws-batch", "QUEUE", "my-queue # kept, as ConfigParser keeps it"],
    ["aws-batch", "s3-bucket", "colon-bucket"],
    ["aws-batch", "job", "shared-job"],
    ["aws-batch", "memory", "100%"],
    ["aws-batch", "image", ""],
    ["aws-batch", "quoted", '"kept"'],
    ["aws-batch", "notes", "first\nsecond\n\nthird"],
    ["aws-batch", "base", "shared"],
    ["core", "runner", "aws-batch"],
  ])("[%s] %s = %j", (section, key, value) => {
    expect(ini.get(section, key)).toBe(value);
  });

  it("treats section names as case-sensitive and missing ones as unset", () => {
    expect(ini.get("AWS-BATCH", "queue")).toBeUndefined();
    expect(ini.get("nope", "base")).toBeUndefined();
    expect(ini.sections()).toEqual(["aws-batch", "core"]);
  });

  it("reads an empty file as empty", () => {
    expect(parseIni("").sections()).toEqual([]);
  });

  it.each([
    ["[a]\nx = 1\n[a]\n", /section \[a\] appears twice/, 3],
    ["[a]\nx = 1\nX = 2\n", /key "x" appears twice/, 3],
    ["x = 1\n", /before any \[section\]/, 1],
    ["[a]\njust words\n", /neither a \[section\] header nor a "key = value" line/, 2],
  ])("rejects %j with the line to fix", (text, message, line) => {
    expect(() => parseIni(text)).toThrow(message);
    try {
      parseIni(text);
    } catch (error) {
      expect((error as IniError).line).toBe(line);
    }
  });

  it.each([
    ["[a]\nx = 5%\n", /lone "%"/],
    ["[a]\nx = %(missing)s\n", /refers to %\(missing\)s, which is not set/],
    ["[a]\nx = %(x)s\n", /too deeply/],
  ])("rejects a bad interpolation in %j when the value is read", (text, message) => {
    const file = parseIni(text);
    expect(() => file.get("a", "x")).toThrow(message);
  });

  // Observed with Python 3.11's configparser.ConfigParser().read_string(text).sections().
  it.each([
    ["[a]b]", "a]b"],
    ["[a]b]c", "a]b"],
    ["[a]]", "a]"],
    ["[]]", "]"],
    ["[[a]", "[a"],
    ["[a] trailing words", "a"],
    ["[a] ; not a comment", "a"],
    ["[ spaced ]", " spaced "],
    ["[a=b]", "a=b"],
    ["[a:b]", "a:b"],
  ])("reads the header %j as section %j, as ConfigParser does", (header, section) => {
    const file = parseIni(`${header}\nk = 1\n`);
    expect(file.sections()).toEqual([section]);
    expect(file.get(section, "k")).toBe("1");
  });

  it("does not take `[]` for a section header", () => {
    expect(() => parseIni("[x]\n[]\n")).toThrow(/neither a \[section\] header/);
  });
});

describe("decoding the file", () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from(part))));

  it("reads UTF-8, a BOM dropped", () => {
    expect(decodeIni(bytes([0xef, 0xbb, 0xbf], "[s]\nk = caf\u00e9\n"))).toBe("[s]\nk = caf\u00e9\n");
  });

  it.each([
    ["LF", bytes("[s]\nk = a\nq = caf", [0xe9], "\n"), 3],
    ["CRLF", bytes("[s]\r\nk = a\r\n\r\nq = caf", [0xe9], "\r\n"), 4],
    ["CR", bytes("[s]\rq = caf", [0xe9]), 2],
    ["a sequence cut short at the end", bytes("[s]\nq = ", [0xe2, 0x82]), 2],
  ])("names the first line that is not UTF-8 (%s) rather than reading U+FFFD", (_name, data, line) => {
    expect(() => decodeIni(data)).toThrow(expect.objectContaining({ name: "IniError", line, message: expect.stringContaining("not valid UTF-8") }));
    expect(() => decodeIni(data)).toThrow(IniError);
  });
});
