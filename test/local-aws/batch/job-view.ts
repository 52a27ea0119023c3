// Jobs as DescribeJobs and ListJobs show them: the job, its container (the
// latest attempt's task, log stream, exit code and reason) and every finished
// attempt with its own log stream, times and reasons.
import type { RunningContainer } from "./container.js";
import type { FailureRequest } from "./failures.js";
import type { JobDefinition, JobQueue, JobStatus, JsonObject, KeyValuePair, ResourceRequirement } from "./model.js";
import type { StopCause } from "./outcome.js";
import type { RetryStrategy } from "./retry.js";

export interface Attempt {
  containerInstanceArn: string;
  taskArn: string;
  logStreamName: string;
  startedAt?: number;
  stoppedAt?: number;
  exitCode?: number;
  reason?: string;
  statusReason?: string;
}

export interface Job {
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
  vcpus: number;
  memoryMiB: number;
  timeout?: { attemptDurationSeconds: number };
  retryStrategy?: RetryStrategy;
  tags: Record<string, string>;
  propagateTags: boolean;
  attempts: Attempt[];
  current?: Attempt;
  timers: NodeJS.Timeout[];
  container?: RunningContainer;
  stop?: StopCause;
  /** Failures asked for through the control API, by attempt. */
  failures: FailureRequest[];
  /** The failure the current attempt meets. */
  failure?: FailureRequest;
  /** The compute environment the job holds vCPUs in, from placement until its attempt ends. */
  placedIn?: string;
  /** When the current RUNNABLE status reason appeared (for the queue's time limits). */
  reasonSince?: number;
  limitTimer?: NodeJS.Timeout;
  /** DescribeJobs and ListJobs leave the job out before this time. */
  visibleAt: number;
}

export function jobDetail(job: Job): JsonObject {
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
    propagateTags: job.propagateTags,
    platformCapabilities: job.definition.platformCapabilities ?? ["EC2"],
  };
}

export function jobSummary(job: Job): JsonObject {
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
