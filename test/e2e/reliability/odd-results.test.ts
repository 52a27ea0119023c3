// Results that are awkward to write back: names that are not UTF-8, a
// directory that cannot be written, a symlink inside the build root, and the
// job's own .git and Snakemake state. One job writes them all; each test
// attaches to it from a fresh copy of the build directory.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { jobIdOf, STACK_TRACE } from "./helpers.js";

const JOB = [
  "printf one > \"$(printf 'r\\377.txt')\"",
  "printf two > \"$(printf 'r\\376.txt')\"",
  "echo through the link > link/f",
  "mkdir -p results sub/.snakemake/locks sub/.snakemake/log x/.git",
  "echo new > results/a.txt",
  "echo locked > sub/.snakemake/locks/0.input.lock",
  "echo 'sub workflow log' > sub/.snakemake/log/sub.snakemake.log",
  "echo ref: refs/heads/main > x/.git/HEAD",
].join("\n");

let pristine: string;
let jobId: string;
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });
const raw = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);
const rName = (byte: number) => Buffer.concat([Buffer.from("r"), Buffer.from([byte]), Buffer.from(".txt")]);

beforeAll(async () => {
  pristine = scriptBuild("odd-results", JOB, { "real/keep.txt": "kept\n", "results/a.txt": "old\n" });
  symlinkSync("real", path.join(pristine, "link"));
  const result = await nextstrainTs([...SCRIPT, "--no-download", pristine], { env: home() });
  expect(result.status, result.stderr).toBe(0);
  jobId = jobIdOf(result.stdout);
}, 60_000);

function freshCopy(): string {
  const dir = path.join(scratchDir("odd"), "build");
  cpSync(pristine, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return dir;
}

const attach = (dir: string) => nextstrainTs(["attach", "--no-logs", jobId, dir], { env: home() });

describe("results that are awkward to write back", () => {
  it("keeps names that are not UTF-8 as their bytes: r\\xff.txt and r\\xfe.txt stay two results", async () => {
    const dir = freshCopy();
    const result = await attach(dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`unzipping: ${dir}/r\\xff.txt\n`);
    expect(result.stdout).toContain(`unzipping: ${dir}/r\\xfe.txt\n`);
    expect(readFileSync(raw(dir, rName(0xff)), "utf8")).toBe("one");
    expect(readFileSync(raw(dir, rName(0xfe)), "utf8")).toBe("two");
    expect(readdirSync(dir, { encoding: "buffer" }).filter((name) => name.toString("latin1").startsWith("r\\")).length).toBe(0);
  });

  it("writes through a symlink that stays inside the build root (link -> real), leaving the link a link", async () => {
    const dir = freshCopy();
    const result = await attach(dir);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`unzipping: ${dir}/link/f\n`);
    expect(readFileSync(path.join(dir, "real", "f"), "utf8")).toBe("through the link\n");
    expect(lstatSync(path.join(dir, "link")).isSymbolicLink()).toBe(true);
  });

  it("writes nothing inside .git/ or the job's .snakemake/ state, at any depth, but its logs", async () => {
    const dir = freshCopy();
    const result = await attach(dir);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "sub", ".snakemake", "log", "sub.snakemake.log"), "utf8")).toBe("sub workflow log\n");
    expect(existsSync(path.join(dir, "sub", ".snakemake", "locks"))).toBe(false);
    expect(existsSync(path.join(dir, "x", ".git"))).toBe(false);
    expect(result.stdout).not.toMatch(/unzipping: .*(\.git|\.snakemake\/locks)/);
  });

  it("a directory that cannot be written: its files are not listed as written, the summary says why, the rest is written", async () => {
    const dir = freshCopy();
    const results = path.join(dir, "results");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", results]);
    try {
      cpSync(path.join(pristine, "results", "a.txt"), path.join(results, "a.txt"));
      execFileSync("mount", ["-o", "remount,ro", results]);
      const result = await attach(dir);
      expect(result.status).toBe(1);
      expect(result.stdout).not.toContain(`unzipping: ${results}/a.txt`);
      expect(result.stdout).toContain(`unzipping: ${dir}/link/f\n`);
      expect(result.stderr).toContain(`Error: One of the job's results was not downloaded:\n    ${results}/a.txt (${results} is on a read-only file system)\n`);
      expect(result.stderr).toContain(`Make those directories writable.\n\nFinish the download (what was written is not fetched again) with:\n\n    nextstrain-ts attach --no-logs ${jobId} ${dir}\n`);
      expect(result.stderr).not.toMatch(STACK_TRACE);
      expect(readFileSync(path.join(results, "a.txt"), "utf8")).toBe("old\n");
      expect(readFileSync(path.join(dir, "real", "f"), "utf8")).toBe("through the link\n");
    } finally {
      execFileSync("umount", [results]);
    }
  });
});
