// The rules behind jobs that never wait in silence (docs/jobs.md), as tables.
import type { JobDetail } from "@aws-sdk/client-batch";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { QueueView } from "../../../src/aws/capacity.js";
import { jobSize } from "../../../src/aws/capacity.js";
import { JobState } from "../../../src/aws/job-state.js";
import { parseDuration, showDuration, TAGS, RETRIES, duration } from "../../../src/config/run-value-types.js";
import { diagnoseRunnable, placementRefusal } from "../../../src/runner/capacity-rules.js";
import { keptEnvd } from "../../../src/runner/environment.js";
import { lostToInfrastructure } from "../../../src/runner/fallback.js";
import { waitedText } from "../../../src/runner/job-status.js";
import { attemptsReport, attemptStarted } from "../../../src/runner/messages.js";
import { JobCancelled, neverStartCode, RunnableWatch, type WaitingRules } from "../../../src/runner/runnable.js";
import { createReporter } from "../../../src/ui/reporter.js";
import { sampleRecord } from "../state/fixtures.js";

const env = (name: string, extra: Partial<QueueView["environments"][number]> = {}) => ({
  name,
  state: "ENABLED",
  status: "VALID",
  maxvCpus: 256,
  largest: { vcpus: 16, memoryMiB: 65504 },
  ...extra,
});
const queue = (environments: QueueView["environments"], extra: Partial<QueueView> = {}): QueueView => ({ name: "q", state: "ENABLED", status: "VALID", environments, ...extra });

describe("whether a queue can ever place a job (pre-flight)", () => {
  it.each([
    ["fits", queue([env("ce")]), { vcpus: 16, memoryMiB: 65504 }, undefined],
    ["too many vCPUs for any instance", queue([env("ce")]), { vcpus: 17, memoryMiB: 1 }, /the most it offers is 16 vCPUs and 65504 MiB/],
    ["more memory than an instance less the agent's share", queue([env("ce")]), { vcpus: 1, memoryMiB: 65505 }, /more than any compute environment/],
    ["capped by maxvCpus", queue([env("ce", { maxvCpus: 4 })]), { vcpus: 8 }, /the most it offers is 4 vCPUs/],
    ["fits the second environment", queue([env("small", { largest: { vcpus: 2, memoryMiB: 8160 } }), env("big")]), { vcpus: 16 }, undefined],
    ["a disabled queue", queue([env("ce")], { state: "DISABLED" }), {}, /The job queue q is DISABLED and VALID: it places no job/],
    ["only a disabled environment", queue([env("ce", { state: "DISABLED" })]), {}, /No compute environment of the job queue q is ENABLED and VALID.*ce \(DISABLED, VALID\)/],
    ["an INVALID environment", queue([env("ce", { status: "INVALID", statusReason: "CLIENT_ERROR - Invalid IamInstanceProfile" })]), {}, /ce \(ENABLED, INVALID: CLIENT_ERROR - Invalid IamInstanceProfile\)/],
    ["unknown instance types count as fitting", queue([env("ce", { largest: undefined })]), { vcpus: 4096 }, undefined],
  ] as const)("%s", (_name, view, request, problem) => {
    const refusal = placementRefusal(view, request);
    if (problem === undefined) expect(refusal).toBeUndefined();
    else expect(refusal?.problem).toMatch(problem);
  });
});

describe("what holds a RUNNABLE job that Batch gives no reason for", () => {
  it("counts the jobs filling the environments' max vCPUs", () => {
    expect(diagnoseRunnable(queue([env("ce", { maxvCpus: 4 })]), { vcpus: 2 }, { count: 2, vcpus: 4 })[0]).toBe(
      "The job queue's compute environments are at their max vCPUs (4) with 2 other jobs (4 vCPUs) running or starting: the job starts as they end. A higher maxvCpus lets more run at once.",
    );
  });

  it("repeats an environment's capacity or limit message, and says so when nothing explains it", () => {
    const limited = env("ce", { statusReason: "The instance limit for m5.4xlarge has been reached" });
    expect(diagnoseRunnable(queue([limited]), { vcpus: 1 }, { count: 0, vcpus: 0 })).toEqual(["The compute environment ce says: The instance limit for m5.4xlarge has been reached"]);
    expect(diagnoseRunnable(queue([env("ce")]), { vcpus: 1 }, { count: 0, vcpus: 0 })[0]).toMatch(/^Nothing read from AWS explains it/);
  });

  it("reads a job's size from its resource requirements, else its older fields", () => {
    expect(jobSize({ container: { resourceRequirements: [{ type: "VCPU", value: "4" }, { type: "MEMORY", value: "7500" }] } })).toEqual({ vcpus: 4, memoryMiB: 7500 });
    expect(jobSize({ container: { vcpus: 2, memory: 512 } })).toEqual({ vcpus: 2, memoryMiB: 512 });
    expect(jobSize({})).toEqual({});
  });
});

describe("a job held RUNNABLE, watched", () => {
  const reason = "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.";
  const state = (status: JobDetail["status"], statusReason?: string) => new JobState({ jobId: "j", jobName: "n", jobQueue: "q", jobDefinition: "d", status, statusReason, createdAt: 0 } as JobDetail);

  function watch(rules: Partial<WaitingRules>) {
    let now = 0;
    const cancelled: string[] = [];
    let err = "";
    const reporter = createReporter({ stdout: new Writable({ write: (_c, _e, done) => done() }), stderr: new Writable({ write: (c: Buffer, _e, done) => ((err += c.toString()), done()) }), env: {} });
    const full: WaitingRules = { keepWaiting: false, diagnoseAfterMs: 300_000, diagnose: async () => ["the environment is full"], cancel: async (why) => void cancelled.push(why), ...rules };
    const runnable = new RunnableWatch(full, reporter, { now: () => now, sleep: async () => {} });
    return { runnable, cancelled, stderr: () => err, advance: (ms: number) => (now += ms) };
  }

  it.each([
    [reason, "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"],
    ["MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.", "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"],
    ["MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - Batch service role has a permission issue.", undefined],
    ["CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - ...", undefined],
    [undefined, undefined],
  ])("%s can never start: %s", (text, code) => expect(neverStartCode(text)).toBe(code));

  it("cancels a job that can never start, with the fix; --keep-waiting leaves it", async () => {
    const cancelling = watch({});
    await expect(cancelling.runnable.check(state("RUNNABLE", reason))).rejects.toThrow(JobCancelled);
    expect(cancelling.cancelled).toEqual(["nextstrain-ts: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"]);
    const keeping = watch({ keepWaiting: true });
    await keeping.runnable.check(state("RUNNABLE", reason));
    expect(keeping.cancelled).toEqual([]);
  });

  it("says once what is likely holding a job RUNNABLE without a reason, after diagnose-after", async () => {
    const held = watch({ diagnoseAfterMs: 60_000 });
    await held.runnable.check(state("RUNNABLE"));
    held.advance(59_000);
    await held.runnable.check(state("RUNNABLE"));
    expect(held.stderr()).toBe("");
    held.advance(1_000);
    await held.runnable.check(state("RUNNABLE"));
    held.advance(60_000);
    await held.runnable.check(state("RUNNABLE"));
    expect(held.stderr().match(/has been RUNNABLE for 1m and AWS Batch gives no reason\. What is likely holding it:\n {2}- the environment is full/g)).toHaveLength(1);
  });

  it("cancels a job RUNNABLE longer than --max-runnable, counting from when it became RUNNABLE", async () => {
    const held = watch({ maxRunnableMs: 120_000 });
    await held.runnable.check(state("SUBMITTED"));
    held.advance(100_000);
    await held.runnable.check(state("RUNNABLE"));
    held.advance(119_000);
    await held.runnable.check(state("RUNNABLE"));
    held.advance(1_000);
    await expect(held.runnable.check(state("RUNNABLE"))).rejects.toThrow("did not start within --max-runnable 2m, so it was cancelled. What is likely holding it:\n  - the environment is full");
    expect(held.cancelled).toEqual(["nextstrain-ts: RUNNABLE for more than --max-runnable 2m"]);
  });
});

describe("attempts", () => {
  const lost = { statusReason: "Host EC2 (instance i-0abc) terminated.", container: {} };
  const job = (detail: Partial<JobDetail>) => new JobState({ jobId: "j", jobName: "n", jobQueue: "q", jobDefinition: "d", status: "RUNNING", createdAt: 0, ...detail } as JobDetail);

  it("says a new attempt began, and why the last one ended", () => {
    const second = job({ attempts: [lost], retryStrategy: { attempts: 3 } });
    expect(attemptStarted(second, 0)).toEqual({ number: 2, label: "Attempt 2 of 3:", detail: "the instance was reclaimed (Host EC2 (instance i-0abc) terminated.)" });
    expect(attemptStarted(second, 1)).toBeUndefined();
    expect(attemptStarted(job({ attempts: [lost] }), 0)).toBeUndefined();
  });

  it("lists the attempts after the final line, when there were several", () => {
    const done = job({ status: "SUCCEEDED", attempts: [lost, { statusReason: "Essential container in task exited", container: { exitCode: 0 } }] });
    expect(attemptsReport(done)).toEqual(["Attempts (2):", "  1: the instance was reclaimed (Host EC2 (instance i-0abc) terminated.)", "  2: exited 0"]);
    expect(attemptsReport(job({ attempts: [lost] }))).toEqual([]);
  });

  it.each([
    ["every attempt lost to the instance", { status: "FAILED", attempts: [lost, lost] }, true],
    ["the workflow failed on the last", { status: "FAILED", attempts: [lost, { statusReason: "Essential container in task exited", container: { exitCode: 1 } }] }, false],
    ["succeeded", { status: "SUCCEEDED", attempts: [lost, { container: { exitCode: 0 } }] }, false],
    ["never ran", { status: "FAILED", attempts: [] }, false],
  ] as const)("falls back when %s: %j", (_name, detail, falls) => expect(lostToInfrastructure(job(detail as unknown as Partial<JobDetail>))).toBe(falls));
});

describe("settings of how a job runs", () => {
  it.each([
    ["90", 90],
    ["90s", 90],
    ["15m", 900],
    ["1h30m", 5400],
    ["2d", 172_800],
    ["1.5h", undefined],
    ["soon", undefined],
  ])("duration %j is %j seconds", (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it("shows durations shortly, and refuses a timeout under a minute", () => {
    expect([showDuration(45), showDuration(300), showDuration(5400), showDuration(3601)]).toEqual(["45s", "5m", "1h30m", "1h1s"]);
    expect(duration({ minimum: 60, why: "AWS Batch's shortest timeout" }).parse("59")).toMatchObject({ ok: false, flag: "invalid value: '59' (at least 1m: AWS Batch's shortest timeout)" });
  });

  it("reads tags from repeated flags or a comma list, the last of a key winning, and refuses bad ones", () => {
    expect(TAGS.parse("team=flu\nproject=ncov, team=mpox")).toEqual({ ok: true, value: { team: "mpox", project: "ncov" } });
    expect(TAGS.parse("novalue")).toMatchObject({ ok: false });
    expect(TAGS.parse("aws:owner=me")).toMatchObject({ ok: false });
  });

  it("takes 0 to 9 retries (10 attempts in all)", () => {
    expect(RETRIES.parse("9")).toEqual({ ok: true, value: 9 });
    expect(RETRIES.parse("10")).toMatchObject({ ok: false });
    expect(RETRIES.parse("-1")).toMatchObject({ ok: false });
  });
});

describe("what the jobs list and the env.d clean-up read", () => {
  it("shows how long a job waited to start, or has waited so far", () => {
    const submitted = "2026-12-01T10:00:00.000Z";
    const now = Date.parse("2026-12-01T10:12:00.000Z");
    expect(waitedText({ ...sampleRecord(), submittedAt: submitted, status: "RUNNABLE" }, now)).toBe("12m so far");
    expect(waitedText({ ...sampleRecord(), submittedAt: submitted, status: "RUNNING", startedAt: "2026-12-01T10:05:30.000Z" }, now)).toBe("5m30s");
    expect(waitedText({ ...sampleRecord(), submittedAt: submitted, status: "FAILED" }, now)).toBe("-");
  });

  it("knows the env.d archive a job was told to keep", () => {
    expect(keptEnvd([{ name: "NEXTSTRAIN_ENVD_URL", value: "s3://b/r-env.d.zip" }])).toBe("s3://b/r-env.d.zip");
    expect(keptEnvd([{ name: "NEXTSTRAIN_ENVD_URL", value: "s3://b/r-env.d.zip" }, { name: "NEXTSTRAIN_DELETE_ENVD", value: "1" }])).toBeUndefined();
    expect(keptEnvd(undefined)).toBeUndefined();
  });
});
