// Member names and local paths as bytes (names need not be UTF-8).
import { describe, expect, it } from "vitest";
import { isWithin, memberParts, showBytes } from "../../../src/archive/byte-paths.js";

const bytes = (text: string) => Buffer.from(text, "latin1");

describe("memberParts (C85, C112)", () => {
  it.each([
    ["a/b.txt", ["a", "b.txt"]],
    ["./", []],
    ["a//b/./c/", ["a", "b", "c"]],
    ["..\\x", ["..\\x"]],
    ["...", ["..."]],
    ["../augur/", undefined],
    ["../augur/x.py", undefined],
    ["/etc/passwd", undefined],
    ["a/../../b", undefined],
    ["a/..", undefined],
    ["a\0b", undefined],
    ["r\xff.txt", ["r\xff.txt"]],
  ])("%j -> %j", (name, parts) => {
    expect(memberParts(bytes(name))?.map((part) => part.toString("latin1"))).toEqual(parts);
  });
});

describe("showBytes", () => {
  it.each([
    [Buffer.from("/b/results/é ✓ 𝄞.txt"), "/b/results/é ✓ 𝄞.txt"],
    [bytes("r\xff.txt"), "r\\xff.txt"],
    [bytes("r\xfe.txt"), "r\\xfe.txt"],
    [Buffer.concat([Buffer.from("é"), bytes("\xc3")]), "é\\xc3"], // a sequence cut short
    [bytes("\xc0\xaf"), "\\xc0\\xaf"], // overlong "/"
    [bytes("\xed\xa0\x80"), "\\xed\\xa0\\x80"], // a surrogate
    [bytes("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"], // above U+10FFFF
  ])("%j -> %s", (path, shown) => {
    expect(showBytes(path)).toBe(shown);
  });
});

describe("isWithin", () => {
  it.each([
    ["/b/root", "/b/root", true],
    ["/b/root", "/b/root/x", true],
    ["/b/root", "/b/rootx", false],
    ["/b/root", "/b", false],
    ["/b/root", "/c/root/x", false],
  ])("%s holds %s: %s", (root, path, expected) => {
    expect(isWithin(Buffer.from(root), Buffer.from(path))).toBe(expected);
  });
});
