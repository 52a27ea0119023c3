// Table tests for the built-in upload and download rules (C52, C86). PurePath expectations were observed with Python 3.11.
import { describe, expect, it } from "vitest";
import {
  downloadVerdict,
  isAlwaysExcludedFromUpload,
  isUnsafeMemberName,
  purePathMatch,
  purePathString,
  type MemberVerdict,
} from "../../../src/archive/exclusions.js";
import { downloadSelector } from "../../../src/archive/patterns.js";

describe("purePathMatch (Python 3.11 PurePosixPath.match)", () => {
  const vectors: Array<[string, string, boolean]> = [
    ["/h/u/build/.git", ".git/", true],
    ["/h/u/build/.git/config", ".git/", false],
    ["/h/u/build/sub/.git", ".git/", true],
    ["/h/u/build/.gitignore", ".git/", false],
    ["/h/u/build/environment.sh", "environment*", true],
    ["/h/u/build/environments", "environment*", true],
    ["/h/u/environment-study", "environment*", true],
    ["/h/u/build/my-environment.sh", "environment*", false],
    ["/h/u/build/x.pyc", "*.pyc", true],
    ["/h/u/build/.pyc", "*.pyc", true],
    ["/h/u/build/x.pyc/y", "*.pyc", false],
    ["/b", "*/b", true], // the root counts as a component
    ["/b", "/b", true],
    ["/a/b", "/b", false],
    ["/a/b", "/*/b", true],
    ["a/b", "/a/b", false],
    ["//a", "//a", true],
    ["//a", "/a", false],
    ["a/b/c", "b/c", true],
    ["a/b/c", "a/c", false],
    ["a/b/c", "*", true],
    ["a/b/c", "**", true],
    ["a/b/c", "a/*/c", true],
    ["a/b/c", "x/a/b/c", false],
    [".snakemake/log", ".snakemake/log/", true],
    ["x/.snakemake/log", ".snakemake/log/", true],
    [".snakemake/log/a.log", ".snakemake/log/", false],
    ["abc", "a?c", true],
    ["abc", "[ab]bc", true],
    ["abc", "[!a]bc", false],
    ["abc", "[z-a]bc", false],
    ["bbc", "[!z-a]bc", true],
    ["a-c", "a[-]c", true],
    ["abc", "a[a-c-e]c", true],
    ["a-c", "a[a-c-e]c", true],
    ["[bc", "[bc", true],
    ["a\\c", "a[\\]c", true],
    ["a]c", "a[]]c", true],
    ["ABC", "abc", false],
    ["a.b", "a.b", true],
    ["axb", "a.b", false],
    ["a/b", "a//b", true],
    ["a/b", "./a/b", true],
    [".", "*", false],
    ["x", "x/", true],
  ];
  it.each(vectors)("%s matches %s -> %s", (path, pattern, expected) => {
    expect(purePathMatch(path, pattern)).toBe(expected);
  });

  it("refuses an empty pattern, as Python does", () => {
    expect(() => purePathMatch("a", ".")).toThrow(/empty path pattern/);
  });
});

describe("purePathString (str(PurePosixPath))", () => {
  it.each([
    ["./", "."],
    ["results/", "results"],
    ["a//b/", "a/b"],
    ["a/./b", "a/b"],
    ["/", "/"],
    ["//x", "//x"],
    ["///x", "/x"],
    [".", "."],
    ["", "."],
    ["a/../b", "a/../b"],
  ])("%j -> %j", (input, expected) => {
    expect(purePathString(input)).toBe(expected);
  });
});

describe("isAlwaysExcludedFromUpload (C52)", () => {
  it.each([
    ["/home/u/build/.git", true],
    ["/home/u/build/ingest/.git", true],
    ["/home/u/build/.snakemake", true],
    ["/home/u/build/ingest/.snakemake", true],
    ["/home/u/build/environment.sh", true],
    ["/home/u/build/environment.yml", true],
    ["/home/u/build/environments", true],
    ["/home/u/build/scripts/__pycache__", true],
    ["/home/u/build/scripts/x.pyc", true],
    ["/home/u/environment-study", true], // the build root itself
    ["/x/y.pyc", true],
    // inside an excluded directory: not matched itself, the walk never gets there
    ["/home/u/build/.git/config", false],
    ["/home/u/build/.snakemake/log/x.log", false],
    ["/home/u/build/.gitignore", false],
    ["/home/u/build/my-environment.sh", false],
    ["/home/u/build/Snakefile", false],
    ["/home/u/build/x.py", false],
    ["/home/u/build", false],
    ["/", false],
    // the tool's own working files: a killed download's temporary files, the download lock
    ["/home/u/build/results/.nextstrain-ts-partial-0011223344556677", true],
    ["/home/u/build/.nextstrain-ts-partial-abcd1234-2a", true],
    ["/home/u/build/.nextstrain-ts-lock", true],
    ["/home/u/build/nextstrain-ts-partial-x", false],
  ])("%s -> %s", (absPath, expected) => {
    expect(isAlwaysExcludedFromUpload(absPath)).toBe(expected);
  });
});

describe("isUnsafeMemberName (C85, C112)", () => {
  it.each([
    ["../augur/x.py", true],
    ["../augur/", true],
    ["/etc/passwd", true],
    ["a/../../b", true],
    ["a/..", true],
    ["//x", true],
    ["./", false],
    ["results/a.json", false],
    ["a/..b", false],
    ["...", false],
    ["a\\..\\b", false], // backslash is an ordinary character on POSIX
  ])("%s -> %s", (name, expected) => {
    expect(isUnsafeMemberName(name)).toBe(expected);
  });
});

describe("downloadVerdict: the Nextstrain CLI's final decision, no patterns (C86, C112)", () => {
  const all = downloadSelector(true);
  const vectors: Array<[string, MemberVerdict]> = [
    ["./", "extract"], // then left alone: a directory's CRC 0 equals the member's
    [".snakemake/", "excluded"],
    [".snakemake/log/", "extract"],
    [".snakemake/log/2024-01-01T000000.snakemake.log", "extract"],
    [".snakemake/metadata/", "extract"],
    [".snakemake/storage/", "extract"],
    ["ingest/.snakemake/", "excluded"],
    ["ingest/.snakemake/log/x.snakemake.log", "extract"],
    ["__pycache__/", "excluded"],
    ["scripts/__pycache__/x.cpython-311.pyc", "excluded"],
    ["x.pyc", "excluded"],
    [".git", "excluded"],
    ["sub/.git", "excluded"],
    ["environment.sh", "extract"], // environment* is not a download exclusion
    ["../augur/x.py", "unsafe"],
    ["/etc/passwd", "unsafe"],
    ["a/../../b", "unsafe"],
  ];
  it.each(vectors)("%s -> %s", (member, expected) => {
    expect(downloadVerdict(member, all)).toBe(expected);
  });
});

describe("downloadVerdict: nothing inside .git/ or .snakemake/ (but its log/, metadata/, storage/), at any depth", () => {
  // The Nextstrain CLI's lists only catch the directory entries themselves
  // (`.snakemake/locks/0.lock` gets through); its stated intent is that the
  // job's Snakemake state and git data never land locally.
  const all = downloadSelector(true);
  it.each([
    [".snakemake/locks/0.input.lock", "excluded"],
    [".snakemake/incomplete/x", "excluded"],
    [".snakemake/conda/abc/env.yaml", "excluded"],
    ["ingest/.snakemake/conda/env.yaml", "excluded"],
    ["ingest/.snakemake/locks/", "excluded"],
    ["a/b/.snakemake/log/", "extract"],
    ["a/b/.snakemake/metadata/cmVzdWx0cw==", "extract"],
    [".snakemake/storage/s3/x.tsv", "extract"],
    [".snakemake/logs/x", "excluded"],
    ["results/.snakemake", "excluded"],
    [".git/HEAD", "excluded"],
    ["x/.git/HEAD", "excluded"],
    ["vendored/lib/.git/objects/ab/cdef", "excluded"],
    [".gitignore", "extract"],
    ["x/.github/workflows/ci.yaml", "extract"],
    ["snakemake/locks/x", "extract"],
  ] as Array<[string, MemberVerdict]>)("%s -> %s", (member, expected) => {
    expect(downloadVerdict(member, all)).toBe(expected);
  });

  it("the user's patterns cannot bring them back", () => {
    expect(downloadVerdict(".snakemake/locks/0.input.lock", downloadSelector([".snakemake/**"]))).toBe("excluded");
    expect(downloadVerdict("x/.git/HEAD", downloadSelector(["**"]))).toBe("excluded");
  });

  it("never extracts the tool's own working files (temporary files, the download lock)", () => {
    for (const name of [".nextstrain-ts-partial-0011223344556677", "results/.nextstrain-ts-partial-abcd1234-1f", ".nextstrain-ts-lock"]) {
      expect(downloadVerdict(name, all), name).toBe("excluded");
    }
  });
});

describe("downloadVerdict with patterns (C86)", () => {
  it.each([
    [["results/**"], "results/a.json", "extract"],
    [["results/**"], "auspice/a.json", "not-selected"],
    [["**/*.pyc"], "scripts/x.pyc", "excluded"],
    [[".snakemake/**"], ".snakemake/log", "extract"],
    [["!foo"], ".snakemake/log/x.log", "not-selected"], // C27 quirk
    [["**"], "../augur/x.py", "unsafe"],
  ] as Array<[string[], string, MemberVerdict]>)("%j on %s -> %s", (spec, member, expected) => {
    expect(downloadVerdict(member, downloadSelector(spec))).toBe(expected);
  });

  it("passes the PurePath form of the member to the selector", () => {
    const seen: string[] = [];
    downloadVerdict("results//sub/", (p) => {
      seen.push(p);
      return true;
    });
    expect(seen).toEqual(["results/sub"]);
  });
});
