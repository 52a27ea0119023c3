// Jobs of the Batch emulator and the state machine they walk: SUBMITTED,
// PENDING, RUNNABLE, STARTING, RUNNING, then SUCCEEDED or FAILED, with
// configurable delays. RUNNABLE jobs are placed in a compute environment of
// their queue with room for them (placement.ts), or wait there with Batch's
// status reason, until the queue's time limits cancel them. Retries follow the
// retry strategy's evaluateOnExit rules; timeouts, termination and cancellation
// have AWS's semantics; failures are injected on request.
import { randomBytes, randomUUID } from "node:crypto";
import type { ContainerRunner, RunningContainer } from "./container.js";
import type { Delays } from "./delays.js";
import { clientError } from "./errors.js";
import { takeFailure, type FailureRequest } from "./failures.js";
import { imageDirectory, loadImageConfig, type ImageMap } from "./images.js";
import { jobDetail, jobSummary, type Job } from "./job-view.js";
import { ACCOUNT_ID, arn, containerResources, mergeEnvironment, mergeRequirements, TERMINAL_STATUSES, type JobQueue, type JobStatus, type JsonObject, type KeyValuePair, type ResourceRequirement } from "./model.js";
import { nameProblem, requireTags } from "./names.js";
import { attemptOutcome, type StopCause } from "./outcome.js";
import { dueAction, place, timeLimitReason, type Placement } from "./placement.js";
import type { Registry } from "./registry.js";
import { parseRetryStrategy, retries } from "./retry.js";

export interface SchedulerOptions {
  registry: Registry;
  runner: ContainerRunner;
  images: ImageMap;
  delays: Delays;
  region: string;
  logGroup: string;
  /** Variables a job role and the stack give every job (credentials, region, endpoint). */
  jobEnv: () => Record<string, string>;
  jobPath: string;
  now?: () => number;
}

const CANCELLABLE: JobStatus[] = ["SUBMITTED", "PENDING", "RUNNABLE"];
const MAX_OVERRIDES = 8192;
// Statuses in which a queue hands its jobs to compute environments, and in which its jobs are terminated.
const WORKING = ["VALID", "UPDATING"];
const GONE = ["DELETING", "DELETED"];

export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly armed: (FailureRequest & { jobName?: string })[] = [];
  private readonly hidden: { jobName?: string; ms: number }[] = [];
  private readonly now: () => number;
  private placing = false;
  private closed = false;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  get delays(): Delays {
    return this.options.delays;
  }

  submit(request: JsonObject): Job {
    const problem = nameProblem("jobName", request.jobName);
    if (problem) throw clientError(problem);
    const jobName = request.jobName as string;
    const queue = this.options.registry.findJobQueue(String(request.jobQueue));
    if (!queue) throw clientError(`JobQueue ${String(request.jobQueue)} not found.`);
    if (queue.state !== "ENABLED") throw clientError(`JobQueue ${queue.jobQueueName} is ${queue.state} and takes no new jobs.`);
    const definition = this.options.registry.findJobDefinition(String(request.jobDefinition));
    if (!definition || definition.status !== "ACTIVE") {
      throw clientError(`Job definition ${String(request.jobDefinition)} does not exist or is not ACTIVE.`);
    }
    const overrides = (request.containerOverrides as JsonObject | undefined) ?? {};
    if (JSON.stringify(overrides).length > MAX_OVERRIDES) {
      throw clientError(`Container Overrides length must be at most ${MAX_OVERRIDES}`);
    }
    const timeout = (request.timeout ?? definition.timeout) as { attemptDurationSeconds?: number } | undefined;
    if (timeout?.attemptDurationSeconds !== undefined && timeout.attemptDurationSeconds < 60) {
      throw clientError("timeout.attemptDurationSeconds must be at least 60 seconds");
    }
    const retryStrategy = parseRetryStrategy(request.retryStrategy) ?? definition.retryStrategy;
    const tags = requireTags(request.tags);
    const requirements = mergeRequirements(
      definition.containerProperties.resourceRequirements,
      (overrides.resourceRequirements as ResourceRequirement[] | undefined) ?? [],
    );
    for (const r of requirements) {
      if (!["VCPU", "MEMORY", "GPU"].includes(r.type) || !/^\d+(\.\d+)?$/.test(r.value)) {
        throw clientError(`Invalid resource requirement ${r.type}=${r.value}`);
      }
    }
    const { vcpus, memoryMiB } = containerResources(requirements, definition.containerProperties);
    const jobId = randomUUID();
    const job: Job = {
      jobId,
      jobName,
      jobArn: arn(`job/${jobId}`, this.options.region),
      queue,
      definition,
      status: "SUBMITTED",
      createdAt: this.now(),
      command: (overrides.command as string[] | undefined) ?? definition.containerProperties.command,
      environment: mergeEnvironment(definition.containerProperties.environment, (overrides.environment as KeyValuePair[] | undefined) ?? []),
      resourceRequirements: requirements,
      vcpus,
      memoryMiB,
      timeout: timeout?.attemptDurationSeconds !== undefined ? { attemptDurationSeconds: timeout.attemptDurationSeconds } : undefined,
      retryStrategy,
      tags,
      propagateTags: (request.propagateTags as boolean | undefined) ?? definition.propagateTags ?? false,
      attempts: [],
      timers: [],
      failures: [],
      visibleAt: 0,
    };
    const armed = takeFor(this.armed, jobName);
    if (armed) job.failures.push(armed);
    job.visibleAt = job.createdAt + (takeFor(this.hidden, jobName)?.ms ?? 0);
    this.jobs.set(jobId, job);
    this.after(job, this.delays.submittedMs, () => this.enter(job, "PENDING"));
    return job;
  }

  findByArn(jobArn: string): Job | undefined {
    return [...this.jobs.values()].find((j) => j.jobArn === jobArn);
  }

  describe(jobIds: string[]): JsonObject[] {
    return jobIds.map((id) => this.jobs.get(id)).filter((j): j is Job => j !== undefined && this.visible(j)).map(jobDetail);
  }

  list(filter: { queue?: JobQueue; status?: string; namePattern?: string }): JsonObject[] {
    const pattern = filter.namePattern;
    const nameMatches = (name: string): boolean =>
      pattern === undefined || (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern);
    return [...this.jobs.values()]
      .filter((j) => this.visible(j) && (filter.queue === undefined || j.queue === filter.queue) && (filter.status === undefined || j.status === filter.status) && nameMatches(j.jobName))
      .map(jobSummary);
  }

  /** TerminateJob: fails a job in any non-final state; a running container gets SIGTERM, then SIGKILL. */
  terminate(jobId: string, reason: string): void {
    const job = this.jobs.get(jobId);
    // AWS answers TerminateJob for an unknown id with 200 and an empty body, not an error.
    if (!job || TERMINAL_STATUSES.includes(job.status)) return;
    if (job.status === "RUNNING" || job.container) {
      job.stop ??= { kind: "user", reason };
      this.stopContainer(job, true);
    } else if (job.status === "STARTING" && job.current && !job.timers.length) {
      // Container being launched right now: stop it as soon as it is up.
      job.stop ??= { kind: "user", reason };
    } else {
      this.failWithoutContainer(job, reason);
    }
  }

  /** CancelJob: only jobs that have not reached STARTING are cancelled. */
  cancel(jobId: string, reason: string): void {
    const job = this.jobs.get(jobId);
    if (job && CANCELLABLE.includes(job.status)) this.failWithoutContainer(job, reason);
  }

  /** Forgets a job, as Batch does some days after it ends. */
  purge(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    this.clearTimers(job);
    this.stopContainer(job, false);
    this.release(job);
    return this.jobs.delete(jobId);
  }

  /** Makes the next submitted job (with that name, when given) fail this way. */
  armFailure(request: FailureRequest & { jobName?: string }): void {
    this.armed.push(request);
  }

  /** Keeps the next submitted job (with that name, when given) out of DescribeJobs and ListJobs for `ms`, as just after SubmitJob on AWS. */
  hideNextJob(request: { jobName?: string; ms: number }): void {
    this.hidden.push(request);
  }

  /** Makes one job fail this way: now if the attempt meant is under way, otherwise when it gets there. */
  injectFailure(jobId: string, request: FailureRequest): void {
    const job = this.jobs.get(jobId);
    if (!job) throw clientError(`Job ${jobId} not found`);
    if (TERMINAL_STATUSES.includes(job.status)) throw clientError(`Job ${jobId} is already ${job.status}`);
    // job.current is set from STARTING until the attempt ends.
    const forCurrent = job.current !== undefined && (request.attempts === undefined || request.attempts.includes(job.attempts.length + 1));
    if (forCurrent && request.kind === "cannot-pull" && (job.status === "RUNNING" || job.container)) {
      throw clientError(`Job ${jobId} has already started`);
    }
    if (forCurrent) {
      job.failure = request;
      if (job.status === "RUNNING") this.applyRunningFailure(job);
      if (request.attempts === undefined) return;
    }
    job.failures.push(request);
  }

  /**
   * Looks at every RUNNABLE job again: places those that fit now, and gives the
   * others Batch's status reason. Runs once per turn of the event loop however
   * often it is asked for.
   */
  reschedule(): void {
    if (this.placing || this.closed) return;
    this.placing = true;
    setImmediate(() => {
      this.placing = false;
      if (!this.closed) this.placeRunnable();
    });
  }

  /** Stops every container and timer (used when the stack shuts down). */
  async shutdown(): Promise<void> {
    this.closed = true;
    const running = [...this.jobs.values()].filter((j) => j.container);
    for (const job of this.jobs.values()) this.clearTimers(job);
    for (const job of running) job.container?.signal("SIGKILL");
    await Promise.all(running.map((j) => j.container?.exited));
  }

  private visible(job: Job): boolean {
    return this.now() >= job.visibleAt;
  }

  private enter(job: Job, status: JobStatus): void {
    job.timers = [];
    job.status = status;
    switch (status) {
      case "PENDING":
        this.after(job, this.delays.pendingMs, () => this.enter(job, "RUNNABLE"));
        return;
      case "RUNNABLE":
        this.reschedule();
        return;
      case "STARTING": {
        const taskId = job.attempts.length === 0 ? job.jobId : randomBytes(16).toString("hex");
        job.current = {
          containerInstanceArn: `arn:aws:ecs:${this.options.region}:${ACCOUNT_ID}:container-instance/${randomBytes(16).toString("hex")}`,
          taskArn: `arn:aws:ecs:${this.options.region}:${ACCOUNT_ID}:task/${taskId}`,
          logStreamName: `${job.definition.jobDefinitionName}/default/${taskId}`,
        };
        job.failure = takeFailure(job.failures, job.attempts.length + 1);
        this.after(job, this.delays.startingMs, () => void this.run(job));
        return;
      }
      default:
        return;
    }
  }

  /** vCPUs held in each compute environment (by name) by jobs placed and not yet finished. */
  private usage(): Map<string, number> {
    const used = new Map<string, number>();
    for (const job of this.jobs.values()) {
      if (job.placedIn !== undefined) used.set(job.placedIn, (used.get(job.placedIn) ?? 0) + job.vcpus);
    }
    return used;
  }

  private placement(queue: JobQueue, request: { vcpus: number; memoryMiB: number }, used: Map<string, number>): Placement {
    // A DISABLED (or not yet VALID) queue holds its jobs back without a reason.
    if (queue.state !== "ENABLED" || !WORKING.includes(queue.status)) return { kind: "wait" };
    const registry = this.options.registry;
    const views = registry.queueEnvironments(queue).map((e) => registry.environmentView(e, used.get(e.computeEnvironmentName) ?? 0));
    return place(request, views);
  }

  private placeRunnable(): void {
    const used = this.usage();
    const waiting = [...this.jobs.values()]
      .filter((j) => (j.status === "RUNNABLE" && j.placedIn === undefined) || (!TERMINAL_STATUSES.includes(j.status) && GONE.includes(j.queue.status)))
      .sort((a, b) => b.queue.priority - a.queue.priority || a.createdAt - b.createdAt);
    for (const job of waiting) {
      if (GONE.includes(job.queue.status)) {
        // "All jobs in the queue are eventually terminated when you delete a job queue."
        if (!job.stop) this.terminate(job.jobId, `Job queue ${job.queue.jobQueueName} was deleted`);
        continue;
      }
      const placement = this.placement(job.queue, job, used);
      if (placement.kind === "place") {
        job.placedIn = placement.environment;
        used.set(placement.environment, (used.get(placement.environment) ?? 0) + job.vcpus);
        this.setRunnableReason(job, undefined);
        this.after(job, this.delays.runnableMs, () => this.enter(job, "STARTING"));
      } else {
        this.setRunnableReason(job, placement.statusReason);
      }
    }
  }

  /** Sets a waiting job's status reason and arms the queue's time limit for it. */
  private setRunnableReason(job: Job, reason: string | undefined): void {
    if (job.statusReason !== reason || job.reasonSince === undefined) {
      job.statusReason = reason;
      job.reasonSince = this.now();
    }
    clearTimeout(job.limitTimer);
    job.limitTimer = undefined;
    const action = dueAction(job.queue.jobStateTimeLimitActions, reason);
    if (!action) return;
    const dueAt = job.reasonSince + action.maxTimeSeconds * this.delays.timeLimitSecondMs;
    job.limitTimer = setTimeout(() => {
      job.limitTimer = undefined;
      if (job.status === "RUNNABLE" && job.placedIn === undefined && dueAction(job.queue.jobStateTimeLimitActions, job.statusReason) === action) {
        this.failWithoutContainer(job, timeLimitReason(action.reason));
      }
    }, Math.max(0, dueAt - this.now()));
  }

  private async run(job: Job): Promise<void> {
    job.timers = [];
    const attempt = job.current;
    if (!attempt) return;
    const image = job.definition.containerProperties.image;
    const dir = imageDirectory(this.options.images, image);
    if (pullFails(job) || dir === undefined) {
      // The stream is named but never created: the container never ran.
      this.finishAttempt(job, { kind: "cannot-pull", image }, undefined);
      return;
    }
    let container: RunningContainer;
    try {
      const imageConfig = loadImageConfig(dir);
      container = await this.options.runner.start({
        jobId: job.jobId,
        attempt: job.attempts.length + 1,
        image: imageConfig,
        command: job.command,
        env: this.containerEnv(job, imageConfig.env),
        logGroup: this.options.logGroup,
        logStream: attempt.logStreamName,
      });
    } catch (error) {
      this.finishAttempt(job, { kind: "user", reason: `local-aws: cannot start container: ${(error as Error).message}` }, undefined);
      return;
    }
    // Purged, or the stack stopped, while the container was being launched.
    if (!this.jobs.has(job.jobId) || this.closed) {
      container.signal("SIGKILL");
      return;
    }
    if (pullFails(job)) {
      // Asked for while the container was being launched: as far as Batch tells, it never started.
      container.signal("SIGKILL");
      await container.exited;
      this.finishAttempt(job, { kind: "cannot-pull", image }, undefined);
      return;
    }
    job.container = container;
    job.status = "RUNNING";
    job.statusReason = undefined;
    attempt.startedAt = this.now();
    job.startedAt = attempt.startedAt;
    if (job.timeout) {
      this.after(job, job.timeout.attemptDurationSeconds * this.delays.secondMs, () => {
        job.stop ??= { kind: "timeout" };
        this.stopContainer(job, true);
      });
    }
    if (job.stop) this.stopContainer(job, true);
    else if (job.failure) this.applyRunningFailure(job);
    const { exitCode } = await container.exited;
    job.container = undefined;
    this.finishAttempt(job, job.stop, exitCode);
  }

  private applyRunningFailure(job: Job): void {
    const failure = job.failure;
    if (!failure || failure.kind === "cannot-pull") return;
    job.failure = undefined;
    this.after(job, failure.afterMs ?? 0, () => {
      job.stop ??=
        failure.kind === "out-of-memory"
          ? { kind: "out-of-memory" }
          : { kind: "instance-terminated", instanceId: `i-${randomBytes(9).toString("hex").slice(0, 17)}` };
      job.container?.signal("SIGKILL");
    });
  }

  private finishAttempt(job: Job, cause: StopCause | undefined, exitCode: number | undefined): void {
    this.clearTimers(job);
    this.release(job);
    const attempt = job.current ?? { containerInstanceArn: "", taskArn: "", logStreamName: "" };
    const outcome = attemptOutcome(cause, exitCode);
    attempt.stoppedAt = this.now();
    attempt.exitCode = outcome.exitCode;
    attempt.reason = outcome.reason;
    attempt.statusReason = outcome.statusReason;
    job.attempts.push(attempt);
    job.current = undefined;
    job.failure = undefined;
    job.stop = undefined;
    if (!outcome.succeeded && retries(job.retryStrategy, job.attempts.length, outcome.retriable, outcome)) {
      job.statusReason = undefined;
      job.reasonSince = undefined;
      this.enter(job, "RUNNABLE");
      return;
    }
    job.status = outcome.succeeded ? "SUCCEEDED" : "FAILED";
    job.statusReason = outcome.statusReason;
    job.stoppedAt = attempt.stoppedAt;
  }

  private failWithoutContainer(job: Job, reason: string): void {
    this.clearTimers(job);
    this.release(job);
    job.current = undefined;
    job.status = "FAILED";
    job.statusReason = reason;
    job.stoppedAt = this.now();
  }

  /** The job's vCPUs go back to its compute environment, and waiting jobs get another look. */
  private release(job: Job): void {
    clearTimeout(job.limitTimer);
    job.limitTimer = undefined;
    if (job.placedIn === undefined) return;
    job.placedIn = undefined;
    this.reschedule();
  }

  private stopContainer(job: Job, graceful: boolean): void {
    const container = job.container;
    if (!container) return;
    if (!graceful) {
      container.signal("SIGKILL");
      return;
    }
    container.signal("SIGTERM");
    const timer = setTimeout(() => container.signal("SIGKILL"), this.delays.killGraceMs);
    void container.exited.then(() => clearTimeout(timer));
  }

  private after(job: Job, ms: number, action: () => void): void {
    job.timers.push(setTimeout(action, ms));
  }

  private clearTimers(job: Job): void {
    job.timers.forEach(clearTimeout);
    job.timers = [];
    clearTimeout(job.limitTimer);
    job.limitTimer = undefined;
  }

  private containerEnv(job: Job, imageEnv: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {
      PATH: this.options.jobPath,
      ...imageEnv,
      ...this.options.jobEnv(),
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JOB_ATTEMPT: String(job.attempts.length + 1),
      AWS_BATCH_JQ_NAME: job.queue.jobQueueName,
      AWS_BATCH_CE_NAME: job.placedIn ?? "",
    };
    for (const { name, value } of job.environment) env[name] = value;
    return env;
  }
}

/** Whether the current attempt is to fail as if its image could not be pulled (asked for through the control API). */
function pullFails(job: Job): boolean {
  return job.failure?.kind === "cannot-pull";
}

/** Takes the first request meant for this job name (or for any job) off the list. */
function takeFor<T extends { jobName?: string }>(requests: T[], jobName: string): T | undefined {
  const index = requests.findIndex((r) => r.jobName === undefined || r.jobName === jobName);
  return index >= 0 ? requests.splice(index, 1)[0] : undefined;
}
