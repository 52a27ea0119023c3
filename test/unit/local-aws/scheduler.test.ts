// The job state machine on a fake clock, with containers that end when the
// test says: placement and queuing by vCPUs, disabled queues, the queue's time
// limits, evaluateOnExit retries after an instance reclaim, and failures
// asked for on chosen attempts.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ContainerLaunch, ContainerRunner, RunningContainer } from "../../local-aws/batch/container.js";
import type { Delays } from "../../local-aws/batch/delays.js";
import type { InstanceType } from "../../local-aws/batch/capacity.js";
import type { JsonObject } from "../../local-aws/batch/model.js";
import { COMPUTE_ENVIRONMENT_MAX_RESOURCE, JOB_RESOURCE_REQUIREMENT } from "../../local-aws/batch/placement.js";
import { Registry } from "../../local-aws/batch/registry.js";
import { Scheduler } from "../../local-aws/batch/scheduler.js";
import { IMAGES_DIR } from "../../local-aws/stack.js";

const M5_LARGE: InstanceType = { name: "m5.large", vcpus: 2, memoryMiB: 8192 };
const C5_4XLARGE: InstanceType = { name: "c5.4xlarge", vcpus: 16, memoryMiB: 32768 };
const DELAYS: Delays = {
  submittedMs: 10, pendingMs: 10, runnableMs: 10, startingMs: 10, killGraceMs: 100, secondMs: 1, logLagMs: 0,
  computeEnvironmentMs: 10, jobQueueMs: 10, timeLimitSecondMs: 10,
};

/** Containers that run until the test ends them (or a SIGKILL does, with 137). */
class FakeRunner {
  readonly running = new Map<string, (code: number) => void>();
  readonly launches: ContainerLaunch[] = [];
  /** Launches wait for this, when set: a container being started. */
  launching?: Promise<void>;

  async start(launch: ContainerLaunch): Promise<RunningContainer> {
    this.launches.push(launch);
    await this.launching;
    let end: (code: number) => void = () => {};
    const exited = new Promise<{ exitCode: number }>((resolve) => (end = (exitCode) => resolve({ exitCode })));
    this.running.set(launch.jobId, (code) => {
      this.running.delete(launch.jobId);
      end(code);
    });
    return { jobDir: "/nowhere", exited, signal: (signal) => (signal === "SIGKILL" ? this.running.get(launch.jobId)?.(137) : undefined) };
  }

  exit(jobId: string, code: number): void {
    this.running.get(jobId)?.(code);
  }
}

describe("the scheduler", () => {
  let registry: Registry;
  let scheduler: Scheduler;
  let runner: FakeRunner;

  beforeEach(async () => {
    vi.useFakeTimers();
    runner = new FakeRunner();
    registry = new Registry({
      region: "us-east-1",
      delays: DELAYS,
      checks: { environmentProblem: async () => undefined },
      instanceTypes: { resolve: async () => {}, types: (name) => ({ "m5.large": [M5_LARGE], "c5.4xlarge": [C5_4XLARGE] })[name] ?? [] },
      onChange: () => scheduler.reschedule(),
    });
    scheduler = new Scheduler({
      registry, runner: runner as unknown as ContainerRunner, images: { "nextstrain/base": `${IMAGES_DIR}/nextstrain-base` }, delays: DELAYS,
      region: "us-east-1", logGroup: "/aws/batch/job", jobEnv: () => ({}), jobPath: "/usr/bin",
    });
    await registry.createComputeEnvironment(
      { computeEnvironmentName: "ce", type: "MANAGED", computeResources: { type: "EC2", maxvCpus: 4, instanceTypes: ["m5.large"], subnets: ["s"], securityGroupIds: ["g"], instanceRole: "p" } },
      { settled: true },
    );
    registry.createJobQueue(
      {
        jobQueueName: "q", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: "ce" }],
        jobStateTimeLimitActions: [{ reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", state: "RUNNABLE", maxTimeSeconds: 600, action: "CANCEL" }],
      },
      { settled: true },
    );
    registry.registerJobDefinition({ jobDefinitionName: "d", type: "container", containerProperties: { image: "nextstrain/base", resourceRequirements: [{ type: "VCPU", value: "2" }, { type: "MEMORY", value: "1024" }] } });
  });
  afterEach(async () => {
    registry.shutdown();
    await scheduler.shutdown();
    vi.useRealTimers();
  });

  const submit = (extra: JsonObject = {}) => scheduler.submit({ jobName: "j", jobQueue: "q", jobDefinition: "d", ...extra });
  const status = (jobId: string) => scheduler.describe([jobId])[0] as { status: string; statusReason?: string; attempts: JsonObject[]; container: JsonObject };
  const vcpus = (n: number) => ({ containerOverrides: { resourceRequirements: [{ type: "VCPU", value: String(n) }] } });

  it("runs jobs while the environment has vCPUs free, and queues the rest without a reason", async () => {
    const [a, b, c] = [submit(), submit(), submit()].map((j) => j.jobId);
    await vi.advanceTimersByTimeAsync(100);
    expect([a, b, c].map((id) => status(id!).status)).toEqual(["RUNNING", "RUNNING", "RUNNABLE"]);
    expect(status(c!).statusReason).toBeUndefined();
    expect(runner.launches[0]?.env.AWS_BATCH_CE_NAME).toBe("ce");
    runner.exit(a!, 0);
    await vi.advanceTimersByTimeAsync(100);
    expect([a, b, c].map((id) => status(id!).status)).toEqual(["SUCCEEDED", "RUNNING", "RUNNING"]);
  });

  it("holds jobs of a DISABLED queue or environment back without a reason, and refuses new ones to a DISABLED queue", async () => {
    registry.updateJobQueue({ jobQueue: "q", state: "DISABLED" });
    expect(() => submit()).toThrow("JobQueue q is DISABLED and takes no new jobs.");
    await vi.advanceTimersByTimeAsync(10);
    registry.updateJobQueue({ jobQueue: "q", state: "ENABLED" });
    await vi.advanceTimersByTimeAsync(10);
    await registry.updateComputeEnvironment({ computeEnvironment: "ce", state: "DISABLED" });
    const job = submit().jobId;
    await vi.advanceTimersByTimeAsync(100);
    expect(status(job)).toMatchObject({ status: "RUNNABLE" });
    expect(status(job).statusReason).toBeUndefined();
    await registry.updateComputeEnvironment({ computeEnvironment: "ce", state: "ENABLED" });
    await vi.advanceTimersByTimeAsync(100);
    expect(status(job).status).toBe("RUNNING");
  });

  it("cancels a job stuck for a matching reason after the queue's time limit; one stuck for another reason runs once the environment grows", async () => {
    const stuck = submit(vcpus(3)).jobId;
    await vi.advanceTimersByTimeAsync(100);
    expect(status(stuck)).toMatchObject({ status: "RUNNABLE", statusReason: JOB_RESOURCE_REQUIREMENT });
    await vi.advanceTimersByTimeAsync(600 * 10 - 200);
    expect(status(stuck).status).toBe("RUNNABLE");
    await vi.advanceTimersByTimeAsync(200);
    expect(status(stuck)).toMatchObject({ status: "FAILED", statusReason: "Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", attempts: [] });

    await registry.updateComputeEnvironment({ computeEnvironment: "ce", computeResources: { maxvCpus: 1 } });
    const rescued = submit().jobId;
    await vi.advanceTimersByTimeAsync(600 * 10 + 100);
    expect(status(rescued)).toMatchObject({ status: "RUNNABLE", statusReason: COMPUTE_ENVIRONMENT_MAX_RESOURCE });
    await registry.updateComputeEnvironment({ computeEnvironment: "ce", computeResources: { maxvCpus: 4 } });
    await vi.advanceTimersByTimeAsync(100);
    expect(status(rescued).status).toBe("RUNNING");
    expect(status(rescued).statusReason).toBeUndefined();
  });

  it("retries an attempt lost with its instance, each attempt with its own log stream, and not a workflow failure", async () => {
    const retryStrategy = { attempts: 3, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }] };
    scheduler.armFailure({ kind: "instance-terminated", attempts: [1], jobName: "reclaimed" });
    const job = submit({ jobName: "reclaimed", retryStrategy }).jobId;
    await vi.advanceTimersByTimeAsync(200);
    expect(status(job).attempts).toHaveLength(1);
    runner.exit(job, 0);
    await vi.advanceTimersByTimeAsync(10);
    const done = status(job);
    expect(done.status).toBe("SUCCEEDED");
    const [lost, second] = done.attempts as { statusReason: string; container: { exitCode?: number; reason?: string; logStreamName: string } }[];
    expect(lost!.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.$/);
    expect(lost!.container.reason).toBeUndefined();
    expect(lost!.container.exitCode).toBeUndefined();
    expect(second!.container.exitCode).toBe(0);
    expect(lost!.container.logStreamName).not.toBe(second!.container.logStreamName);
    expect(runner.launches.map((l) => l.env.AWS_BATCH_JOB_ATTEMPT)).toEqual(["1", "2"]);

    const failing = submit({ retryStrategy }).jobId;
    await vi.advanceTimersByTimeAsync(100);
    runner.exit(failing, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(status(failing)).toMatchObject({ status: "FAILED", statusReason: "Essential container in task exited", attempts: [{ container: { exitCode: 1 } }] });
  });

  it("fails the attempts asked for, and only those", async () => {
    const job = submit({ retryStrategy: { attempts: 3 } }).jobId;
    scheduler.injectFailure(job, { kind: "out-of-memory", attempts: [2] });
    await vi.advanceTimersByTimeAsync(100);
    runner.exit(job, 3);
    await vi.advanceTimersByTimeAsync(200);
    runner.exit(job, 0);
    await vi.advanceTimersByTimeAsync(10);
    expect((status(job).attempts as { container: { exitCode?: number; reason?: string } }[]).map((a) => [a.container.exitCode, a.container.reason])).toEqual([
      [3, undefined],
      [137, "OutOfMemoryError: Container killed due to memory usage"],
      [0, undefined],
    ]);
  });

  it("fails an attempt as unable to pull its image even when asked while its container is being launched", async () => {
    let launched: () => void = () => {};
    runner.launching = new Promise((resolve) => (launched = resolve));
    const job = submit().jobId;
    await vi.advanceTimersByTimeAsync(100);
    expect(runner.launches).toHaveLength(1);
    expect(status(job).status).toBe("STARTING");
    scheduler.injectFailure(job, { kind: "cannot-pull" });
    launched();
    await vi.advanceTimersByTimeAsync(10);
    expect(status(job)).toMatchObject({ status: "FAILED", statusReason: "Task failed to start", container: { reason: expect.stringMatching(/^CannotPullContainerError/) } });
  });

  it("keeps tags to the job's own, propagates them when asked, and checks the job name", () => {
    const job = submit({ tags: { build: "zika" }, propagateTags: true });
    expect(status(job.jobId)).toMatchObject({ tags: { build: "zika" }, propagateTags: true });
    expect(() => submit({ jobName: "-bad" })).toThrow(/jobName "-bad" must be/);
    expect(() => submit({ tags: { "aws:x": "y" } })).toThrow(/reserved prefix/);
  });
});
