// Jobs of the Batch emulator and the state machine they walk: SUBMITTED,
// PENDING, RUNNABLE, STARTING, RUNNING, then SUCCEEDED or FAILED, with
// configurable delays, retries, timeouts, termination and cancellation with
// AWS semantics, and failures injected on request.
import { randomBytes, randomUUID } from "node:crypto";
import { environmentCapacity, fits, RESOURCE_MISCONFIGURATION } from "./capacity.js";
import type { ContainerRunner, RunningContainer } from "./container.js";
import { clientError } from "./errors.js";
import { imageDirectory, loadImageConfig, type ImageMap } from "./images.js";
import {
  ACCOUNT_ID,
  arn,
  containerResources,
  mergeEnvironment,
  mergeRequirements,
  TERMINAL_STATUSES,
  type JobDefinition,
  type JobQueue,
  type JobStatus,
  type JsonObject,
  type KeyValuePair,
  type ResourceRequirement,
} from "./model.js";
import { attemptOutcome, type StopCause } from "./outcome.js";
import type { Registry } from "./registry.js";

export interface Delays {
  submittedMs: number;
  pendingMs: number;
  runnableMs: number;
  startingMs: number;
  /** Between SIGTERM and SIGKILL when a running job is stopped (ECS waits 30 s). */
  killGraceMs: number;
  /** How long one second of `timeout.attemptDurationSeconds` lasts. */
  secondMs: number;
  /** Lines reach CloudWatch Logs this long after they were written. */
  logLagMs: number;
}

export const REALISTIC_DELAYS: Delays = {
  submittedMs: 1000, pendingMs: 1000, runnableMs: 2000, startingMs: 2000, killGraceMs: 30_000, secondMs: 1000, logLagMs: 0,
};

export type FailureKind = "out-of-memory" | "instance-terminated" | "cannot-pull";

export interface FailureRequest {
  kind: FailureKind;
  /** Milliseconds after the job starts RUNNING (out-of-memory and instance-terminated). */
  afterMs?: number;
}

interface Attempt {
  containerInstanceArn: string;
  taskArn: string;
  logStreamName: string;
  startedAt?: number;
  stoppedAt?: number;
  exitCode?: number;
  reason?: string;
  statusReason?: string;
}

interface Job {
  jobId: string;
  jobName: string;
  jobArn: string;
  queue: JobQueue;
  definition: JobDefinition;
  status: JobStatus;
  statusReason?: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  command: string[];
  environment: KeyValuePair[];
  resourceRequirements: ResourceRequirement[];
  timeout?: { attemptDurationSeconds: number };
  retryStrategy?: { attempts: number };
  tags: Record<string, string>;
  attempts: Attempt[];
  current?: Attempt;
  timers: NodeJS.Timeout[];
  container?: RunningContainer;
  stop?: StopCause;
  failure?: FailureRequest;
  /** DescribeJobs and ListJobs leave the job out before this time. */
  visibleAt: number;
}

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

export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly armed: (FailureRequest & { jobName?: string })[] = [];
  private readonly hidden: { jobName?: string; ms: number }[] = [];
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  get delays(): Delays {
    return this.options.delays;
  }

  submit(request: JsonObject): Job {
    const jobName = request.jobName;
    if (typeof jobName !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(jobName)) {
      throw clientError("jobName must be 1-128 letters, numbers, hyphens or underscores, starting with a letter or number");
    }
    const queue = this.options.registry.findJobQueue(String(request.jobQueue));
    if (!queue) throw clientError(`JobQueue ${String(request.jobQueue)} not found.`);
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
    const retry = (request.retryStrategy ?? definition.retryStrategy) as { attempts?: number } | undefined;
    if (retry?.attempts !== undefined && (retry.attempts < 1 || retry.attempts > 10)) {
      throw clientError("retryStrategy.attempts must be between 1 and 10");
    }
    const requirements = mergeRequirements(
      definition.containerProperties.resourceRequirements,
      (overrides.resourceRequirements as ResourceRequirement[] | undefined) ?? [],
    );
    for (const r of requirements) {
      if (!["VCPU", "MEMORY", "GPU"].includes(r.type) || !/^\d+(\.\d+)?$/.test(r.value)) {
        throw clientError(`Invalid resource requirement ${r.type}=${r.value}`);
      }
    }
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
      environment: mergeEnvironment(
        definition.containerProperties.environment,
        (overrides.environment as KeyValuePair[] | undefined) ?? [],
      ),
      resourceRequirements: requirements,
      timeout: timeout?.attemptDurationSeconds !== undefined ? { attemptDurationSeconds: timeout.attemptDurationSeconds } : undefined,
      retryStrategy: retry?.attempts !== undefined ? { attempts: retry.attempts } : undefined,
      tags: { ...definition.tags, ...((request.tags as Record<string, string> | undefined) ?? {}) },
      attempts: [],
      timers: [],
      visibleAt: 0,
    };
    job.failure = takeFor(this.armed, jobName);
    job.visibleAt = job.createdAt + (takeFor(this.hidden, jobName)?.ms ?? 0);
    this.jobs.set(jobId, job);
    this.after(job, this.delays.submittedMs, () => this.enter(job, "PENDING"));
    return job;
  }

  find(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  describe(jobIds: string[]): JsonObject[] {
    return jobIds.map((id) => this.jobs.get(id)).filter((j): j is Job => j !== undefined && this.visible(j)).map((j) => this.detail(j));
  }

  list(filter: { queue?: JobQueue; status?: string; namePattern?: string }): JsonObject[] {
    const pattern = filter.namePattern;
    const nameMatches = (name: string): boolean =>
      pattern === undefined || (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern);
    return [...this.jobs.values()]
      .filter((j) => this.visible(j) && (filter.queue === undefined || j.queue === filter.queue) && (filter.status === undefined || j.status === filter.status) && nameMatches(j.jobName))
      .map((j) => this.summary(j));
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

  /** Makes one job fail this way: now if it is running, otherwise when it gets there. */
  injectFailure(jobId: string, request: FailureRequest): void {
    const job = this.jobs.get(jobId);
    if (!job) throw clientError(`Job ${jobId} not found`);
    if (TERMINAL_STATUSES.includes(job.status)) throw clientError(`Job ${jobId} is already ${job.status}`);
    if (request.kind === "cannot-pull" && (job.status === "RUNNING" || job.container)) {
      throw clientError(`Job ${jobId} has already started`);
    }
    job.failure = request;
    if (job.status === "RUNNING") this.applyRunningFailure(job);
  }

  /** Stops every container (used when the stack shuts down). */
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
      case "RUNNABLE": {
        const capacities = this.options.registry
          .queueEnvironments(job.queue)
          .filter((e) => e.state === "ENABLED")
          .map(environmentCapacity);
        const { vcpus, memoryMiB } = containerResources(job.resourceRequirements, job.definition.containerProperties);
        if (!fits({ vcpus, memoryMiB }, capacities)) {
          job.statusReason = RESOURCE_MISCONFIGURATION; // and there it stays, as on AWS
          return;
        }
        this.after(job, this.delays.runnableMs, () => this.enter(job, "STARTING"));
        return;
      }
      case "STARTING": {
        const taskId = job.attempts.length === 0 ? job.jobId : randomBytes(16).toString("hex");
        job.current = {
          containerInstanceArn: `arn:aws:ecs:${this.options.region}:${ACCOUNT_ID}:container-instance/${randomBytes(16).toString("hex")}`,
          taskArn: `arn:aws:ecs:${this.options.region}:${ACCOUNT_ID}:task/${taskId}`,
          logStreamName: `${job.definition.jobDefinitionName}/default/${taskId}`,
        };
        this.after(job, this.delays.startingMs, () => void this.run(job));
        return;
      }
      default:
        return;
    }
  }

  private async run(job: Job): Promise<void> {
    job.timers = [];
    const attempt = job.current;
    if (!attempt) return;
    const image = job.definition.containerProperties.image;
    const dir = imageDirectory(this.options.images, image);
    if (job.failure?.kind === "cannot-pull" || dir === undefined) {
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
    const attempt = job.current ?? { containerInstanceArn: "", taskArn: "", logStreamName: "" };
    const outcome = attemptOutcome(cause, exitCode);
    attempt.stoppedAt = this.now();
    attempt.exitCode = outcome.exitCode;
    attempt.reason = outcome.reason;
    attempt.statusReason = outcome.statusReason;
    job.attempts.push(attempt);
    job.current = undefined;
    job.stop = undefined;
    const maxAttempts = job.retryStrategy?.attempts ?? 1;
    if (!outcome.succeeded && outcome.retriable && job.attempts.length < maxAttempts) {
      job.statusReason = undefined;
      this.enter(job, "RUNNABLE");
      return;
    }
    job.status = outcome.succeeded ? "SUCCEEDED" : "FAILED";
    job.statusReason = outcome.statusReason;
    job.stoppedAt = attempt.stoppedAt;
  }

  private failWithoutContainer(job: Job, reason: string): void {
    this.clearTimers(job);
    job.current = undefined;
    job.status = "FAILED";
    job.statusReason = reason;
    job.stoppedAt = this.now();
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
  }

  private containerEnv(job: Job, imageEnv: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {
      PATH: this.options.jobPath,
      ...imageEnv,
      ...this.options.jobEnv(),
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JOB_ATTEMPT: String(job.attempts.length + 1),
      AWS_BATCH_JQ_NAME: job.queue.jobQueueName,
      AWS_BATCH_CE_NAME: this.options.registry.queueEnvironments(job.queue)[0]?.computeEnvironmentName ?? "",
    };
    for (const { name, value } of job.environment) env[name] = value;
    return env;
  }

  private detail(job: Job): JsonObject {
    const last = job.current ?? job.attempts.at(-1);
    const properties = job.definition.containerProperties;
    const container: JsonObject = {
      image: properties.image,
      command: job.command,
      volumes: properties.volumes ?? [],
      environment: job.environment,
      mountPoints: properties.mountPoints ?? [],
      readonlyRootFilesystem: false,
      ulimits: properties.ulimits ?? [],
      privileged: false,
      resourceRequirements: job.resourceRequirements,
      secrets: properties.secrets ?? [],
      networkInterfaces: [],
      ...(properties.vcpus !== undefined ? { vcpus: properties.vcpus } : {}),
      ...(properties.memory !== undefined ? { memory: properties.memory } : {}),
      ...(properties.jobRoleArn !== undefined ? { jobRoleArn: properties.jobRoleArn } : {}),
      ...(last ? { containerInstanceArn: last.containerInstanceArn, taskArn: last.taskArn, logStreamName: last.logStreamName } : {}),
      ...(last?.exitCode !== undefined ? { exitCode: last.exitCode } : {}),
      ...(last?.reason !== undefined ? { reason: last.reason } : {}),
    };
    return {
      jobArn: job.jobArn,
      jobName: job.jobName,
      jobId: job.jobId,
      jobQueue: job.queue.jobQueueArn,
      status: job.status,
      ...(job.statusReason !== undefined ? { statusReason: job.statusReason } : {}),
      attempts: job.attempts.map((a) => ({
        container: {
          containerInstanceArn: a.containerInstanceArn,
          taskArn: a.taskArn,
          ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}),
          ...(a.reason !== undefined ? { reason: a.reason } : {}),
          logStreamName: a.logStreamName,
          networkInterfaces: [],
        },
        ...(a.startedAt !== undefined ? { startedAt: a.startedAt } : {}),
        ...(a.stoppedAt !== undefined ? { stoppedAt: a.stoppedAt } : {}),
        ...(a.statusReason !== undefined ? { statusReason: a.statusReason } : {}),
      })),
      createdAt: job.createdAt,
      ...(job.retryStrategy ? { retryStrategy: job.retryStrategy } : {}),
      ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
      ...(job.stoppedAt !== undefined ? { stoppedAt: job.stoppedAt } : {}),
      dependsOn: [],
      jobDefinition: job.definition.jobDefinitionArn,
      parameters: job.definition.parameters ?? {},
      container,
      ...(job.timeout ? { timeout: job.timeout } : {}),
      tags: job.tags,
      propagateTags: job.definition.propagateTags ?? false,
      platformCapabilities: job.definition.platformCapabilities ?? ["EC2"],
    };
  }

  private summary(job: Job): JsonObject {
    const last = job.attempts.at(-1);
    return {
      jobArn: job.jobArn,
      jobId: job.jobId,
      jobName: job.jobName,
      createdAt: job.createdAt,
      status: job.status,
      ...(job.statusReason !== undefined ? { statusReason: job.statusReason } : {}),
      ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
      ...(job.stoppedAt !== undefined ? { stoppedAt: job.stoppedAt } : {}),
      ...(last ? { container: { ...(last.exitCode !== undefined ? { exitCode: last.exitCode } : {}), ...(last.reason !== undefined ? { reason: last.reason } : {}) } } : {}),
      jobDefinition: job.definition.jobDefinitionArn,
    };
  }
}

/** Takes the first request meant for this job name (or for any job) off the list. */
function takeFor<T extends { jobName?: string }>(requests: T[], jobName: string): T | undefined {
  const index = requests.findIndex((r) => r.jobName === undefined || r.jobName === jobName);
  return index >= 0 ? requests.splice(index, 1)[0] : undefined;
}
