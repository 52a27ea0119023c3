// Job control end to end, with the real binary through pipes: cancelling,
// detaching, re-attaching, and job records that outlive Batch
// (docs/compatibility.md#attaching, #signals-and-detaching). terminal.test.ts does the same on a terminal.
import { DescribeJobsCommand, BatchClient } from "@aws-sdk/client-batch";
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild, writeFiles } from "../build/fixtures.js";
import { startGate } from "../../local-aws/gate.js";
import { finished, waitFor } from "../local-aws/helpers.js";
import { ABSENT_IMAGE } from "../reliability/helpers.js";
import { plain } from "./terminal.js";

const stack = localAws();
const credentials = { accessKeyId: "x", secretAccessKey: "y" };
const batch = new BatchClient({ endpoint: stack.endpoint, region: "us-east-1", credentials });
const s3 = new S3Client({ endpoint: stack.endpoint, region: "us-east-1", credentials, forcePathStyle: true });

/** Each test keeps its own job records. */
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });
const jobIdIn = (text: string) => /AWS Batch Job ID: (\S+)/.exec(plain(text))?.[1] as string;

/** As if the job had been submitted a day ago: `jobs` takes a job Batch does not list for forgotten only after a few minutes. */
function ageRecord(nextstrainHome: string, jobId: string): void {
  const file = path.join(nextstrainHome, "jobs", `${jobId}.json`);
  const record = JSON.parse(readFileSync(file, "utf8")) as { submittedAt: string };
  writeFileSync(file, JSON.stringify({ ...record, submittedAt: new Date(Date.now() - 86_400_000).toISOString() }));
}

async function describeJob(jobId: string) {
  return (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
}

describe("through pipes", () => {
  it("cancels on a single SIGINT (C100)", async () => {
    const dir = scriptBuild("sigint", "echo started\nsleep 60");
    const running = startNextstrainTs([...SCRIPT, dir], { env: home() });
    await running.waitFor(/\[batch\] \[[^\]]+\] started/);
    running.child.kill("SIGINT");
    await running.waitFor(/Canceling job…/);
    const result = await running.done;
    expect(result.stdout).toContain("(Send SIGINT if you don't want to wait.)");
    expect(result.stdout).toMatch(/Job FAILED after .*stopped by user\)/);
  });

  it("detaches on SIGHUP; attach with the job id alone finds the directory in the record and downloads (C95, C116)", async () => {
    const gate = await startGate();
    onTestFinished(() => gate.close());
    const dir = scriptBuild("hup", `echo started\n${gate.wait}\necho done > done.txt`);
    const env = home();
    const running = startNextstrainTs([...SCRIPT, dir], { env });
    await running.waitFor(/\[batch\] \[[^\]]+\] started/);
    running.child.kill("SIGHUP");
    const detached = await running.done;
    expect(detached.status).toBe(0);
    const jobId = jobIdIn(detached.stdout);
    expect(detached.stdout).toContain(`nextstrain-ts attach ${jobId}\n`);
    expect((await describeJob(jobId))?.status).toBe("RUNNING");
    gate.open();

    const attached = await nextstrainTs(["attach", jobId], { env });
    expect(attached.status).toBe(0);
    expect(attached.stdout.match(/\] started/g)).toHaveLength(1);
    expect(readFileSync(path.join(dir, "done.txt"), "utf8")).toBe("done\n");

    const events = (await nextstrainTs(["jobs", "--all", "--json"], { env })).stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; record?: object });
    expect(events.map((event) => event.type)).toEqual(["job", "result"]);
    expect(events[0]?.record).toEqual(expect.objectContaining({ jobId, status: "SUCCEEDED", downloaded: true }));
    expect((await nextstrainTs(["jobs"], { env })).stdout).toContain("No jobs need attention");
    expect((await nextstrainTs(["jobs", "--prune"], { env })).stdout).toContain("Removed 1 record");
  });

  it("aborts the multipart upload on Control-C during the upload: nothing is left in S3 (R1, exit 130)", async () => {
    const dir = scratchDir("big");
    // 24 MiB of incompressible data (3 parts), each part held back 3 s: the upload is surely under way when interrupted.
    writeFiles(dir, { "run.sh": "#!/bin/sh\necho never\n" });
    execFileSync("sh", ["-c", `head -c ${24 * 1024 * 1024} /dev/urandom > '${path.join(dir, "big.bin")}'`]);
    const accessKeyId = `control-upload-${randomUUID()}`;
    await stack.control.addFault({ kind: "delay", service: "s3", operation: "UploadPart", delayMs: 3000, accessKeyId });
    const running = startNextstrainTs([...SCRIPT, dir], { env: { ...home(), AWS_ACCESS_KEY_ID: accessKeyId } });
    const [, runId] = await running.waitFor(/Nextstrain Run ID: (\S+)/);
    // Interrupt once the multipart upload exists (the tool then listens for Control-C).
    for (let tries = 0; ((await s3.send(new ListMultipartUploadsCommand({ Bucket: "nextstrain-jobs", Prefix: runId }))).Uploads ?? []).length === 0; tries++) {
      expect(tries).toBeLessThan(600);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running.child.kill("SIGINT");
    const result = await running.done;
    expect(result.status).toBe(130);
    expect(result.stdout).not.toContain("uploaded:");
    expect(result.stderr).toContain("Interrupted");
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "nextstrain-jobs", Prefix: runId }));
    expect(uploads.Uploads ?? []).toEqual([]);
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: "nextstrain-jobs", Prefix: runId }));
    expect(objects.Contents ?? []).toEqual([]);
  });
});

describe("detach, attach and records", () => {
  it("--detach submits and exits 0; attach downloads the results; --job-info tells scripts (C70, C71)", async () => {
    const dir = scriptBuild("detached", "echo result > result.txt");
    const env = home();
    const info = path.join(scratchDir("info"), "job.json");
    const detached = await nextstrainTs([...SCRIPT, "--detach", "--job-info", info, dir], { env });
    expect(detached.status).toBe(0);
    const jobId = jobIdIn(detached.stdout);
    expect(JSON.parse(readFileSync(info, "utf8"))).toMatchObject({ jobId, status: "SUBMITTED" });
    expect(detached.stdout).not.toContain("Watching job status");

    const attached = await nextstrainTs(["build", "--aws-batch", "--attach", jobId, "--job-info", info, dir], { env });
    expect(attached.status).toBe(0);
    expect(readFileSync(path.join(dir, "result.txt"), "utf8")).toBe("result\n");
    expect(JSON.parse(readFileSync(info, "utf8"))).toMatchObject({ jobId, status: "SUCCEEDED", exitStatus: 0 });
  });

  it("attaches to a job AWS Batch has forgotten, from the local record and then from the bucket's (C73)", async () => {
    const dir = scriptBuild("forgotten", "mkdir -p .snakemake/log\necho 'rule all: done' > .snakemake/log/2026.snakemake.log\necho out > out.txt\nexit 4");
    const env = home();
    const first = await nextstrainTs([...SCRIPT, "--no-download", dir], { env });
    expect(first.status).toBe(4);
    const jobId = jobIdIn(first.stdout);
    await stack.control.purgeJob(jobId);
    expect(await describeJob(jobId)).toBeUndefined();

    const fromRecord = await nextstrainTs(["attach", jobId], { env });
    expect(fromRecord.stdout).toContain(`AWS Batch no longer knows job ${jobId}`);
    expect(fromRecord.status).toBe(4);
    expect(readFileSync(path.join(dir, "out.txt"), "utf8")).toBe("out\n");
    expect(fromRecord.stdout).toContain("rule all: done");

    rmSync(path.join(dir, "out.txt"));
    const elsewhere = home();
    const fromBucket = await nextstrainTs(["attach", jobId, dir], { env: elsewhere });
    expect(fromBucket.stdout).toContain(`AWS Batch no longer knows job ${jobId}`);
    expect(existsSync(path.join(dir, "out.txt"))).toBe(true);
  });

  it("a detached job AWS Batch forgot before it was attached: its results show it ran to the end, attach exits 0, jobs and --prune treat it as ended", async () => {
    const dir = scriptBuild("forgotten-detached", "sleep 2\necho out > out.txt");
    const env = home();
    const jobId = jobIdIn((await nextstrainTs([...SCRIPT, "--detach", dir], { env })).stdout);
    await waitFor(batch, jobId, finished);
    await stack.control.purgeJob(jobId);
    ageRecord(env.NEXTSTRAIN_HOME, jobId);

    expect((await nextstrainTs(["jobs"], { env })).stdout).toMatch(new RegExp(`${jobId}  ENDED \\(forgotten by AWS Batch; last seen SUBMITTED\\)`));
    const attached = await nextstrainTs(["attach", jobId], { env });
    expect(attached.status, attached.stderr).toBe(0);
    expect(attached.stdout).toContain(`AWS Batch no longer knows job ${jobId}`);
    expect(attached.stdout).toMatch(/the job uploaded its results to s3:\/\/\S+ at \S+, after its submission\.\nSo its workflow ran to its end and its results are complete\. Its exit status is not known/);
    expect(readFileSync(path.join(dir, "out.txt"), "utf8")).toBe("out\n");
    expect((await nextstrainTs(["jobs"], { env })).stdout).toContain("No jobs need attention");
    expect((await nextstrainTs(["jobs", "--all"], { env })).stdout).toContain(`${jobId}  ENDED (results uploaded; exit status unknown)`);
    expect((await nextstrainTs(["jobs", "--prune"], { env })).stdout).toContain("Removed 1 record");
  });

  it("a forgotten job that never started: says it never uploaded results and what is not known, exits 1, downloads nothing", async () => {
    const dir = scriptBuild("forgotten-never", "echo out > out.txt");
    const env = home();
    const jobId = jobIdIn((await nextstrainTs([...SCRIPT, "--detach", "--image", ABSENT_IMAGE, dir], { env })).stdout);
    await waitFor(batch, jobId, finished);
    await stack.control.purgeJob(jobId);
    const attached = await nextstrainTs(["attach", jobId], { env });
    expect(attached.status).toBe(1);
    expect(attached.stdout).toContain("So the job never uploaded results: its workflow did not run to its end");
    expect(attached.stdout).toContain("Why is not known: AWS Batch kept the reason, and has forgotten it. There is nothing to download.");
    expect(attached.stdout).not.toContain("Downloading");
    expect(existsSync(path.join(dir, "out.txt"))).toBe(false);
    expect((await nextstrainTs(["jobs", "--all"], { env })).stdout).toContain(`${jobId}  ENDED (no results uploaded)`);
    expect((await nextstrainTs(["jobs", "--prune"], { env })).stdout).toContain("Removed 1 record");
  });

  it("says plainly when a job is unknown everywhere (C73)", async () => {
    const result = await nextstrainTs(["attach", "00000000-0000-4000-8000-000000000000", scratchDir("unknown")], { env: home() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid or unknown job id 00000000-0000-4000-8000-000000000000 (in region us-east-1)");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

