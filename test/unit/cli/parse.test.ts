import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { expandOptionPrefixes } from "../../../src/cli/argv.js";
import { parseCommandLine, type Invocation } from "../../../src/cli/parse.js";
import type { BuildRequest } from "../../../src/cli/request.js";
import { UsageError } from "../../../src/errors.js";

const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

function parse(...argv: string[]): Invocation {
  return parseCommandLine(argv, { cwd: process.cwd(), version: "0.0.0", stdout: quiet });
}

function request(...argv: string[]): BuildRequest {
  const invocation = parse(...argv);
  if (invocation.kind !== "build" && invocation.kind !== "attach") throw new Error("no build or attach command parsed");
  return invocation.request;
}

describe("options only before the directory (C1, C2)", () => {
  it("passes everything after the directory to the program, even our own flags", () => {
    expect(request("build", "--aws-batch", "zika", "--aws-batch", "--forceall")).toMatchObject({
      directory: "zika",
      execArgs: ["--aws-batch", "--forceall"],
      settingFlags: { runtime: true },
    });
  });

  it("drops a -- right after the directory", () => {
    expect(request("build", "--aws-batch", ".", "--", "target").execArgs).toEqual(["target"]);
  });

  it("keeps a later --", () => {
    expect(request("build", ".", "a", "--", "b").execArgs).toEqual(["a", "--", "b"]);
  });

  it("accepts --opt=value and --opt value", () => {
    expect(request("build", "--aws-batch-queue=q1", "--image", "img", ".")).toMatchObject({ settingFlags: { queue: "q1", image: "img" } });
  });
});

describe("unambiguous prefixes (C3)", () => {
  it.each([
    [["--aws-batch-q", "q"], { settingFlags: { queue: "q" } }],
    [["--aws-batch-s3", "b"], { settingFlags: { bucket: "b" } }],
    [["--no-l"], { logs: false }],
    [["--att", "job-1"], { attach: "job-1" }],
    [["--aws-batch"], { settingFlags: { runtime: true } }],
    [["--detach"], { detach: true, detachOnInterrupt: false }],
    [["--mem=2gib"], { settingFlags: { memory: "2gib" } }],
    [["--cpu", "4"], { settingFlags: { cpus: "4" } }],
  ])("%j", (flags, expected) => {
    expect(request("build", ...flags, ".")).toMatchObject(expected);
  });

  it("does not expand after the directory", () => {
    expect(expandOptionPrefixes([".", "--no-l"], [{ name: "--no-logs", takesValue: false }], "build")).toEqual([".", "--no-l"]);
  });

  it("skips option values when looking for the directory", () => {
    expect(expandOptionPrefixes(["--image", "--no-l", "."], [{ name: "--image", takesValue: true }, { name: "--no-logs", takesValue: false }], "build")).toEqual([
      "--image",
      "--no-l",
      ".",
    ]);
  });

  it.each([["--aws-batch-"], ["--no"], ["--de"], ["--exclude-from"], ["--e"]])("refuses the ambiguous %s", (flag) => {
    expect(() => parse("build", flag, ".")).toThrow(UsageError);
    expect(() => parse("build", flag, ".")).toThrow(/ambiguous option/);
  });
});

describe("download list (C24, C25)", () => {
  it.each([
    [[], true],
    [["--download", "a"], ["a"]],
    [["--download", "a", "--exclude-from-download", "b", "--download", "c"], ["a", "!b", "c"]],
    [["--exclude-from-download", "b"], ["!b"]],
    [["--download", "a", "--no-download"], false],
    [["--no-download", "--download", "x"], ["x"]],
  ])("%j gives %j", (flags, expected) => {
    expect(request("build", ...flags, ".").download).toEqual(expected);
  });
});

describe("attach command", () => {
  it("is the build --attach request", () => {
    expect(request("attach", "--no-download", "job-123")).toMatchObject({ attach: "job-123", settingFlags: { runtime: true }, download: false, directory: undefined });
    expect(request("attach", "job-123", "dir")).toMatchObject({ attach: "job-123", directory: "dir", download: true });
  });
});

describe("repeatable options", () => {
  it("collect in order", () => {
    expect(request("build", "--env", "A=1", "--env", "B", "--exclude-from-upload", "x", "--exclude-from-upload", "y", ".")).toMatchObject({
      env: ["A=1", "B"],
      excludeFromUpload: ["x", "y"],
    });
  });
});
