// The Batch emulator's job lifecycle through the AWS SDK: the full cycle,
// states and timestamps, jobs stuck RUNNABLE, TerminateJob / CancelJob,
// timeouts, retries, and errors in the AWS shape.
import {
  CancelJobCommand,
  ClientException,
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
} from "@aws-sdk/client-batch";
import { describe as group, expect, it } from "vitest";
import { localAws } from "../../local-aws/run.js";
import { clients, describe, finished, logMessages, nextstrainCommand, readWorkdir, submit, uploadBuild, waitFor, waitForLine } from "./helpers.js";

const { batch, s3, logs } = clients();
const ORDER = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"];

group("job lifecycle", () => {
  it("runs a build through the SDK: upload, submit, states in order, logs with timestamps, results in the ZIP (C104)", async () => {
    const url = await uploadBuild(s3, { "input.txt": "zika\n", "run.sh": "#!/bin/sh\necho reading input.txt\ntr a-z A-Z < input.txt > output.txt\necho oops >&2\n" }, ["run.sh"]);
    const jobId = await submit(batch, { command: nextstrainCommand(["./run.sh"]), environment: { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url } });

    const streams = new Map<string, string | undefined>();
    const { job, seen } = await waitFor(batch, jobId, (j) => {
      streams.set(j.status!, j.container?.logStreamName);
      return finished(j);
    });
    expect(job.status).toBe("SUCCEEDED");
    expect(seen).toEqual([...seen].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)));
    expect(seen).toEqual(expect.arrayContaining(["RUNNING", "SUCCEEDED"]));
    for (const status of ["SUBMITTED", "PENDING", "RUNNABLE"]) {
      if (streams.has(status)) expect(streams.get(status), status).toBeUndefined();
    }
    if (streams.has("STARTING")) expect(streams.get("STARTING")).toBe(`nextstrain-job/default/${jobId}`);

    expect(job.createdAt).toBeLessThanOrEqual(job.startedAt!);
    expect(job.startedAt).toBeLessThanOrEqual(job.stoppedAt!);
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts![0]!.container!.exitCode).toBe(0);
    expect(job.statusReason).toBe("Essential container in task exited");

    const events = await logMessages(logs, job.container!.logStreamName!);
    const reading = events.find((e) => e.message === "reading input.txt");
    expect(reading, JSON.stringify(events)).toBeDefined();
    expect(events.map((e) => e.message)).toContain("oops");
    expect(reading!.timestamp).toBeGreaterThanOrEqual(job.startedAt! - 1000);
    expect(reading!.timestamp).toBeLessThanOrEqual(job.stoppedAt!);

    const workdir = await readWorkdir(s3, url);
    expect(workdir.read("output.txt")).toBe("ZIKA\n");
  });

  it("exits with the command's status, and the results still go back (C104)", async () => {
    const url = await uploadBuild(s3, { "run.sh": "#!/bin/sh\necho partial > partial.txt\nexit 3\n" }, ["run.sh"]);
    const jobId = await submit(batch, { command: nextstrainCommand(["./run.sh"]), environment: { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url } });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("FAILED");
    expect(job.container?.exitCode).toBe(3);
    expect(job.statusReason).toBe("Essential container in task exited");
    expect((await readWorkdir(s3, url)).read("partial.txt")).toBe("partial\n");
  });

  it("leaves a job asking for more vCPUs or memory than the queue offers RUNNABLE with a MISCONFIGURATION reason", async () => {
    for (const requirement of [{ type: "VCPU" as const, value: "64" }, { type: "MEMORY" as const, value: String(200 * 1024) }]) {
      const jobId = await submit(batch, { command: ["true"], containerOverrides: { resourceRequirements: [requirement] } });
      const { job } = await waitFor(batch, jobId, (j) => j.status === "RUNNABLE" && j.statusReason !== undefined);
      expect(job.statusReason).toMatch(/^MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await describe(batch, jobId))?.status).toBe("RUNNABLE");
      await batch.send(new CancelJobCommand({ jobId, reason: "stuck" }));
      const cancelled = await describe(batch, jobId);
      expect(cancelled?.status).toBe("FAILED");
      expect(cancelled?.statusReason).toBe("stuck");
      expect(cancelled?.attempts).toEqual([]);
    }
  });

  it("terminates a RUNNING job: SIGTERM, then SIGKILL after the grace period; reason kept, no results uploaded (C101)", async () => {
    const url = await uploadBuild(s3, { "run.sh": "#!/bin/sh\necho started\nsleep 30\necho never > never.txt\n" }, ["run.sh"]);
    const jobId = await submit(batch, { command: nextstrainCommand(["./run.sh"]), environment: { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url } });
    const { job: running } = await waitFor(batch, jobId, (j) => j.status === "RUNNING");
    await waitForLine(logs, running.container!.logStreamName!, "started");
    const stopAt = Date.now();
    await batch.send(new TerminateJobCommand({ jobId, reason: "stopped by user" }));
    const { job } = await waitFor(batch, jobId, finished);
    const { killGraceMs } = await localAws().control.getDelays();
    // The job side's shell is PID 1 and ignores SIGTERM, as in Docker: only SIGKILL ends it.
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(killGraceMs - 100);
    expect(job.status).toBe("FAILED");
    expect(job.statusReason).toBe("stopped by user");
    expect(job.container?.exitCode).toBe(137);
    expect((await readWorkdir(s3, url)).members).not.toContain("never.txt");
  });

  it("delivers SIGTERM to a PID 1 that traps it", async () => {
    const jobId = await submit(batch, { command: ["sh", "-c", "trap 'echo got TERM; exit 7' TERM; echo waiting; while :; do sleep 0.05; done"] });
    const { job: running } = await waitFor(batch, jobId, (j) => j.status === "RUNNING");
    await waitForLine(logs, running.container!.logStreamName!, "waiting");
    await batch.send(new TerminateJobCommand({ jobId, reason: "enough" }));
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.container?.exitCode).toBe(7);
    expect(job.statusReason).toBe("enough");
    expect((await logMessages(logs, job.container!.logStreamName!)).map((e) => e.message)).toContain("got TERM");
  });

  it("does not cancel a job that has started (CancelJob), but terminates one that has not (TerminateJob)", async () => {
    const runningId = await submit(batch, { command: ["sleep", "1"] });
    await waitFor(batch, runningId, (j) => j.status === "RUNNING");
    await batch.send(new CancelJobCommand({ jobId: runningId, reason: "too late" }));
    const { job } = await waitFor(batch, runningId, finished);
    expect(job.status).toBe("SUCCEEDED");

    const queuedId = await submit(batch, { command: ["true"] });
    await batch.send(new TerminateJobCommand({ jobId: queuedId, reason: "never mind" }));
    const queued = await describe(batch, queuedId);
    expect(queued?.status).toBe("FAILED");
    expect(queued?.statusReason).toBe("never mind");
    expect(queued?.container?.logStreamName).toBeUndefined();
  });

  it("stops an attempt that exceeds timeout.attemptDurationSeconds and does not retry it", async () => {
    const jobId = await submit(batch, { command: ["sh", "-c", "trap 'exit 143' TERM; while :; do sleep 0.05; done"], timeout: { attemptDurationSeconds: 60 }, retryStrategy: { attempts: 3 } });
    const { job } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("FAILED");
    expect(job.statusReason).toBe("Job attempt duration exceeded timeout");
    expect(job.attempts).toHaveLength(1);
    expect(job.timeout).toEqual({ attemptDurationSeconds: 60 });
  });

  it("retries failed attempts per retryStrategy, each with its own log stream", async () => {
    const script = 'echo "attempt $AWS_BATCH_JOB_ATTEMPT"; test "$AWS_BATCH_JOB_ATTEMPT" -ge 2';
    const jobId = await submit(batch, { command: ["sh", "-c", script], retryStrategy: { attempts: 3 } });
    const { job, seen } = await waitFor(batch, jobId, finished);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attempts?.map((a) => a.container?.exitCode)).toEqual([1, 0]);
    const [first, second] = job.attempts!.map((a) => a.container!.logStreamName!);
    expect(first).not.toBe(second);
    expect((await logMessages(logs, second!)).map((e) => e.message)).toEqual(["attempt 2"]);
    expect(seen.filter((s) => s === "RUNNING").length).toBeGreaterThanOrEqual(1);

    const failing = await submit(batch, { command: ["false"], retryStrategy: { attempts: 2 } });
    const { job: failed } = await waitFor(batch, failing, finished);
    expect(failed.status).toBe("FAILED");
    expect(failed.attempts).toHaveLength(2);
  });

  it("lists jobs by queue and status, and by name filter", async () => {
    const jobName = `listed-${Date.now()}`;
    const jobId = await submit(batch, { jobName, command: ["true"] });
    await waitFor(batch, jobId, finished);
    const byStatus = await batch.send(new ListJobsCommand({ jobQueue: "nextstrain-job-queue", jobStatus: "SUCCEEDED" }));
    expect(byStatus.jobSummaryList?.map((j) => j.jobId)).toContain(jobId);
    const byName = await batch.send(new ListJobsCommand({ jobQueue: "nextstrain-job-queue", filters: [{ name: "JOB_NAME", values: [jobName] }] }));
    expect(byName.jobSummaryList?.map((j) => j.jobId)).toEqual([jobId]);
    expect(byName.jobSummaryList?.[0]?.container?.exitCode).toBe(0);
  });

  it("registers revisions and finds definitions by name, name:revision, ARN and status", async () => {
    const name = `definition-${Date.now()}`;
    const containerProperties = { image: "nextstrain/base:branch-x", resourceRequirements: [{ type: "VCPU" as const, value: "1" }, { type: "MEMORY" as const, value: "512" }] };
    const first = await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: name, type: "container", containerProperties }));
    const second = await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: name, type: "container", containerProperties }));
    expect([first.revision, second.revision]).toEqual([1, 2]);
    const active = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: "ACTIVE" }));
    expect(active.jobDefinitions?.map((d) => d.revision).sort()).toEqual([1, 2]);
    const byRevision = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [`${name}:2`] }));
    expect(byRevision.jobDefinitions?.map((d) => d.jobDefinitionArn)).toEqual([second.jobDefinitionArn]);
    const byArn = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: [first.jobDefinitionArn!] }));
    expect(byArn.jobDefinitions?.[0]?.containerProperties?.image).toBe("nextstrain/base:branch-x");
  });

  it("answers bad requests with ClientException in the AWS shape", async () => {
    await expect(batch.send(new SubmitJobCommand({ jobName: "x", jobQueue: "no-such-queue", jobDefinition: "nextstrain-job" }))).rejects.toBeInstanceOf(ClientException);
    await expect(batch.send(new SubmitJobCommand({ jobName: "x", jobQueue: "nextstrain-job-queue", jobDefinition: "no-such-definition" }))).rejects.toThrow(/no-such-definition/);
    await expect(batch.send(new DescribeJobsCommand({ jobs: [] }))).rejects.toBeInstanceOf(ClientException);
    const tooLong = ["sh", "-c", "x".repeat(9000)];
    await expect(submit(batch, { command: tooLong })).rejects.toThrow(/8192/);
    await expect(submit(batch, { command: ["true"], timeout: { attemptDurationSeconds: 10 } })).rejects.toBeInstanceOf(ClientException);
    expect((await batch.send(new DescribeJobsCommand({ jobs: ["00000000-0000-4000-8000-000000000000"] }))).jobs).toEqual([]);
  });

  it("answers an operation Batch does not have with UnknownOperationException", async () => {
    const { endpoint } = localAws();
    const response = await fetch(`${endpoint}/v1/nosuchoperation`, {
      method: "POST",
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=key/20260101/us-east-1/batch/aws4_request, SignedHeaders=host, Signature=0", "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(((await response.json()) as { __type: string }).__type).toBe("UnknownOperationException");
  });
});
