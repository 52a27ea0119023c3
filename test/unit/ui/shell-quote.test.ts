import { describe, expect, it } from "vitest";
import { shellQuote } from "../../../src/ui/shell-quote.js";

// Expected values were produced by Python's shlex.quote.
describe("shellQuote (C98)", () => {
  it.each([
    ["", "''"],
    ["abc", "abc"],
    ["6116f3e3-9bc0-4769-99e3-adb71b4d82c0", "6116f3e3-9bc0-4769-99e3-adb71b4d82c0"],
    ["/home/u/ncov", "/home/u/ncov"],
    ["a@b%c+d=e:f,g.h/i-j_k", "a@b%c+d=e:f,g.h/i-j_k"],
    ["a b", "'a b'"],
    ["it's", `'it'"'"'s'`],
    ["é", "'é'"],
    ["~x", "'~x'"],
    ["$HOME", "'$HOME'"],
    ["a\nb", "'a\nb'"],
    ["''", `''"'"''"'"''`],
  ])("quotes %j as %j", (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});
