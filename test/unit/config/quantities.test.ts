import { describe, expect, it } from "vitest";
import { bytesToMiB, parseByteQuantity, parsePythonFloat, parsePythonInt } from "../../../src/config/quantities.js";

describe("--memory byte quantities (C21, C22)", () => {
  it.each([
    ["14gib", 15032385536, 14336],
    ["14 GiB", 15032385536, 14336],
    ["14gb", 14000000000, 13351],
    ["1.5GB", 1500000000, 1430],
    ["1e3mb", 1000000000, 953],
    ["3 mib", 3145728, 3],
    ["2kb", 2000, 0],
    ["2 kib", 2048, 0],
    ["2Kb", 2000, 0],
    ["1024", 1024, 0],
    ["500", 500, 0],
    ["7b", 7, 0],
    ["5MB", 5000000, 4],
    ["1_000 mib", 1048576000, 1000],
    ["  8GiB  ", 8589934592, 8192],
    ["+2gib", 2147483648, 2048],
    ["0.5gib", 536870912, 512],
    // Exact decimal arithmetic: floating point makes these one byte short (4349 bytes, 497 MiB).
    ["4.35kb", 4350, 0],
    ["522.190848mb", 522190848, 498],
    ["1e-400gb", 0, 0],
  ])("%s is %d bytes, %d MiB", (text, bytes, mib) => {
    const parsed = parseByteQuantity(text);
    expect(parsed).toEqual({ ok: true, bytes: BigInt(bytes) });
    expect(bytesToMiB(bytes)).toBe(mib);
  });

  it("keeps every digit of amounts beyond floating point's precision", () => {
    expect(parseByteQuantity("99999999999999GiB")).toEqual({ ok: true, bytes: 99999999999999n * 1024n ** 3n });
    expect(parseByteQuantity("1e30kb")).toEqual({ ok: true, bytes: 10n ** 33n });
    expect(parseByteQuantity("123456789.123456789123456789gib")).toEqual({ ok: true, bytes: (123456789123456789123456789n * 1024n ** 3n) / 10n ** 18n });
  });

  it.each(["14tb", "14g", "hello mb", "", "gib", "1.2.3gb", "inf", "nan gb", "-1gb", "1 0gb"])("refuses %j", (text) => {
    expect(parseByteQuantity(text).ok).toBe(false);
  });
});

describe("Python int() grammar for counts (C8)", () => {
  it.each([
    ["8", 8n],
    [" 8 ", 8n],
    ["+8", 8n],
    ["-3", -3n],
    ["1_000", 1000n],
    ["٣", 3n], // Arabic-Indic digit three
    ["१०", 10n], // Devanagari one zero
    ["𝟗", 9n], // mathematical bold nine
  ])("%j is %d", (text, value) => {
    expect(parsePythonInt(text)).toBe(value);
  });

  it.each(["2.5", "0x10", "1__0", "_1", "1_", "", "8 cpus", "1e3"])("refuses %j", (text) => {
    expect(parsePythonInt(text)).toBeUndefined();
  });
});

describe("Python float() grammar for byte quantities", () => {
  it.each([
    ["1.5", 1.5],
    ["1e3", 1000],
    [".5", 0.5],
    ["5.", 5],
    ["1_0.5", 10.5],
    ["-Infinity", -Infinity],
  ])("%j is %d", (text, value) => {
    expect(parsePythonFloat(text)).toBe(value);
  });

  it("reads nan", () => expect(parsePythonFloat("NaN")).toBeNaN());
  it.each(["1.2.3", "e3", "1e", "1_", "abc"])("refuses %j", (text) => expect(parsePythonFloat(text)).toBeUndefined());
});
