import { BatchClient, DescribeJobsCommand, type JobDetail } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { JobState } from "../../../src/aws/job-state.js";
import { followJob, statusPollDelay } from "../../../src/runner/follow.js";
import { failureHint, waitingHint } from "../../../src/runner/messages.js";
import { createReporter } from "../../../src/ui/reporter.js";
import { Writable } from "node:stream";

const batch = mockClient(BatchClient);
const logs = mockClient(CloudWatchLogsClient);
const batchClient = new BatchClient({ region: "us-east-1" });
const logsClient = new CloudWatchLogsClient({ region: "us-east-1" });

beforeEach(() => {
  batch.reset();
  logs.reset();
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const stream = (into: string[]) => new Writable({ write: (chunk: Buffer, _e, done) => (into.push(chunk.toString()), done()) });
  const reporter = createReporter({ stdout: stream(out), stderr: stream(err), env: {} });
  return { reporter, stdout: () => out.join(""), stderr: () => err.join("") };
}

const job = (status: JobDetail["status"], extra: Partial<JobDetail> = {}): JobDetail => ({
  jobId: "job-1",
  jobName: "run",
  jobQueue: "q",
  jobDefinition: "d",
  status,
  startedAt: 0,
  createdAt: 0,
  ...extra,
});

function deps(io: ReturnType<typeof capture>) {
  let clock = 0;
  return {
    batch: batchClient,
    logs: async () => logsClient,
    reporter: io.reporter,
    clock: {
      now: () => clock,
      sleep: async (ms: number) => {
        clock += Math.max(ms, 1);
      },
    },
  };
}

describe("following a job (C74-C82)", () => {
  it("prints each status change once, the logs, and the final line", async () => {
    const running = job("RUNNING", { container: { logStreamName: "d/default/job-1" } });
    batch
      .on(DescribeJobsCommand)
      .resolvesOnce({ jobs: [job("SUBMITTED")] })
      .resolvesOnce({ jobs: [job("RUNNABLE")] })
      .resolvesOnce({ jobs: [job("RUNNABLE")] })
      .resolvesOnce({ jobs: [running] })
      .resolvesOnce({ jobs: [running] })
      .resolves({
        jobs: [job("SUCCEEDED", { stoppedAt: 90_000, statusReason: "Essential container in task exited", container: { exitCode: 0, logStreamName: "d/default/job-1" } })],
      });
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ timestamp: 1_700_000_000_000, message: "+ snakemake" }], nextForwardToken: "f/1" })
      .resolves({ events: [], nextForwardToken: "f/1" });
    const io = capture();
    const final = await followJob("job-1", deps(io), { logs: true });
    expect(final.exitStatus).toBe(0);
    const lines = io.stdout().split("\n");
    expect(lines.filter((line) => line.startsWith("Job now"))).toEqual(["Job now SUBMITTED", "Job now RUNNABLE", "Job now RUNNING"]);
    expect(lines.some((line) => /^\[batch\] \[2023-11-1\dT\d\d:\d\d:20[+-]\d\d:\d\d\] \+ snakemake$/.test(line))).toBe(true);
    expect(lines).toContain("Job SUCCEEDED after 1.5 minutes (exited 0)");
    expect(io.stderr()).toBe("");
  });

  it("does not repeat the status shown on attach, and shows a waiting job's reason at once", async () => {
    const stuck = job("RUNNABLE", { statusReason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue." });
    batch.on(DescribeJobsCommand).resolvesOnce({ jobs: [stuck] }).resolvesOnce({ jobs: [stuck] }).resolves({ jobs: [job("FAILED", { stoppedAt: 60_000, statusReason: "stopped by user" })] });
    const io = capture();
    const final = await followJob("job-1", deps(io), { logs: false, shownStatus: "RUNNABLE" });
    expect(io.stdout()).not.toContain("Job now RUNNABLE");
    expect(io.stdout().match(/Job is waiting: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/g)).toHaveLength(1);
    expect(io.stderr()).toContain("more vCPUs or memory than the queue's compute environments offer");
    expect(final.exitStatus).toBe(1);
    expect(final.stoppedByUser).toBe(true);
  });

  it("waits out throttled DescribeJobs calls (R2)", async () => {
    const throttled = Object.assign(new Error("Too Many Requests"), { name: "TooManyRequestsException", $metadata: { httpStatusCode: 429 } });
    batch
      .on(DescribeJobsCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ jobs: [job("FAILED", { stoppedAt: 1, container: { exitCode: 3 } })] });
    const io = capture();
    expect((await followJob("job-1", deps(io), { logs: false })).exitStatus).toBe(3);
    expect(io.stderr().match(/did not answer/g)).toHaveLength(1);
  });

  it("notes a log stream that never appeared", async () => {
    batch.on(DescribeJobsCommand).resolves({
      jobs: [job("FAILED", { stoppedAt: 1, statusReason: "CannotPullContainerError: pull access denied", container: { logStreamName: "d/default/job-1" } })],
    });
    logs.on(GetLogEventsCommand).rejects(Object.assign(new Error("The specified log stream does not exist."), { name: "ResourceNotFoundException" }));
    const io = capture();
    const final = await followJob("job-1", deps(io), { logs: true });
    expect(final.exitStatus).toBe(1);
    expect(io.stderr()).toContain("never appeared");
    expect(io.stdout()).toContain("(CannotPullContainerError: pull access denied)");
  });

  it("says when Batch does not know the job", async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    await expect(followJob("job-x", deps(capture()), { logs: false })).rejects.toThrow("AWS Batch no longer knows job job-x");
  });
});

describe("polling and hints", () => {
  it.each([
    [0, 2000],
    [59_999, 2000],
    [60_000, 6000],
  ])("after %d ms, waits %d ms", (elapsed, delay) => expect(statusPollDelay(elapsed)).toBe(delay));

  it.each([
    ["MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big", /more vCPUs or memory/],
    ["MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - x", /misconfigured/],
    ["CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - x", /no capacity/],
  ])("%s", (reason, hint) => expect(waitingHint(reason)).toMatch(hint));

  it("has no hint for ordinary reasons", () => expect(waitingHint("Waiting for instances")).toBeUndefined());
});

describe("what to do after a failed job (R5)", () => {
  const failed = (statusReason: string | undefined, container: JobDetail["container"] = {}) => new JobState(job("FAILED", { statusReason, container }));
  it.each([
    ["stopped", failed("stopped by user"), /Run the build again/],
    ["out of memory", failed("Essential container in task exited", { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" }), /--memory/],
    ["timeout", failed("Job attempt duration exceeded timeout", { exitCode: 137 }), /timeout/],
    ["host gone", failed("Host EC2 (instance i-0abc) terminated."), /Run the build again/],
    ["never started", failed("Task failed to start", { reason: "CannotPullContainerError: no such image" }), /--image/],
    ["workflow failed", failed("Essential container in task exited", { exitCode: 3 }), /exited with status 3/],
  ])("%s", (_name, state, hint) => expect(failureHint(state)).toMatch(hint));

  it("says nothing for a job that succeeded, or failed without a known cause", () => {
    expect(failureHint(new JobState(job("SUCCEEDED", { container: { exitCode: 0 } })))).toBeUndefined();
    expect(failureHint(failed(undefined))).toBeUndefined();
  });
});
