// Compute environments, job queues and where jobs go, through the AWS SDK on
// the shared stack (each test with environments and queues of its own): the
// status walks and Batch's refusals, RUNNABLE status reasons and the queue's
// time limits, queuing by vCPUs, retries by evaluateOnExit after an instance
// reclaim, tags and names on jobs.
import {
  ClientException,
  TerminateJobCommand,
  DeleteComputeEnvironmentCommand,
  DeleteJobQueueCommand,
  ListTagsForResourceCommand,
  UpdateComputeEnvironmentCommand,
  UpdateJobQueueCommand,
} from "@aws-sdk/client-batch";
import { randomUUID } from "node:crypto";
import { describe as group, expect, it } from "vitest";
import { COMPUTE_ENVIRONMENT_MAX_RESOURCE, JOB_RESOURCE_REQUIREMENT } from "../../local-aws/batch/placement.js";
import { localAws } from "../../local-aws/run.js";
import { clients, createEnvironment, createQueue, describe, describeEnvironment, finished, logMessages, settled, submit, until, waitFor } from "./helpers.js";

const { batch, ec2 } = clients();
const name = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

group("scheduling", () => {
  it("walks environments and queues through their statuses, and refuses what Batch refuses", async () => {
    const broken = name("broken");
    await createEnvironment({ batch, ec2 }, broken, { instanceRole: "no-such-profile" });
    expect(await describeEnvironment(batch, broken)).toMatchObject({ status: "INVALID", statusReason: "CLIENT_ERROR - Invalid IamInstanceProfile: no-such-profile" });
    await expect(createQueue(batch, name("queue"), [broken])).rejects.toThrow(/is INVALID; it must be VALID/);

    const environment = name("ce");
    const created = await createEnvironment({ batch, ec2 }, environment, {}, { tags: { "created-by": "nextstrain-ts" } });
    expect(created).toMatchObject({ status: "VALID", statusReason: "ComputeEnvironment Healthy", tags: { "created-by": "nextstrain-ts" } });
    expect(created.serviceRole).toMatch(/role\/aws-service-role\/batch\.amazonaws\.com\/AWSServiceRoleForBatch$/);
    // BEST_FIT (the default) allows scaling updates only.
    await expect(batch.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: environment, computeResources: { instanceTypes: ["c5"] } }))).rejects.toThrow(/needs the AWSServiceRoleForBatch/);
    await batch.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: environment, computeResources: { maxvCpus: 8 } }));
    expect((await describeEnvironment(batch, environment))?.status).toBe("UPDATING");
    expect(await settled(batch, "environment", environment)).toBe("VALID");

    const queue = name("queue");
    await createQueue(batch, queue, [environment]);
    await expect(batch.send(new DeleteJobQueueCommand({ jobQueue: queue }))).rejects.toThrow(/is ENABLED: disable it first/);
    await batch.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: environment, state: "DISABLED" }));
    await settled(batch, "environment", environment);
    await expect(batch.send(new DeleteComputeEnvironmentCommand({ computeEnvironment: environment }))).rejects.toThrow("Cannot delete, found existing JobQueue relationship");
    await batch.send(new UpdateJobQueueCommand({ jobQueue: queue, state: "DISABLED" }));
    await settled(batch, "queue", queue);
    // As on AWS, what is deleted is still listed for a while, as DELETED.
    await batch.send(new DeleteJobQueueCommand({ jobQueue: queue }));
    expect(await settled(batch, "queue", queue)).toBe("DELETED");
    await batch.send(new DeleteComputeEnvironmentCommand({ computeEnvironment: environment }));
    expect(await settled(batch, "environment", environment)).toBe("DELETED");
  });

  it("leaves jobs RUNNABLE with Batch's reasons, cancels them after the queue's time limit, and queues jobs for vCPUs", async () => {
    // m5.large instances (2 vCPUs, 8 GiB), at most 2 vCPUs in all; time limit 600 s (1.2 s in test delays).
    const environment = name("small");
    await createEnvironment({ batch, ec2 }, environment, { instanceTypes: ["m5.large"], maxvCpus: 2 });
    const large = name("large");
    await createEnvironment({ batch, ec2 }, large, { instanceTypes: ["r5.24xlarge"], maxvCpus: 8 });
    const jobQueue = name("queue");
    await createQueue(batch, jobQueue, [environment], {
      jobStateTimeLimitActions: [{ reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", state: "RUNNABLE", maxTimeSeconds: 600, action: "CANCEL" }],
    });
    const sized = (vcpus: number, memory: number) => ({ jobQueue, containerOverrides: { resourceRequirements: [{ type: "VCPU" as const, value: String(vcpus) }, { type: "MEMORY" as const, value: String(memory) }] } });

    // 8,192 MiB is all an m5.large has, but 32 MiB of it stay with the ECS agent.
    const tooBig = await submit(batch, { command: ["true"], ...sized(2, 8192) });
    const { job: stuck } = await waitFor(batch, tooBig, (j) => j.statusReason !== undefined);
    expect(stuck).toMatchObject({ status: "RUNNABLE", statusReason: JOB_RESOURCE_REQUIREMENT });
    const { job: cancelled } = await waitFor(batch, tooBig, finished);
    expect(cancelled).toMatchObject({ status: "FAILED", statusReason: "Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT" });

    // The first job takes both vCPUs until it is stopped; the second waits its turn, with no reason.
    const first = await submit(batch, { command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"], ...sized(2, 1024) });
    await waitFor(batch, first, (j) => j.status === "RUNNING");
    const second = await submit(batch, { command: ["true"], ...sized(2, 1024) });
    const { job: waiting } = await waitFor(batch, second, (j) => j.status === "RUNNABLE");
    expect(waiting.statusReason).toBeUndefined();
    expect((await describe(batch, first))?.status).toBe("RUNNING");
    expect((await describe(batch, second))?.status).toBe("RUNNABLE");
    await batch.send(new TerminateJobCommand({ jobId: first, reason: "make room" }));
    const { job: done } = await waitFor(batch, second, finished);
    expect(done.startedAt!).toBeGreaterThanOrEqual((await describe(batch, first))!.stoppedAt!);

    await batch.send(new UpdateJobQueueCommand({ jobQueue, computeEnvironmentOrder: [{ order: 1, computeEnvironment: large }] }));
    await settled(batch, "queue", jobQueue);
    const overMax = await submit(batch, { command: ["true"], ...sized(16, 1024) });
    const { job: capped } = await waitFor(batch, overMax, (j) => j.statusReason !== undefined);
    expect(capped.statusReason).toBe(COMPUTE_ENVIRONMENT_MAX_RESOURCE);
    expect((await localAws().control.queueCapacity(jobQueue))[0]).toMatchObject({ maxvCpus: 8, largestJob: { vcpus: 96, memoryMiB: 786400 } });
    await batch.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: large, computeResources: { maxvCpus: 16 } }));
    expect((await waitFor(batch, overMax, finished)).job.status).toBe("SUCCEEDED");
  });

  it("retries an attempt whose instance was reclaimed, each attempt with its own log, and not a workflow's own failure", async () => {
    const { control } = localAws();
    const { logs } = clients();
    const retryStrategy = { attempts: 3, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" as const }, { onReason: "*", action: "EXIT" as const }] };
    // Attempt 1 runs until its instance goes; attempt 2 finishes.
    const script = 'echo "attempt $AWS_BATCH_JOB_ATTEMPT"; test "$AWS_BATCH_JOB_ATTEMPT" -ge 2 || sleep 30';
    const reclaimed = await submit(batch, { retryStrategy, command: ["sh", "-c", script] });
    const { job: running } = await waitFor(batch, reclaimed, (j) => j.status === "RUNNING");
    await until(() => logMessages(logs, running.container!.logStreamName!).catch(() => []), (events) => events.length > 0, "attempt 1's log");
    await control.failJob(reclaimed, { kind: "instance-terminated", attempts: [1] });
    const { job } = await waitFor(batch, reclaimed, finished);
    expect(job.status).toBe("SUCCEEDED");
    const [lost, ran] = job.attempts!;
    expect(lost?.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.$/);
    expect(lost?.container?.exitCode).toBeUndefined();
    expect(ran?.container?.exitCode).toBe(0);
    expect((await logMessages(logs, lost!.container!.logStreamName!)).map((e) => e.message)).toEqual(["attempt 1"]);
    expect((await logMessages(logs, ran!.container!.logStreamName!)).map((e) => e.message)).toEqual(["attempt 2"]);

    const failing = await submit(batch, { retryStrategy, command: ["sh", "-c", "exit 3"] });
    const { job: failed } = await waitFor(batch, failing, finished);
    expect(failed).toMatchObject({ status: "FAILED", statusReason: "Essential container in task exited" });
    expect(failed.attempts).toHaveLength(1);
  });

  it("shows a job's tags and propagateTags, tags it later, and refuses names Batch refuses", async () => {
    const jobId = await submit(batch, { command: ["true"], tags: { "nextstrain-ts:build": "zika" }, propagateTags: true });
    const job = await describe(batch, jobId);
    expect(job).toMatchObject({ tags: { "nextstrain-ts:build": "zika" }, propagateTags: true });
    expect((await batch.send(new ListTagsForResourceCommand({ resourceArn: job!.jobArn! }))).tags).toEqual({ "nextstrain-ts:build": "zika" });
    await expect(submit(batch, { jobName: "zika build", command: ["true"] })).rejects.toBeInstanceOf(ClientException);
    await expect(submit(batch, { jobName: "x".repeat(129), command: ["true"] })).rejects.toThrow(/1 to 128 letters/);
  });
});
