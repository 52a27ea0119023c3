import { describe, expect, it } from "vitest";
import { execArgv, pythonRepr, type ExecArgvInput } from "../../../src/runner/exec-argv.js";

const NEW = "nextstrain/base:build-20250717T164950Z";
const OLD = "nextstrain/base:build-20250717T164949Z";
const GIB = 1024 ** 3;

const run = (extraArgs: string[], more: Partial<ExecArgvInput> = {}) => execArgv({ extraArgs, image: NEW, ...more });
const argvOf = (extraArgs: string[], more: Partial<ExecArgvInput> = {}) => run(extraArgs, more).argv.join(" ");

const coresWarning = (option: string) =>
  `Warning: The explicit ${option} option passed to Snakemake prevents\n` +
  "the Nextstrain CLI from automatically providing one based on its\n" +
  "--cpus option.  This may or may not be what you expect.";

const memWarning =
  'Warning: The explicit "mem_mb" resource passed to Snakemake\n' +
  "prevents the Nextstrain CLI from automatically providing one\n" +
  "based on its --memory option.  This may or may not be what\n" +
  "you expect.";

describe("execArgv", () => {
  it("builds the Nextstrain CLI's worked example (C9, C11, C13)", () => {
    expect(run(["--forceall"], { cpus: 8, memoryBytes: 14 * GIB })).toStrictEqual({
      argv: [
        "snakemake",
        "--forceall",
        "--cores=8",
        "--resources=mem_mb=14336",
        "--printshellcmds",
        "--benchmark-extended",
        "--rerun-incomplete",
      ],
      warnings: [],
    });
  });

  it.each([
    // C9: default exec args, --benchmark-extended only for images that have it.
    [[], {}, "snakemake --cores=all --printshellcmds --benchmark-extended --rerun-incomplete"],
    [[], { image: OLD }, "snakemake --cores=all --printshellcmds --rerun-incomplete"],
    [[], { image: "nextstrain/base" }, "snakemake --cores=all --printshellcmds --benchmark-extended --rerun-incomplete"],
    [[], { exec: "snakemake", image: "x:branch" }, "snakemake --cores=all --printshellcmds --rerun-incomplete"],
    // C10: another program gets the extra args only.
    [["-c", "echo hi"], { exec: "bash", cpus: 4, memoryBytes: GIB }, "bash -c echo hi"],
    [[], { exec: "augur" }, "augur"],
    // C11: detection of explicit cores, before `--` only.
    [["--cores", "2"], {}, "snakemake --cores 2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["--core=2"], {}, "snakemake --core=2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["--cor", "2"], {}, "snakemake --cor 2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["--jobs", "2"], {}, "snakemake --jobs 2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["-j", "2"], {}, "snakemake -j 2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["-j2"], {}, "snakemake -j2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["-j=2"], {}, "snakemake -j=2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["--co", "2"], {}, "snakemake --co 2 --cores=all --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["-jx"], {}, "snakemake -jx --cores=all --printshellcmds --benchmark-extended --rerun-incomplete"],
    // Quirk kept: Snakemake's -c is not recognised.
    [["-c", "4"], {}, "snakemake -c 4 --cores=all --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["-c", "4"], { cpus: 2 }, "snakemake -c 4 --cores=2 --printshellcmds --benchmark-extended --rerun-incomplete"],
    [["--cpus=0"], { cpus: 0 }, "snakemake --cpus=0 --cores=all --printshellcmds --benchmark-extended --rerun-incomplete"],
    // Deviation: what is added goes before `--`, not after it.
    [["a", "--", "-j", "2"], {}, "snakemake a --cores=all --printshellcmds --benchmark-extended --rerun-incomplete -- -j 2"],
    [["--", "t"], { cpus: 3 }, "snakemake --cores=3 --printshellcmds --benchmark-extended --rerun-incomplete -- t"],
  ] as const)("%j %j -> %s", (extra, more, expected) => {
    expect(argvOf([...extra], more)).toBe(expected);
  });

  it.each([
    // C13: no resources -> inline form at the end of the options (before `--`).
    [["t"], "t --cores=all --resources=mem_mb=1024"],
    // Split form: appended after the values of the last --resources and its prefixes.
    [["--res", "foo=1", "bar=2", "-p"], "--res foo=1 bar=2 mem_mb=1024 -p --cores=all"],
    [["--resources", "foo=1", "--resources", "bar=2"], "--resources foo=1 --resources bar=2 mem_mb=1024 --cores=all"],
    [["--resource", "a=1"], "--resource a=1 mem_mb=1024 --cores=all"],
    [["--resourc", "a=1"], "--resourc a=1 mem_mb=1024 --cores=all"],
    [["--resour", "a=1"], "--resour a=1 mem_mb=1024 --cores=all"],
    [["--resou", "a=1"], "--resou a=1 mem_mb=1024 --cores=all"],
    [["--reso", "a=1"], "--reso a=1 mem_mb=1024 --cores=all"],
    [["--resources"], "--resources mem_mb=1024 --cores=all"],
    [["--resources=a=1", "--res", "b=2"], "--resources=a=1 --res b=2 mem_mb=1024 --cores=all"],
    [["--resources", "a=1", "target"], "--resources a=1 target mem_mb=1024 --cores=all"],
    [["--re", "a=1"], "--re a=1 --cores=all --resources=mem_mb=1024"],
    // An empty inline value counts as the split form.
    [["--resources=", "a=1", "b=2"], "--resources= a=1 b=2 mem_mb=1024 --cores=all"],
  ])("memory: %j -> %s", (extra, expected) => {
    const { argv, warnings } = run(extra, { memoryBytes: GIB });
    expect(argv.slice(1, -3).join(" ")).toBe(expected);
    expect(warnings).toStrictEqual([]);
  });

  it("memory: resources after `--` are not looked at; the inline form goes before it", () => {
    expect(argvOf(["a", "--", "--resources", "mem_mb=1"], { memoryBytes: GIB, image: OLD })).toBe(
      "snakemake a --cores=all --resources=mem_mb=1024 --printshellcmds --rerun-incomplete -- --resources mem_mb=1",
    );
  });

  it.each([
    [["--resources=mem_mb=100"]],
    [["--res", "a=1", "mem_mb=100"]],
    [["--resources", "mem_mb=1", "--resources", "a=1", "mem_mb=2"]],
    [["--res", "mem_mb"]],
  ])("memory: an explicit mem_mb in %j wins, with a warning (C13)", (extra) => {
    const { argv, warnings } = run(extra, { memoryBytes: GIB });
    expect(argv.slice(1, -3)).toStrictEqual([...extra, "--cores=all"]);
    expect(warnings).toStrictEqual([memWarning]);
  });

  it("memory: mem_mb in an earlier, overridden --resources does not count", () => {
    const { argv, warnings } = run(["--resources", "mem_mb=1", "--resources", "a=1"], { memoryBytes: GIB });
    expect(argv.slice(1, -3)).toStrictEqual(["--resources", "mem_mb=1", "--resources", "a=1", "mem_mb=1024", "--cores=all"]);
    expect(warnings).toStrictEqual([]);
  });

  it("memory: an inline --resources with one value is left alone, with the exact warning", () => {
    const { argv, warnings } = run(["--resources=foo=1", "target"], { memoryBytes: GIB });
    expect(argv.slice(1, -3)).toStrictEqual(["--resources=foo=1", "target", "--cores=all"]);
    expect(warnings).toStrictEqual([
      "Warning: The inline '--resources=foo=1' passed to Snakemake prevents the\n" +
        'Nextstrain CLI from automatically appending a "mem_mb"\n' +
        "resource based on its --memory option.  Use the split\n" +
        "form '--resources foo=1' instead if you want both resources.  If the\n" +
        "split form appears before a positional argument,\n" +
        "separate them with `--`.",
    ]);
  });

  it.each([
    [1024 ** 2 - 1, undefined],
    [0, undefined],
    [3 * 1024 ** 2, "3"],
    [14_000_000_000, "13351"],
    [1_500_000_000, "1430"],
  ])("memory: %d bytes -> mem_mb %s (C22 floor)", (memoryBytes, mib) => {
    const { argv } = run([], { memoryBytes });
    const added = argv.filter((arg) => arg.startsWith("--resources"));
    // Less than 1 MiB still gives mem_mb=0, as in the Nextstrain CLI; 0 bytes adds nothing.
    expect(added).toStrictEqual(memoryBytes === 0 ? [] : [`--resources=mem_mb=${mib ?? "0"}`]);
  });

  it.each([
    [["--cores", "2"], "--cores"],
    [["--jobs=2"], "--jobs"],
    [["-j8"], "-j"],
    [["-p", "--cor", "1", "-j", "2"], "--cor"],
  ])("cores: %j with --cpus warns naming %s (C12)", (extra, option) => {
    const { argv, warnings } = run(extra, { cpus: 4 });
    expect(argv.slice(1, -3)).toStrictEqual(extra);
    expect(warnings).toStrictEqual([coresWarning(option)]);
  });

  it("cores: no warning for explicit cores after `--`, nor without --cpus", () => {
    expect(run(["--", "--cores", "2"], { cpus: 4 }).warnings).toStrictEqual([]);
    expect(run(["--cores", "2"]).warnings).toStrictEqual([]);
  });

  it.each([
    ["--local-storage-prefix=x", "--local-storage-prefix"],
    ["--local-storage", "--local-storage"],
    ["--local-s", "--local-s"],
  ])("storage prefix: %s warns (C14)", (arg, option) => {
    const { argv, warnings } = run([arg, "y"]);
    expect(argv.slice(1, 3)).toStrictEqual([arg, "y"]);
    expect(warnings).toStrictEqual([
      `Warning: The explicit ${option} option passed to Snakemake overrides the\n` +
        "default prefix (.snakemake/storage/) expected for the AWS Batch\n" +
        "runtime. This may prevent you from downloading the storage files\n" +
        "that were downloaded during the remote build.",
    ]);
  });

  it.each([["--local-"], ["--", "--local-storage-prefix", "x"], ["--localstorage-prefix"]])("storage prefix: %j does not warn", (...extra) => {
    expect(run(extra).warnings).toStrictEqual([]);
  });

  it("returns the warnings in the order the Nextstrain CLI prints them", () => {
    const { warnings } = run(["-j", "2", "--res", "mem_mb=1", "--local-s", "x"], { cpus: 2, memoryBytes: GIB });
    expect(warnings.map((text) => text.slice(0, 30))).toStrictEqual([
      "Warning: The explicit -j optio",
      'Warning: The explicit "mem_mb"',
      "Warning: The explicit --local-",
    ]);
  });

  it("does not change the caller's array", () => {
    const extra = ["--res", "a=1"];
    run(extra, { memoryBytes: GIB, cpus: 1 });
    expect(extra).toStrictEqual(["--res", "a=1"]);
  });
});

describe("pythonRepr", () => {
  // Expected values were produced by Python's repr().
  it.each([
    ["--resources=foo=1", "'--resources=foo=1'"],
    ["a'b", `"a'b"`],
    ['a"b', `'a"b'`],
    [`a'"b`, `'a\\'"b'`],
    ["a\\b", "'a\\\\b'"],
    ["\n\r\t", "'\\n\\r\\t'"],
    ["\x85\u00a0 \t\x7f\u200b\u{1F600}\u2028é", "'\\x85\\xa0 \\t\\x7f\\u200b\u{1F600}\\u2028é'"],
    ["\x00", "'\\x00'"],
  ])("%j -> %s", (text, repr) => {
    expect(pythonRepr(text)).toBe(repr);
  });
});
