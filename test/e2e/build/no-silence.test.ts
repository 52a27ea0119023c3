// Jobs that never wait in silence, end to end on the local AWS stack
// (docs/jobs.md): the pre-flight check, RUNNABLE diagnosis and --max-runnable,
// retries of infrastructure losses with each attempt's log, the fallback
// queue, --timeout, and tags and name as DescribeJobs shows them.
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_COMPUTE_ENVIRONMENT } from "../../local-aws/seed.js";
import { localAws, nextstrainTs, startNextstrainTs } from "../../local-aws/run.js";
import { BUCKET, clients, createEnvironment, createQueue, describe as describeJob } from "../local-aws/helpers.js";
import { SCRIPT, scriptBuild } from "./fixtures.js";

const stack = localAws();
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const jobIdOf = (stdout: string) => /AWS Batch Job ID: (\S+)/.exec(stdout)?.[1] as string;

describe("the pre-flight check (docs/jobs.md#pre-flight-check)", () => {
  it("refuses a request no compute environment can ever place, before anything is uploaded", async () => {
    const dir = scriptBuild("preflight", "echo never");
    const result = await nextstrainTs([...SCRIPT, "--cpus", "4096", dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("The job asks for 4096 vCPUs and 7500 MiB, more than any compute environment of the job queue nextstrain-job-queue can ever give one job: the most it offers is 16 vCPUs and 65504 MiB");
    expect(result.stderr).toContain("Ask for at most 16 vCPUs and 65504 MiB");
    expect(result.stdout).not.toContain("uploaded:");
    expect(result.stdout).not.toContain("AWS Batch Job ID");
  });
});

describe("a job held RUNNABLE (docs/jobs.md#runnable)", () => {
  it("is cancelled at once when Batch says it can never start, with the fix (--no-preflight to get that far)", async () => {
    const dir = scriptBuild("never-starts", "echo never");
    const result = await nextstrainTs([...SCRIPT, "--no-preflight", "--cpus", "4096", dir]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/Job is waiting: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/);
    expect(result.stderr).toMatch(/can never start as submitted \(MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT\), so it was cancelled/);
    expect(result.stderr).toContain("--keep-waiting");
    expect(result.stderr).not.toContain("is not affected");
    const job = await describeJob(clients().batch, jobIdOf(result.stdout));
    expect(job?.statusReason).toBe("nextstrain-ts: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT");
  });

  it("is diagnosed when it waits without a reason, and cancelled by --max-runnable", async () => {
    const { batch, ec2 } = clients();
    const name = unique("small");
    await createEnvironment({ batch, ec2 }, name, { instanceTypes: ["m5.large"], maxvCpus: 2 });
    await createQueue(batch, `${name}-queue`, [name]);
    const queue = ["--aws-batch-queue", `${name}-queue`, "--cpus", "2", "--memory", "4GiB"];
    const blocker = await nextstrainTs([...SCRIPT, ...queue, "--detach", scriptBuild("blocker", "sleep 30")]);
    expect(blocker.status).toBe(0);
    const dir = scriptBuild("held", "echo never");
    const result = await nextstrainTs([...SCRIPT, ...queue, "--diagnose-after", "1s", "--max-runnable", "5s", dir]);
    await nextstrainTs(["attach", "--cancel", "--no-download", "--no-logs", jobIdOf(blocker.stdout)]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/RUNNABLE for \d+s and AWS Batch gives no reason\. What is likely holding it:\n {2}- The job queue's compute environments are at their max vCPUs \(2\) with 1 other job \(2 vCPUs\) running or starting/);
    expect(result.stderr).toMatch(/did not start within --max-runnable 5s, so it was cancelled/);
  });
});

describe("retries of what the infrastructure lost (docs/jobs.md#retries)", () => {
  it("retries a job reclaimed on attempt 1, showing both attempts' logs", async () => {
    const name = unique("reclaimed");
    await stack.control.failNextJob({ kind: "instance-terminated", jobName: name, attempts: [1], afterMs: 6000 });
    const dir = scriptBuild("reclaimed", 'echo "attempt $AWS_BATCH_JOB_ATTEMPT started"\nsleep 6\necho "attempt $AWS_BATCH_JOB_ATTEMPT" > done.txt');
    const result = await nextstrainTs([...SCRIPT, "--retry", "2", "--name", name, dir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\[batch\] \[[^\]]+\] attempt 1 started/);
    expect(result.stdout).toMatch(/Attempt 2 of 3: the instance was reclaimed \(Host EC2 \(instance i-[0-9a-f]+\) terminated\.\)/);
    expect(result.stdout).toMatch(/\[batch\] \[[^\]]+\] attempt 2 started/);
    expect(result.stdout).toMatch(/Attempts \(2\):\n {2}1: the instance was reclaimed .*\n {2}2: exited 0/);
    expect(readFileSync(path.join(dir, "done.txt"), "utf8")).toBe("attempt 2\n");
    // Kept for attempt 2 (the job was told not to delete it), removed by the tool once the job ended.
    const runId = /Nextstrain Run ID: (\S+)/.exec(result.stdout)?.[1] as string;
    await expect(clients().s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${runId}-env.d.zip` }))).rejects.toMatchObject({ name: "NotFound" });
  });

  it("does not retry the workflow's own failure", async () => {
    const dir = scriptBuild("own-failure", "echo failing\nexit 3");
    const result = await nextstrainTs([...SCRIPT, "--retry", "2", dir]);
    expect(result.status).toBe(3);
    expect(result.stdout).not.toContain("Attempt 2 of 3");
    const job = await describeJob(clients().batch, jobIdOf(result.stdout));
    expect(job?.attempts).toHaveLength(1);
  });

  it("falls back to a second queue once the attempts are lost, with one upload", async () => {
    const { batch } = clients();
    const fallback = unique("on-demand");
    await createQueue(batch, fallback, [DEFAULT_COMPUTE_ENVIRONMENT]);
    const name = unique("spot-lost");
    await stack.control.failNextJob({ kind: "instance-terminated", jobName: name, attempts: [1, 2], afterMs: 300 });
    const dir = scriptBuild("fallback", 'sleep 1\necho "ran in $AWS_BATCH_JQ_NAME" > where.txt');
    const result = await nextstrainTs([...SCRIPT, "--retry", "1", "--fallback-queue", fallback, "--name", name, dir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`All 2 attempts were lost to the infrastructure: submitting once more, to the fallback queue ${fallback} (with the archive already uploaded)`);
    expect(result.stdout.match(/^uploaded: \S+\.zip$/gm)?.filter((line) => !line.endsWith("-env.d.zip"))).toHaveLength(1);
    expect(result.stdout.match(/AWS Batch Job ID: /g)).toHaveLength(2);
    expect(readFileSync(path.join(dir, "where.txt"), "utf8")).toBe(`ran in ${fallback}\n`);
  });
});

describe("timeouts, tags and names (docs/jobs.md#timeouts-tags-and-names)", () => {
  it("ends a job that runs past --timeout", async () => {
    const dir = scriptBuild("timeout", "echo started\nsleep 600");
    const result = await nextstrainTs([...SCRIPT, "--timeout", "1m", dir]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/Job FAILED after \d+\.\d minutes \(.*Job attempt duration exceeded timeout\)/);
    expect(result.stderr).toContain("--timeout");
  });

  it("refuses a timeout under a minute, saying why", async () => {
    const result = await nextstrainTs([...SCRIPT, "--timeout", "30s", scriptBuild("short-timeout", "true")]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("argument --timeout: invalid value: '30s' (at least 1m: AWS Batch's shortest timeout)");
  });

  it("names and tags the job as DescribeJobs shows, the run id beside the name", async () => {
    const running = startNextstrainTs([...SCRIPT, "--name", "zika tutorial", "--tag", "team=flu", "--tag", "cost-centre=42", scriptBuild("zika tutorial", "true")]);
    const result = await running.done;
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/AWS Batch job name: zika-tutorial \(run id [0-9a-f-]{36}\)/);
    const job = await describeJob(clients().batch, jobIdOf(result.stdout));
    expect(job?.jobName).toBe("zika-tutorial");
    expect(job?.propagateTags).toBe(true);
    expect(job?.tags).toMatchObject({ team: "flu", "cost-centre": "42", "nextstrain-ts:tool": "nextstrain-ts", "nextstrain-ts:build": expect.stringMatching(/^zika tutorial/) });
  });
});
