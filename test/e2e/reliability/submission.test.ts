// Until a job exists, a run may fail or be stopped at any point and leave
// nothing behind; once it exists, no failure loses it. These tests check both
// sides against the local stack: what is checked before anything is
// uploaded, what is removed from S3 when no job was submitted (or said, with
// the commands that remove it), Control-C during an upload over a lost
// network, and the re-attach lines every failure prints once a job exists.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aws, localAws, nextstrainTs, REPO_ROOT, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { jobIdOf, multipartUploads, objectKeys, ownKey, runIdOf, STACK_TRACE, writeRandomFile } from "./helpers.js";

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

describe("an image named by digest", () => {
  it("counts as current: a secret reaches the job privately, with no warning about the image's age", async () => {
    const image = `nextstrain/base@sha256:${"5e".repeat(32)}`;
    await control.setImage(image, path.join(REPO_ROOT, "test", "local-aws", "images", "nextstrain-base"));
    const dir = scriptBuild("digest", 'echo "${SECRET_TOKEN:-missing}" > mark.txt');
    const result = await nextstrainTs([...SCRIPT, "--image", image, "--env", "SECRET_TOKEN=digest-secret", dir], { env: home() });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/uploaded: s3:\/\/\S+-env\.d\.zip/);
    expect(result.stderr).not.toContain("older than");
    expect(readFileSync(path.join(dir, "mark.txt"), "utf8")).toBe("digest-secret\n");
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

/** Runs the AWS CLI commands quoted at the start of lines of `text` (as the stack's own key: not the one under faults). */
async function runQuotedCommands(text: string): Promise<number> {
  const commands = text.split("\n").map((line) => line.trim()).filter((line) => line.startsWith("aws s3"));
  for (const command of commands) {
    const result = await aws(command.split(" ").slice(1));
    expect(result.status, result.stderr).toBe(0);
  }
  return commands.length;
}

describe("a submission that fails leaves nothing in S3", () => {
  const QUEUE = ["--aws-batch-queue", "no-such-queue"];

  it("removes both archives, the one holding --env variables too, and says so", async () => {
    const dir = scriptBuild("unsubmitted", "true");
    const result = await nextstrainTs([...SCRIPT, ...QUEUE, "--env", "SECRET_TOKEN=do-not-keep", dir], { env: home() });
    const runId = runIdOf(result.stdout);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Job submission failed!");
    expect(result.stderr).toContain(
      `No job was submitted, so what was uploaded for it was removed from S3: s3://nextstrain-jobs/${runId}.zip, s3://nextstrain-jobs/${runId}-env.d.zip.`,
    );
    expect(await objectKeys(runId)).toEqual([]);
  });

  it("names both archives with the commands that remove them when S3 refuses to delete them", async () => {
    const dir = scriptBuild("unsubmitted-kept", "true");
    const { accessKeyId, env } = ownKey("unsubmitted-kept");
    await control.addFault({ kind: "access-denied", service: "s3", operation: "DeleteObject", accessKeyId });
    const result = await nextstrainTs([...SCRIPT, ...QUEUE, "--env", "SECRET_TOKEN=do-not-keep", dir], { env: { ...env, ...home() } });
    const runId = runIdOf(result.stdout);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("No job was submitted, but what was uploaded for it could not be removed from S3 (AccessDenied");
    expect(result.stderr).toContain(`aws s3 rm s3://nextstrain-jobs/${runId}.zip\n`);
    expect(result.stderr).toContain(`aws s3 rm s3://nextstrain-jobs/${runId}-env.d.zip\n`);
    expect((await objectKeys(runId)).sort()).toEqual([`${runId}-env.d.zip`, `${runId}.zip`]);
    expect(await runQuotedCommands(result.stderr)).toBe(2);
    expect(await objectKeys(runId)).toEqual([]);
  });
});

describe("Control-C during an upload while the network is lost", () => {
  /** About 20 MiB that does not compress: three parts. */
  function uploadTree(prefix: string): string {
    const dir = scriptBuild(prefix, "echo never");
    writeRandomFile(path.join(dir, "data.bin"), 20 * 1024 * 1024, prefix);
    return dir;
  }

  /** Starts a build whose S3 traffic is lost for 40 s from its second part on; resolves once the loss began. */
  async function uploadIntoBlackout(prefix: string) {
    const { accessKeyId, env } = ownKey(prefix);
    await control.addFault({ kind: "blackout", service: "s3", operation: "UploadPart", after: 1, durationMs: 40_000, accessKeyId });
    const running = startNextstrainTs([...SCRIPT, uploadTree(prefix)], { env: { ...env, ...home(), AWS_MAX_ATTEMPTS: "1" }, timeoutMs: 120_000 });
    const [, runId] = await running.waitFor(/Nextstrain Run ID: (\S+)/);
    for (let tries = 0; !(await control.calls(accessKeyId)).some((call) => call.outcome === "blackout"); tries++) {
      expect(tries, "the blackout never began").toBeLessThan(600);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { running, runId: runId as string };
  }

  it("stops at once, says what it does, gives up removing the parts after a few seconds and says how to remove them (exit 130)", async () => {
    const { running, runId } = await uploadIntoBlackout("blackout-int");
    const interruptedAt = Date.now();
    running.child.kill("SIGINT");
    await running.waitFor(/Stopping the upload: removing what was uploaded from S3/);
    const result = await running.done;
    expect(result.status).toBe(130);
    // Was 54-83 s with a 30 s outage, and at least the outage: the removal now has a deadline of its own.
    expect(Date.now() - interruptedAt).toBeLessThan(25_000);
    expect(result.stderr).toContain("S3 did not answer within 5 seconds");
    expect(result.stderr).toMatch(new RegExp(`aws s3api abort-multipart-upload --bucket nextstrain-jobs --key ${runId}\\.zip --upload-id \\S+\n`));
    expect(result.stderr).toContain("aws s3api list-multipart-uploads --bucket nextstrain-jobs");
    expect(result.stderr).toContain("AbortIncompleteMultipartUpload");
    expect(await multipartUploads(runId)).toEqual([`${runId}.zip`]);
    expect(await runQuotedCommands(result.stderr)).toBe(1);
    expect(await multipartUploads(runId)).toEqual([]);
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("a second signal (%s) while the parts are being removed exits at once (%i), naming what may be left", async (signal, status) => {
    const { running, runId } = await uploadIntoBlackout(`blackout-${signal}`);
    running.child.kill("SIGINT");
    await running.waitFor(/Stopping the upload/);
    running.child.kill(signal);
    const result = await running.done;
    expect(result.status).toBe(status);
    expect(result.stderr).toContain("stopped again before S3 confirmed");
    expect(result.stderr).toMatch(new RegExp(`aws s3api abort-multipart-upload --bucket nextstrain-jobs --key ${runId}\\.zip --upload-id \\S+\n`));
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });
});
