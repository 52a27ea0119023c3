// Table tests for the user's path patterns (C24-C28).
// Expected values are the Nextstrain CLI's: wcmatch 11.0.1 with its flags.
// The vectors follow that version, pinned (docs/dependencies.md#picomatch-and-minimatch):
// every one was run through wcmatch 11.0.1 (with bracex 3.0) and agrees.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expandBraces } from "../../../src/archive/braces.js";
import { downloadSelector, uploadExcluder, validatePattern } from "../../../src/archive/patterns.js";
import { UserError } from "../../../src/errors.js";

describe("downloadSelector: the Nextstrain CLI's truth table (C26, C27)", () => {
  // Member names as they are in the archive; directories keep their trailing slash.
  const columns: Record<string, string[]> = {
    "results/**": ["results/**"],
    "!results/**": ["!results/**"],
    "*.json": ["*.json"],
    "results/** + .snakemake/**": ["results/**", ".snakemake/**"],
  };
  const rows: Array<[string, boolean, boolean, boolean, boolean]> = [
    ["./", false, false, false, false],
    ["Snakefile", false, true, false, false],
    ["results/", false, true, false, false],
    ["results/a.json", true, false, true, true],
    ["results/.hidden", false, false, false, false],
    [".snakemake/log/2024.snakemake.log", false, false, false, true],
    [".snakemake/metadata/cmVzdWx0cw==", false, false, false, true],
    ["ingest/.snakemake/conda/env.yaml", false, true, false, false],
    ["environment.sh", false, true, false, false],
    ["auspice/zika.json", false, true, true, false],
    [".gitignore", false, false, false, false],
  ];
  const cases = rows.flatMap(([member, ...expected]) =>
    Object.entries(columns).map(([column, spec], i) => ({ member, column, spec, expected: expected[i] as boolean })),
  );
  it.each(cases)("$member with $column -> $expected", ({ member, spec, expected }) => {
    expect(downloadSelector(spec)(member)).toBe(expected);
  });
});

describe("downloadSelector: single-pattern vectors (C26, C27)", () => {
  const vectors: Array<[string, string[], boolean]> = [
    ["auspice/zika.json", ["auspice/*.json"], true],
    ["auspice/sub/zika.json", ["auspice/*.json"], false],
    ["a/b/zika.json", ["auspice/*.json"], false],
    ["ingest/results/x.tsv", ["results/**"], false],
    ["results/sub/a.json", ["results/**"], true],
    ["a/results", ["results"], true], // MATCHBASE
    ["results/x", ["results"], false],
    ["results", ["results/"], false], // no REALPATH on download
    ["c", ["**/c"], true],
    ["a/b/c", ["a/*"], false],
    ["a/b/c", ["*"], true], // basename
    [".hidden", ["*"], false],
    ["x/.hidden", ["**"], true], // the MATCHBASE prefix takes x/
    [".snakemake/log/x", ["**"], false],
    ["a.tsv", ["*.{tsv,json}"], true],
    ["auspice/z.json", ["auspice/!(x|y).json"], true],
    ["auspice/x.json", ["auspice/!(x|y).json"], false],
    ["c", ["!(a|b)"], true], // extglob, not negation
    ["x.txt", ["*.txt", "!x.txt"], false],
    ["x.txt", ["!*.json", "!*.tsv"], true],
    ["foo", ["!foo"], false],
    ["a/foo", ["!foo"], false],
    ["bar", ["!foo"], true],
    [".gitignore", ["!foo"], false], // NEGATEALL's `**` skips top-level dot paths (C27)
    ["x/.snakemake/log/x", ["!foo"], true],
    ["dir/.snakemake/x", ["!**/.snakemake/**"], false], // negations match dot paths
    ["Results/a", ["results/*"], false],
  ];
  it.each(vectors)("%s with %j -> %s", (member, spec, expected) => {
    expect(downloadSelector(spec)(member)).toBe(expected);
  });
});

describe("downloadSelector: more wcmatch 11.0.1 behaviour (C26)", () => {
  const vectors: Array<[string[], string, boolean]> = [
    // dots: a star may match nothing before a literal dot; ? and [...] never match a leading dot
    [["*.json"], ".json", true],
    [["*.json"], "a/.json", true],
    [["?.json"], ".json", false],
    [["[.]json"], ".json", false],
    [[".*"], ".gitignore", true],
    [[".*"], "a/.gitignore", true],
    // globstar: no `/.` crossing; MATCHBASE gives `**` one dot component after the first
    [["**"], "a/.b/c", true],
    [["**"], "a/.b/.c", false],
    [["**"], "a/b/.c", true],
    [["**/*"], "x/.hidden", false],
    [["**/x"], ".a/x", false],
    [["a/**"], "a/.b", false],
    [["a/**/c"], "a/.b/c", false],
    [["a/**/.b/c"], "a/.b/c", true],
    // negated patterns match dot paths, but NEGATEALL's `**` still has to
    [["!*.json"], ".gitignore", false],
    [["!.*"], "x/.env", false],
    [["!**/.snakemake"], ".snakemake", false],
    [["!x"], "a/.b/.c", false],
    // braces expand first; each expansion has its own MATCHBASE and negation
    [["*.{json,tsv}"], "a/b.tsv", true],
    [["{results,auspice}/**"], "auspice/z.json", true],
    [["{a,b/c}"], "x/b/c", false],
    [["{a,b/c}"], "x/a", true],
    [["{!a,b}"], "c", false],
    [["x{1..3}"], "x2", true],
    [["x{01..3}"], "x02", true],
    [["x{a..e..2}"], "xc", true],
    [["{a}"], "a", false],
    [["${a,b}"], "${a,b}", true],
    // extglob
    [["@(a|b).json"], "a.json", true],
    [["+(a).txt"], "aaa.txt", true],
    [["*(a|b)"], "abab", true],
    [["?(a)x"], "x", true],
    [["!(a|b)"], "a", false],
    [["!(*.json)"], "a.tsv", true],
    [["!(*.json)"], "a.json", false],
    [["!(a)"], ".a", false],
    [["!(a).json"], ".json", true],
    [["!!(a|c)"], "a", true],
    [["!!(a|c)"], "b", false],
    [["!(!(a))"], "a", true],
    [["!(!(a))"], "b", false],
    [["@(a"], "@(a", true], // an unclosed group is literal
    [["!(a"], "!(a", true],
    // bracket expressions
    [["[a-c]"], "b", true],
    [["[c-a]"], "b", false],
    [["[!a]"], "b", true],
    [["[^a]"], "a", false],
    [["[[:digit:]]x"], "1x", true],
    [["[a"], "[a", true],
    [["[a/b]"], "[a/b]", true],
    [["a[/]b"], "a/b", false],
    // escapes, separators, oddities
    [["\\*"], "*", true],
    [["\\*"], "a", false],
    [["a\\/b"], "a/b", true],
    [["a\\"], "a", true],
    [["/a"], "a", false],
    [["a//b"], "a/b", true],
    [["a/"], "a", false],
    [["*/"], "a", false],
    [["**/"], "a/b", true],
    [[""], "a", false],
    [["!"], "a", true],
    [["***"], "a/b", true],
    [["a**"], "ab", true],
    [["**a"], "x/ba", true],
    // ordered lists (C24): selected by a positive and by no negative, whatever the order
    [["results/**", "!results/x.json"], "results/x.json", false],
    [["results/**", "!results/x.json"], "results/y.json", true],
    [["!results/x.json", "results/**"], "results/y.json", true],
    [["!a", "!b"], "c", true],
    [["!a", "!b"], "b", false],
    [["*", "!*.log"], "x.log", false],
    [["*", "!.*"], ".env", false],
    [["!.snakemake/**"], ".snakemake/log/x", false],
    [["!.snakemake/**"], "ingest/.snakemake/log/x", true],
    // case-sensitive
    [["Results/*"], "results/a", false],
    [["*.JSON"], "a.json", false],
  ];
  it.each(vectors)("%j on %s -> %s", (spec, member, expected) => {
    expect(downloadSelector(spec)(member)).toBe(expected);
  });

  it("selects everything by default, dot paths included", () => {
    const all = downloadSelector(true);
    for (const member of ["./", ".snakemake/log/x", ".gitignore", "a/b/c"]) expect(all(member)).toBe(true);
  });

  it("selects nothing from an empty list", () => {
    expect(downloadSelector([])("Snakefile")).toBe(false);
  });

  it("tests a member as PurePath writes it (trailing slash, doubled slashes, `.` parts dropped)", () => {
    const selected = downloadSelector(["results/*"]);
    expect(selected("results//a.json")).toBe(true);
    expect(selected("./results/a.json")).toBe(true);
    expect(selected("results/sub/")).toBe(true);
  });
});

describe("expandBraces (as bracex expands for wcmatch)", () => {
  const vectors: Array<[string, string[]]> = [
    ["{a}", ["{a}"]],
    ["{}", ["{}"]],
    ["{,}", [""]],
    ["a{,b}", ["a", "ab"]],
    ["{a,b", ["{a,b"]],
    ["{a..c}", ["a", "b", "c"]],
    ["{1..3}", ["1", "2", "3"]],
    ["{01..3}", ["01", "02", "03"]],
    ["{1..10..3}", ["1", "4", "7", "10"]],
    ["{a,{b,c}}", ["a", "b", "c"]],
    ["\\{a,b}", ["\\{a,b}"]],
    ["${a,b}", ["${a,b}"]],
    ["{a\\,b,c}", ["a\\,b", "c"]],
    ["{{a,b}}", ["{a}", "{b}"]],
    ["{a..1}", ["{a..1}"]],
    ["{-2..2}", ["-2", "-1", "0", "1", "2"]],
    ["{3..1}", ["3", "2", "1"]],
    ["{a..e..2}", ["a", "c", "e"]],
    ["{a,b}{c,d}", ["ac", "ad", "bc", "bd"]],
    ["{a}{b,c}", ["{a}b", "{a}c"]],
    ["{a,b}}", ["a}", "b}"]],
    ["{{a,b}", ["{a", "{b"]],
    ["a{b,c}d{e", ["abd{e", "acd{e"]],
    ["{1..3..-1}", ["1", "2", "3"]],
    ["{a,,b}", ["a", "b"]],
    ["{x,y}/{1..2}.txt", ["x/1.txt", "x/2.txt", "y/1.txt", "y/2.txt"]],
    ["{00..010}", ["000", "001", "002", "003", "004", "005", "006", "007", "008", "009", "010"]],
    ["{-01..3}", ["-01", "000", "001", "002", "003"]],
  ];
  it.each(vectors)("%s -> %j", (pattern, expected) => {
    expect(expandBraces(pattern)).toEqual(expected);
  });
});

describe("validatePattern", () => {
  it.each(["results/**", "[a", "@(a", "!(x|y)", "\\", "{a,b", ""])("accepts %j (malformed parts are literal)", (pattern) => {
    expect(() => validatePattern("--download", pattern)).not.toThrow();
  });

  it.each([
    ["--download", "x{1..2000}"],
    ["--exclude-from-download", "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"],
    ["--exclude-from-upload", "{0..9}{0..9}{0..9}{0..9}"],
  ])("rejects %s %j with a UserError naming both", (flag, pattern) => {
    let caught: unknown;
    try {
      validatePattern(flag, pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).message).toContain(flag);
    expect((caught as UserError).message).toContain(`'${pattern}'`);
    expect((caught as UserError).hint).toContain(flag);
  });
});

/**
 * A small file tree for the upload tests (C28), as absolute
 * paths under ROOT. `links` maps a symlink to its target.
 */
const ROOT = "/home/u/build";
const tree: Array<[string, boolean]> = [
  [".", true],
  ["results", true],
  ["results/a.json", false],
  ["results/sub", true],
  ["results/sub/b.json", false],
  [".hidden", true],
  [".hidden/x", false],
  ["data", true],
  ["data/.env", false],
  ["data/big.fasta", false],
  ["Snakefile", false],
];
const links: Record<string, string> = {
  [`${ROOT}/link`]: "/elsewhere/dir", // points outside the build root
  [`${ROOT}/snake-link`]: `${ROOT}/Snakefile`,
  [`${ROOT}/broken`]: `${ROOT}/missing`,
};
const existing = new Set([...tree.map(([p]) => path.join(ROOT, p)), "/elsewhere/dir", "/elsewhere/dir/y"]);

/** realpath over the tree above: follows links, throws for what does not exist. */
function fakeRealpath(p: string): string {
  let resolved = path.resolve(p);
  for (const [link, target] of Object.entries(links)) {
    if (resolved === link || resolved.startsWith(link + "/")) resolved = target + resolved.slice(link.length);
  }
  if (!existing.has(resolved)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
  return resolved;
}

/** Which tree entries the patterns exclude (relative names, `.` for the root). */
function excludedIn(patterns: string[], entries: Array<[string, boolean]> = tree): string[] {
  const excluded = uploadExcluder(patterns, ROOT, fakeRealpath);
  return entries.filter(([p, isDir]) => excluded(path.join(ROOT, p), isDir)).map(([p]) => p);
}

describe("uploadExcluder: the Nextstrain CLI's vectors (C28)", () => {
  const nonDot = ["results", "results/a.json", "results/sub", "results/sub/b.json", "data", "data/big.fasta", "Snakefile"];
  const vectors: Array<[string, string[]]> = [
    ["results/**", ["results", "results/a.json", "results/sub", "results/sub/b.json"]],
    ["results", ["results"]], // the walk prunes the rest of the subtree
    ["results/", ["results"]],
    ["*.fasta", ["data/big.fasta"]],
    ["data/*", ["data/big.fasta"]],
    ["**/*.json", ["results/a.json", "results/sub/b.json"]],
    ["*", nonDot],
    ["**", [...nonDot.slice(0, 5), "data/.env", ...nonDot.slice(5)]],
    [".hidden", [".hidden"]],
    ["!Snakefile", nonDot.filter((p) => p !== "Snakefile").concat("data/.env")],
  ];
  it.each(vectors)("%s excludes %j, never the root", (pattern, expected) => {
    expect(excludedIn([pattern]).sort()).toEqual([...expected].sort());
  });
});

describe("uploadExcluder: more wcmatch 11.0.1 REALPATH behaviour (C28)", () => {
  const vectors: Array<[string[], string[]]> = [
    [["."], ["."]], // the whole build root: an empty archive [quirk, kept]
    [["./"], ["."]],
    [["*/"], ["data", "results"]], // directories only, anchored
    [["**/"], ["Snakefile", "data", "data/big.fasta", "results", "results/a.json", "results/sub", "results/sub/b.json"]],
    [["sub"], ["results/sub"]],
    [["sub/"], []],
    [["results/*/"], ["results/sub"]],
    [["!*.json"], ["Snakefile", "data", "data/.env", "data/big.fasta", "results", "results/sub"]],
    // the directory is kept, but what is in it is still excluded
    [["!results"], ["Snakefile", "data", "data/.env", "data/big.fasta", "results/a.json", "results/sub", "results/sub/b.json"]],
    [["!**/.env"], ["Snakefile", "data", "data/big.fasta", "results", "results/a.json", "results/sub", "results/sub/b.json"]],
    [["results/**", "!results/sub/**"], ["results", "results/a.json"]],
    [["*.{fasta,json}"], ["data/big.fasta", "results/a.json", "results/sub/b.json"]],
    [["!(results)"], ["Snakefile", "data", "data/big.fasta", "results/a.json", "results/sub", "results/sub/b.json"]],
    [["data/!(*.fasta)"], []],
  ];
  it.each(vectors)("%j excludes %j", (patterns, expected) => {
    expect(excludedIn(patterns).sort()).toEqual([...expected].sort());
  });
});

describe("uploadExcluder: resolution and the built-in list", () => {
  it("matches a symlink inside the build root by what it resolves to", () => {
    expect(excludedIn(["Snakefile"], [["snake-link", false]])).toEqual(["snake-link"]);
    expect(excludedIn(["snake-link"], [["snake-link", false]])).toEqual([]);
  });

  it("matches a symlink that resolves outside the build root by its own path (deviation: the CLI crashes)", () => {
    const entries: Array<[string, boolean]> = [
      ["link", true],
      ["link/y", false],
    ];
    expect(excludedIn(["link"], entries)).toEqual(["link"]);
    expect(excludedIn(["link/**"], entries)).toEqual(["link", "link/y"]);
    expect(excludedIn(["*.json"], entries)).toEqual([]);
  });

  it("matches a path that does not resolve by its own path", () => {
    expect(excludedIn(["broken"], [["broken", false]])).toEqual(["broken"]);
  });

  it("does not resolve anything without patterns", () => {
    const excluded = uploadExcluder([], ROOT, () => {
      throw new Error("realpath must not be called");
    });
    expect(excluded(`${ROOT}/results`, true)).toBe(false);
    expect(excluded(`${ROOT}/.git`, true)).toBe(true);
  });

  it.each([
    [[], ".git"],
    [[], "environment.sh"],
    [["!.git"], ".git"],
    [["!environment.sh"], "environment.sh"],
    [["!**/.git", "!environment*"], "sub/.git"],
    [["Snakefile"], "__pycache__"],
    [["!x"], "scripts/a.pyc"],
    [["!x"], ".snakemake"],
  ])("with %j still excludes %s (S1, C52)", (patterns, entry) => {
    const excluded = uploadExcluder(patterns, ROOT, (p) => p);
    expect(excluded(path.join(ROOT, entry), false)).toBe(true);
  });

  it("excludes an entire build root whose own name is built-in excluded (C52 quirk)", () => {
    const excluded = uploadExcluder(["nothing"], "/home/u/environment-study", (p) => p);
    expect(excluded("/home/u/environment-study", true)).toBe(true);
  });
});
