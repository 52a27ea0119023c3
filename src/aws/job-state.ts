/**
 * A Batch job as the tool sees it: a small state object over one DescribeJobs
 * entry (docs/compatibility.md#watching), and the lines that report on it.
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
 *  - A job with neither a status reason nor a container reason ends with
 *    `(no reason given)`, where the Nextstrain CLI prints Python's `(None)`.
 *    The parentheses stay, so the line keeps its shape for anyone matching it;
 *    "None" read as if AWS had given a reason of that name.
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
    return TERMINAL.has(this.status);
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

/**
 * The final line, `Job <STATUS> after <M.m> minutes (<reason>)`, as a bold
 * label and the rest (C82).
 */
export function finalStatusLine(job: JobState, nowMs: number): { label: string; detail: string } {
  return {
    label: `Job ${job.status} after ${formatFixed1(job.elapsedMinutes(nowMs))} minutes`,
    detail: `(${job.reason ?? "no reason given"})`,
  };
}

/**
 * A number with one decimal, as Python's `%0.1f` writes it (C115). Both round
 * the exact binary value, so they differ only on exact ties, which a double has
 * at one decimal only when its fraction is .25 or .75: Python rounds those to
 * even (0.25 -> 0.2), toFixed() away from zero (0.3).
 */
export function formatFixed1(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const magnitude = Math.abs(value);
  const fraction = magnitude % 1;
  if (fraction === 0.25 || fraction === 0.75) return `${sign}${Math.trunc(magnitude)}.${fraction === 0.25 ? 2 : 8}`;
  return sign + magnitude.toFixed(1);
}

/** Minutes east of UTC at an instant, e.g. 60 for Central European Time in winter. */
export type UtcOffset = (epochMs: number) => number;

/** The offset of the machine's time zone (TZ). */
export const localUtcOffset: UtcOffset = (epochMs) => -new Date(epochMs).getTimezoneOffset();

/** What a log line needs of a CloudWatch Logs event (GetLogEvents and FilterLogEvents both fit). */
export interface LogEvent {
  message?: string;
  timestamp?: number;
  ingestionTime?: number;
}

/**
 * `[batch] [<time>] <message>`, the time being the event's timestamp (else its
 * ingestion time) rounded half to even to whole seconds, as ISO-8601 in the
 * given time zone with its offset and no fraction (C81); `[batch] <message>`
 * when the event has no time.
 */
export function formatLogLine(event: LogEvent, offset: UtcOffset = localUtcOffset): string {
  const ms = event.timestamp ?? event.ingestionTime;
  const message = event.message ?? "";
  if (ms === undefined) return `[batch] ${message}`;
  return `[batch] [${isoSeconds(roundHalfEven(ms / 1000), offset)}] ${message}`;
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `2023-11-14T23:13:20+01:00` for whole seconds since the epoch. */
function isoSeconds(seconds: number, offset: UtcOffset): string {
  const minutes = Math.round(offset(seconds * 1000));
  const local = new Date((seconds + minutes * 60) * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const zone = `${minutes < 0 ? "-" : "+"}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
  return `${date}T${time}${zone}`;
}
