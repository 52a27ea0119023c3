import { BatchClient, SubmitJobCommand, TerminateJobCommand } from "@aws-sdk/client-batch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { submitJob, terminateJob } from "../../../src/aws/batch.js";
import { backoffDelay, isRetryable, RETRY_POLICIES, withRetries, type AwsCall, type Clock } from "../../../src/aws/retry.js";

const error = (name: string, status: number, extra: object = {}) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...extra });
const throttled = () => error("ThrottlingException", 400);
const unavailable = () => error("ServiceUnavailable", 503);
const reset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
const expired = () => error("ExpiredTokenException", 400, { $retryable: { throttling: true } });
const refused = () => error("ClientException", 400);

/** A clock that only moves when slept on, recording each wait. */
function fakeClock(): Clock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return { waits, now: () => now, sleep: async (ms) => void (waits.push(ms), (now += ms)) };
}

describe("the retry policy table (R1, R2)", () => {
  const calls = Object.keys(RETRY_POLICIES) as AwsCall[];

  it.each(calls)("%s never retries an expired or refused token, nor a plain refusal", (call) => {
    const policy = RETRY_POLICIES[call];
    expect(isRetryable(policy, expired())).toBe(false);
    expect(isRetryable(policy, refused())).toBe(false);
    expect(isRetryable(policy, throttled())).toBe(true);
  });

  it.each([
    ["s3-transfer", true],
    ["batch-read", true],
    ["batch-terminate", true],
    ["job-status", true],
    ["logs-poll", true],
    ["batch-submit", false],
  ] as const)("%s retries 5xx answers and resets: %j", (call, retried) => {
    expect(isRetryable(RETRY_POLICIES[call], unavailable())).toBe(retried);
    expect(isRetryable(RETRY_POLICIES[call], reset())).toBe(retried);
  });

  it("follows a job through any outage, and slows Logs to 30 s without jitter", () => {
    expect(RETRY_POLICIES["job-status"].attempts).toBe(Infinity);
    expect([1, 2, 3, 5, 20].map((attempt) => backoffDelay(RETRY_POLICIES["logs-poll"], attempt, () => 0))).toEqual([2000, 4000, 8000, 30000, 30000]);
  });

  it("spreads other retries with full jitter over an exponential ceiling", () => {
    const policy = RETRY_POLICIES["s3-transfer"];
    expect([backoffDelay(policy, 1, () => 0), backoffDelay(policy, 1, () => 1)]).toEqual([250, 500]);
    expect(backoffDelay(policy, 30, () => 1)).toBe(policy.maxDelayMs);
  });
});

describe("withRetries", () => {
  it("waits on the injected clock, and stops after the policy's attempts", async () => {
    const clock = fakeClock();
    let tries = 0;
    const failing = () => Promise.reject((tries++, unavailable()));
    await expect(withRetries("s3-removal", failing, { clock, random: () => 1 })).rejects.toThrow("ServiceUnavailable");
    expect(tries).toBe(RETRY_POLICIES["s3-removal"].attempts);
    expect(clock.waits).toEqual([250, 500, 1000]);
  });

  it("does not retry once the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stopped"));
    let tries = 0;
    await expect(withRetries("s3-transfer", () => Promise.reject((tries++, unavailable())), { signal: controller.signal, clock: fakeClock() })).rejects.toThrow();
    expect(tries).toBe(1);
  });
});

describe("Batch calls under the policy", () => {
  const batch = mockClient(BatchClient);
  const client = new BatchClient({ region: "us-east-1" });
  beforeEach(() => batch.reset());

  it("SubmitJob is sent again when throttled, never after a 5xx that may hide a created job", async () => {
    batch.on(SubmitJobCommand).rejectsOnce(throttled()).resolves({ jobId: "job-1", jobName: "r", jobArn: "arn" });
    expect(await submitJob(client, { jobName: "r", jobQueue: "q", jobDefinition: "d" }, "us-east-1", { clock: fakeClock() })).toBe("job-1");
    batch.reset();
    batch.on(SubmitJobCommand).rejectsOnce(unavailable()).resolves({ jobId: "job-2", jobName: "r", jobArn: "arn" });
    await expect(submitJob(client, { jobName: "r", jobQueue: "q", jobDefinition: "d" }, "us-east-1", { clock: fakeClock() })).rejects.toThrow("ServiceUnavailable");
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(1);
  });

  it("TerminateJob is retried through a 5xx", async () => {
    batch.on(TerminateJobCommand).rejectsOnce(unavailable()).resolves({});
    await terminateJob(client, "job-1", "stopped by user", { clock: fakeClock() });
    expect(batch.commandCalls(TerminateJobCommand)).toHaveLength(2);
  });
});
