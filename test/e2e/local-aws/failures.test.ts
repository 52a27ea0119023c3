// Failures simulated on request through the stack's control API: out of
// memory, instance terminated, container that cannot start, throttling, 5xx
// errors, and jobs Batch has forgotten. Each must look as it does on AWS.
import { BatchServiceException, DescribeJobsCommand, RegisterJobDefinitionCommand } from "@aws-sdk/client-batch";
import { GetLogEventsCommand, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { describe as group, expect, it } from "vitest";
import { localAws } from "../../local-aws/run.js";
import { BUCKET, clients, describe, finished, LOG_GROUP, logMessages, submit, waitFor, waitForLine } from "./helpers.js";

const { batch, logs } = clients();
const { control } = localAws();

group("simulated failures", () => {
  it("kills a job for using too much memory (R5)", async () => {
    // Failed once its line is out, however long the machine takes to get there.
    const jobId = await submit(batch, { command: ["sh", "-c", "echo allocating; sleep 30"] });
    const { job: running } = await waitFor(batch, jobId, (j) => j.status === "RUNNING");
    await waitForLine(logs, running.container!.logStreamName!, "allocating");
    await control.failJob(jobId, { kind: "out-of-memory" });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("FAILED");
    expect(job.container?.exitCode).toBe(137);
    expect(job.container?.reason).toBe("OutOfMemoryError: Container killed due to memory usage");
    expect(job.statusReason).toBe("Essential container in task exited");
    expect((await logMessages(logs, job.container!.logStreamName!)).map((e) => e.message)).toEqual(["allocating"]);
  });

  it("loses a running job with its instance: no exit code (R5)", async () => {
    const jobId = await submit(batch, { command: ["sleep", "30"] });
    await waitFor(batch, jobId, (j) => j.status === "RUNNING");
    await control.failJob(jobId, { kind: "instance-terminated" });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("FAILED");
    expect(job.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.$/);
    expect(job.container?.exitCode).toBeUndefined();
    expect(job.attempts?.[0]?.statusReason).toBe(job.statusReason);
  });

  it("retries after an instance is lost when the retry strategy allows it", async () => {
    const jobName = `spot-${randomUUID()}`;
    await control.failNextJob({ kind: "instance-terminated", jobName });
    const jobId = await submit(batch, { jobName, command: ["true"], retryStrategy: { attempts: 2 } });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attempts?.map((a) => a.statusReason)).toEqual([expect.stringMatching(/^Host EC2/), "Essential container in task exited"]);
  });

  it("fails a job whose container cannot start: a log stream is named but never appears (R5)", async () => {
    const jobName = `pull-${randomUUID()}`;
    await control.failNextJob({ kind: "cannot-pull", jobName });
    const jobId = await submit(batch, { jobName, command: ["true"] });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("FAILED");
    expect(job.statusReason).toBe("Task failed to start");
    expect(job.container?.reason).toMatch(/^CannotPullContainerError: /);
    expect(job.container?.exitCode).toBeUndefined();
    expect(job.container?.logStreamName).toBe(`nextstrain-job/default/${jobId}`);
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: job.container!.logStreamName! }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("cannot pull an image no directory serves", async () => {
    const jobDefinitionName = `unknown-image-${Date.now()}`;
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName, type: "container", containerProperties: { image: "example.org/missing:1", resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "256" }] } }));
    const jobId = await submit(batch, { jobDefinition: jobDefinitionName, command: ["true"] });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.container?.reason).toMatch(/^CannotPullContainerError: .*example\.org\/missing:1/);
  });

  it("throttles a chosen share of Batch calls with TooManyRequestsException (R2)", async () => {
    const accessKeyId = `throttled-${randomUUID()}`;
    const noRetry = clients({ accessKeyId, maxAttempts: 1 });
    const jobId = await submit(batch, { command: ["true"] });
    await control.addFault({ kind: "throttle", service: "batch", operation: "DescribeJobs", fraction: 0.5, accessKeyId });
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      try {
        await noRetry.batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
        outcomes.push("ok");
      } catch (error) {
        // Batch does not model this error: the SDK raises its base class, named after the error type.
        expect(error).toBeInstanceOf(BatchServiceException);
        expect((error as BatchServiceException).name).toBe("TooManyRequestsException");
        expect((error as BatchServiceException).$metadata.httpStatusCode).toBe(429);
        outcomes.push("throttled");
      }
    }
    expect(outcomes).toEqual(["ok", "throttled", "ok", "throttled", "ok", "throttled"]);
    // With its default retries the SDK gets through.
    const retrying = clients({ accessKeyId }).batch;
    const answer = await retrying.send(new DescribeJobsCommand({ jobs: [jobId] }));
    expect(answer.jobs?.[0]?.jobId).toBe(jobId);
  });

  it("answers 5xx and throttling for S3 and CloudWatch Logs in their own shapes (R1, R2)", async () => {
    const accessKeyId = `faulty-${randomUUID()}`;
    const faulty = clients({ accessKeyId });
    const key = `${randomUUID()}.txt`;
    await faulty.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "payload" }));
    await control.addFault({ kind: "server-error", service: "s3", operation: "GetObject", count: 2, accessKeyId });
    const object = await faulty.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await object.Body!.transformToString()).toBe("payload");
    expect(object.$metadata.attempts).toBe(3);

    await control.addFault({ kind: "throttle", service: "logs", operation: "GetLogEvents", count: 1, accessKeyId });
    const { logs: noRetryLogs } = clients({ accessKeyId, maxAttempts: 1 });
    await expect(noRetryLogs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: "none" }))).rejects.toMatchObject({ name: "ThrottlingException" });
    await expect(noRetryLogs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: "none" }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("forgets a purged job, as Batch does some days after it ends", async () => {
    const jobId = await submit(batch, { command: ["true"] });
    await waitFor(batch, jobId, finished);
    await control.purgeJob(jobId);
    expect(await describe(batch, jobId)).toBeUndefined();
  });

  it("leaves a just-submitted job out of DescribeJobs for a while, when asked", async () => {
    const jobName = `late-${randomUUID()}`;
    await control.hideNextJob({ jobName, ms: 700 });
    const jobId = await submit(batch, { jobName, command: ["true"] });
    expect(await describe(batch, jobId)).toBeUndefined();
    const { job } = await waitFor(batch, jobId, (j) => j.status !== undefined);
    expect(Date.now() - job.createdAt!).toBeGreaterThanOrEqual(700);
  });

  it("changes delays on request", async () => {
    const before = await control.getDelays();
    try {
      const after = await control.setDelays({ pendingMs: before.pendingMs + 1 });
      expect(after.pendingMs).toBe(before.pendingMs + 1);
      await expect(control.setDelays({ nonsense: 1 } as never)).rejects.toThrow(/bad delay/);
    } finally {
      await control.setDelays(before);
    }
  });
});
