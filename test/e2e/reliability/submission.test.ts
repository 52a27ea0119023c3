// Until a job exists, a run may fail or be stopped at any point and leave
// nothing behind; once it exists, no failure loses it. These tests check both
// sides against the local stack: what is checked before anything is
// uploaded, what is removed from S3 when no job was submitted (or said, with
// the commands that remove it), Control-C during an upload over a lost
// network, and the re-attach lines every failure prints once a job exists.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { jobIdOf, objectKeys, ownKey, STACK_TRACE } from "./helpers.js";

const { control } = localAws();

/** Each test keeps its own job records. */
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });

describe("attach without a directory", () => {
  it("finds the directory in the bucket's record when this machine has none", async () => {
    const dir = scriptBuild("bucket-record", "echo result > result.txt");
    const detached = await nextstrainTs([...SCRIPT, "--detach", dir], { env: home() });
    expect(detached.status, detached.stderr).toBe(0);
    const attached = await nextstrainTs(["attach", jobIdOf(detached.stdout)], { env: home() });
    expect(attached.status, attached.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "result.txt"), "utf8")).toBe("result\n");
  });

  it("says there is no record of an unknown job here or in the bucket, and to give the directory", async () => {
    const env = home();
    const id = "00000000-0000-4000-8000-00000000abcd";
    const result = await nextstrainTs(["attach", id], { env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `No record of job ${id} here (in ${path.join(env.NEXTSTRAIN_HOME, "jobs")}) or in the bucket (s3://nextstrain-jobs/): give the directory to download its results to.`,
    );
    expect(result.stderr).toContain(`nextstrain-ts attach ${id} <directory>`);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr).not.toContain("is required");
  });
});

describe("--job-info", () => {
  it.each([
    ["a directory", (dir: string) => dir, "is a directory, not a file"],
    ["a path under a file", (dir: string) => path.join(dir, "run.sh", "job.json"), "cannot be written: "],
  ])("naming %s fails before anything is uploaded", async (_name, place, problem) => {
    const dir = scriptBuild("job-info-bad", "true");
    const info = place(dir);
    const result = await nextstrainTs([...SCRIPT, "--job-info", info, dir], { env: home() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`--job-info ${info} ${problem}`);
    expect(result.stdout).not.toContain("Uploading");
    expect(result.stderr).not.toMatch(/unexpected error|probably a bug/);
  });

  it("failing once the job exists still prints the job id and how to re-attach (3 s delay on SubmitJob to change the place meanwhile)", async () => {
    const dir = scriptBuild("job-info-late", "echo result > result.txt");
    const infoDir = path.join(scratchDir("job-info-late"), "info");
    mkdirSync(infoDir);
    const { accessKeyId, env } = ownKey("job-info-late");
    await control.addFault({ kind: "delay", service: "batch", operation: "SubmitJob", delayMs: 3000, accessKeyId });
    const running = startNextstrainTs([...SCRIPT, "--detach", "--job-info", path.join(infoDir, "job.json"), dir], { env: { ...env, ...home() } });
    await running.waitFor(/Submitting job/);
    // The checked place stops being writable between the check and the write.
    rmSync(infoDir, { recursive: true });
    writeFileSync(infoDir, "now a file");
    const result = await running.done;
    const jobId = jobIdOf(result.stdout);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Could not write the --job-info file ${path.join(infoDir, "job.json")}`);
    expect(result.stderr).toContain(`Job ${jobId} is not affected`);
    expect(result.stderr.trimEnd().split("\n").slice(-2)).toEqual([`nextstrain-ts attach ${jobId}`, `nextstrain-ts build --aws-batch --attach ${jobId} ${dir}`]);
    expect(result.stderr).not.toMatch(/unexpected error|probably a bug/);
    // The job ran on: re-attaching brings its results.
    const attached = await nextstrainTs(["attach", jobId, dir], { env: home() });
    expect(attached.status, attached.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "result.txt"), "utf8")).toBe("result\n");
  });
});
