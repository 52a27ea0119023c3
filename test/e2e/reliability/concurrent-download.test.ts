// Downloads that meet each other or get stopped: two processes downloading
// into one build directory, Control-C and SIGTERM during a download, and the
// temporary files a killed download leaves for the next build.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { contents, getObject, jobIdOf, ownKey, runIdOf, snapshot, STACK_TRACE, writeRandomFile } from "./helpers.js";

const { control } = localAws();
const OWN_FILE = /(^|\/)\.nextstrain-ts-/;

/** The job writes 120 small results and two of 9 MiB (each fetched with GETs of its own). */
const JOB = [
  "mkdir -p results/small",
  "i=0; while [ $i -lt 120 ]; do head -c $(( i * 97 + 1 )) /dev/urandom > results/small/s$i.dat; i=$((i + 1)); done",
  "head -c 9437184 /dev/urandom > results/big1.dat",
  "head -c 9437184 /dev/urandom > results/big2.dat",
].join("\n");

let pristine: string;
let jobId: string;
let expected: Record<string, string>;

/** A fresh copy of the build directory as it was before the job. */
function freshCopy(): string {
  const dir = path.join(scratchDir("concurrent"), "build");
  cpSync(pristine, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

/** Each test keeps its own job records. */
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });

beforeAll(async () => {
  pristine = scriptBuild("concurrent-src", JOB, { "data/input.txt": "input\n" });
  writeRandomFile(path.join(pristine, "data", "random.bin"), 100_000, "concurrent");
  const first = await nextstrainTs([...SCRIPT, "--no-download", pristine], { env: home() });
  expect(first.status, first.stderr).toBe(0);
  jobId = jobIdOf(first.stdout);
  // What the job wrote, unpacked by Info-ZIP: what every download must end with.
  const zip = path.join(scratchDir("concurrent-zip"), "result.zip");
  writeFileSync(zip, await getObject(`${runIdOf(first.stdout)}.zip`));
  const reference = path.join(path.dirname(zip), "reference");
  mkdirSync(reference);
  execFileSync("unzip", ["-q", zip, "-d", reference]);
  expected = contents(snapshot(reference));
}, 120_000);

describe("two downloads into one build directory", () => {
  it("two attaches of one job at once: the second waits for the first, both exit 0, nothing left behind", async () => {
    const dir = freshCopy();
    const { accessKeyId, env } = ownKey("concurrent");
    // The first download's first member GET is answered 4 s late: it holds the lock meanwhile.
    await control.addFault({ kind: "delay", service: "s3", operation: "GetObject", delayMs: 4000, after: 1, count: 1, accessKeyId });
    const first = startNextstrainTs(["attach", "--no-logs", jobId, dir], { env: { ...env, ...home() } });
    await lockTakenBy(dir, first.child.pid);
    // Frozen while it holds the lock, so the second surely finds it held.
    first.child.kill("SIGSTOP");
    const second = startNextstrainTs(["attach", "--no-logs", jobId, dir], { env: home() });
    await second.waitFor(new RegExp(`Waiting for another download into ${dir} to finish \\(process ${first.child.pid} on `));
    first.child.kill("SIGCONT");
    for (const result of [await first.done, await second.done]) {
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/unexpected error|ENOENT/);
    }
    const tree = contents(snapshot(dir));
    expect(Object.keys(tree).filter((name) => OWN_FILE.test(name))).toEqual([]);
    expect(tree).toEqual(expected);
  });
});

/** Resolves once the build directory's download lock names this process. */
async function lockTakenBy(dir: string, pid: number | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((JSON.parse(readFileSync(path.join(dir, ".nextstrain-ts-lock"), "utf8")) as { pid: number }).pid === pid) return;
    } catch {
      // not there yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} never took the lock of ${dir}`);
}

describe("a download stopped by a signal says how to finish it", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: exits %d, files whole, and the command it prints finishes the download", async (signal, status) => {
    const dir = freshCopy();
    const before = contents(snapshot(dir));
    const { accessKeyId, env } = ownKey(`signal-${status}`);
    await control.addFault({ kind: "delay", service: "s3", operation: "GetObject", delayMs: 500, accessKeyId });
    const running = startNextstrainTs(["attach", "--no-logs", jobId, dir], { env: { ...env, ...home() } });
    await running.waitFor(/unzipping: /);
    running.child.kill(signal);
    const stopped = await running.done;
    expect(stopped.status).toBe(status);
    const finish = `nextstrain-ts attach --no-logs ${jobId} ${dir}`;
    expect(stopped.stderr).toContain(
      `Interrupted: the download was stopped. The files it wrote are whole; the others were left as they were.\n\nFinish the download (what was written is not fetched again) with:\n\n    ${finish}\n`,
    );
    expect(stopped.stderr).not.toMatch(STACK_TRACE);
    const partway = contents(snapshot(dir));
    for (const [name, state] of Object.entries(partway)) expect([before[name], expected[name]], name).toContain(state);
    expect(partway).not.toEqual(expected);

    const rest = await nextstrainTs(finish.split(" ").slice(1), { env: home() });
    expect(rest.status, rest.stderr).toBe(0);
    expect(contents(snapshot(dir))).toEqual(expected);
  });
});

describe("temporary files a killed download left", () => {
  it("are never uploaded, and the next build removes them unless a live download owns them", async () => {
    const dir = scriptBuild("leftovers", "ls -a results");
    mkdirSync(path.join(dir, "results"));
    // Left by killed downloads: one of an older version, one of a download whose lock is gone.
    writeFileSync(path.join(dir, "results", ".nextstrain-ts-partial-00112233445566ff"), "half\n");
    writeFileSync(path.join(dir, "results", ".nextstrain-ts-partial-0a0b0c0d-3"), "half\n");
    // A download still running (this test's process holds its lock).
    writeFileSync(path.join(dir, ".nextstrain-ts-lock"), JSON.stringify({ pid: process.pid, host: hostname(), token: "c0ffee00", since: new Date().toISOString() }));
    writeFileSync(path.join(dir, "results", ".nextstrain-ts-partial-c0ffee00-1"), "being written\n");

    const result = await nextstrainTs([...SCRIPT, "--no-download", dir], { env: home() });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("zipping: " + path.join(dir, "results", ".nextstrain-ts"));
    expect(result.stdout).not.toContain("zipping: " + path.join(dir, ".nextstrain-ts-lock"));
    // The job's `ls -a results` saw none of them.
    expect(result.stdout).not.toMatch(/\] \.nextstrain-ts-/);
    expect(readdirSync(path.join(dir, "results")).sort()).toEqual([".nextstrain-ts-partial-c0ffee00-1"]);
    expect(existsSync(path.join(dir, ".nextstrain-ts-lock"))).toBe(true);
  });
});
