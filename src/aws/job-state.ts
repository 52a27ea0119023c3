/**
 * A Batch job as the tool sees it: a small state object over one DescribeJobs
 * entry (docs/compatibility.md#watching), and predicates on statuses. The
 * lines that report on a job are in src/runner/messages.ts.
 *
 * A JobState never changes; polling again makes a new one. What it answers:
 * the status and its class (waiting, running, complete, failed), where the
 * job's log and build archive are, why it ended (C82), whether the user
 * stopped it (C83) and the exit status the tool ends with (C90).
 *
 * Deliberate deviations from the Nextstrain CLI:
 *  - The log group is the job's own `awslogs-group` when its log configuration
 *    names one; the Nextstrain CLI always reads `/aws/batch/job` and finds no
 *    log for jobs whose definition sends it elsewhere.
 */
import type { JobDetail, JobStatus } from "@aws-sdk/client-batch";

/** The reason sent with TerminateJob; a job that ended with exactly this reason was stopped by a user. */
export const STOP_REASON = "stopped by user";

/** Where Batch sends job logs unless the job definition's log configuration says otherwise. */
export const DEFAULT_LOG_GROUP = "/aws/batch/job";

/** The job environment variable that holds the S3 URL of the build archive (C72). */
export const WORKDIR_URL_VARIABLE = "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL";

/** A job status; UNKNOWN when DescribeJobs gave none. */
export type Status = JobStatus | "UNKNOWN";

const WAITING: ReadonlySet<string> = new Set(["SUBMITTED", "PENDING", "RUNNABLE", "STARTING"]);
const TERMINAL: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED"]);

/** Whether a status (as Batch gives it, or as a job record keeps it) is one a job never leaves. */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/** The reason Batch gives for an ordinary container exit, replaced by "exited <code>". */
const CONTAINER_EXITED = "Essential container in task exited";

export class JobState {
  constructor(readonly detail: JobDetail) {}

  get id(): string {
    return this.detail.jobId ?? "";
  }

  get status(): Status {
    return this.detail.status ?? "UNKNOWN";
  }

  get isWaiting(): boolean {
    return WAITING.has(this.status);
  }

  get isRunning(): boolean {
    return this.status === "RUNNING";
  }

  get isComplete(): boolean {
    return isTerminal(this.status);
  }

  get isFailed(): boolean {
    return this.status === "FAILED";
  }

  get exitCode(): number | undefined {
    return this.detail.container?.exitCode;
  }

  /** The CloudWatch Logs stream; absent until the container has started, and for jobs that never start. */
  get logStreamName(): string | undefined {
    return this.detail.container?.logStreamName;
  }

  get logGroupName(): string {
    return this.detail.container?.logConfiguration?.options?.["awslogs-group"] || DEFAULT_LOG_GROUP;
  }

  /** The S3 URL of the job's build archive, from its environment. */
  get workdirUrl(): string | undefined {
    return this.detail.container?.environment?.find((variable) => variable.name === WORKDIR_URL_VARIABLE)?.value;
  }

  /**
   * Why the job is where it is: the container's reason and the job's status
   * reason, joined by ", ", with Batch's wording for an ordinary exit replaced
   * by "exited <code>"; undefined when there is neither.
   */
  get reason(): string | undefined {
    let status = this.detail.statusReason;
    if (status === CONTAINER_EXITED) status = this.exitCode === undefined ? "exited" : `exited ${this.exitCode}`;
    const container = this.detail.container?.reason;
    return status && container ? `${container}, ${status}` : status || container || undefined;
  }

  /** Stopped through TerminateJob by this tool or the Nextstrain CLI, in this run or an earlier one. */
  get stoppedByUser(): boolean {
    return this.reason === STOP_REASON;
  }

  /** The exit status of the tool for a finished job: the container's, else 1 if it failed, else 0 (C90). */
  get exitStatus(): number {
    return this.exitCode ?? (this.isFailed ? 1 : 0);
  }

  /** Minutes from creation to stop (or to `nowMs` while it runs); NaN without a creation time. */
  elapsedMinutes(nowMs: number): number {
    // The same operations as the Nextstrain CLI, so that values near a rounding
    // boundary print the same.
    const created = (this.detail.createdAt ?? NaN) / 1000;
    const stopped = (this.detail.stoppedAt ?? nowMs) / 1000;
    return (stopped - created) / 60;
  }
}
