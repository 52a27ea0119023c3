/**
 * Every text about a job: the control hints after "Watching job status"
 * (C96) and the block printed on detaching (C97, C98), with the Nextstrain
 * CLI's exact texts; the re-attach lines that end any failure once a job
 * exists; the log line format (C81), the final status line (C82) and the
 * hints for a waiting or failed job.
 *
 * The detach block names this tool's own commands. It offers both:
 * `nextstrain-ts attach <job-id>`, and the drop-in form
 * `nextstrain-ts build --aws-batch --attach <job-id> <build-root>`, which is
 * the last line. Users and scripts take the last line (`tail -n1`) to re-attach
 * later, possibly on another machine or CI runner; the build form is the
 * Nextstrain CLI's own command under our name, carries the build root the
 * results go to, and needs nothing but the job id and that path.
 */
import type { DownloadSpec } from "../archive/patterns.js";
import type { LogEvent } from "../aws/logs.js";
import { describeAwsError } from "../aws/errors.js";
import type { AttemptDetail } from "@aws-sdk/client-batch";
import { STOP_REASON, type JobState } from "../aws/job-state.js";
import { UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";
import { PROGRAM } from "../program.js";
import { shellQuote } from "../ui/shell-quote.js";

/** Seconds within which a second Control-C cancels the job. */
export const CANCEL_CONFIRMATION_SECONDS = 10;

/** A line of a message block: plain text, or a stage line shown in bold. */
export type MessageLine = string | { stage: string };

export function printLines(reporter: Pick<Reporter, "stage" | "line">, lines: readonly MessageLine[]): void {
  for (const line of lines) {
    if (typeof line === "string") reporter.line(line);
    else reporter.stage(line.stage);
  }
}

/** Signals beyond SIGINT that the platform delivers (Windows has neither). */
export interface DetachSignals {
  SIGHUP: boolean;
  SIGTSTP: boolean;
}

export interface HintOptions {
  /** Whether stdin (not stdout) is a terminal. */
  stdinIsTTY: boolean;
  detachOnInterrupt: boolean;
  signals: DetachSignals;
}

/** The hint lines, framed by blank lines as printed. */
export function controlHints({ stdinIsTTY, detachOnInterrupt, signals }: HintOptions): string[] {
  return ["", ...hintText(stdinIsTTY, detachOnInterrupt, signals), ""];
}

function hintText(stdinIsTTY: boolean, detachOnInterrupt: boolean, signals: DetachSignals): string[] {
  const twice = `Press Control-C twice within ${CANCEL_CONFIRMATION_SECONDS} seconds to cancel this job`;
  if (stdinIsTTY) {
    if (detachOnInterrupt) {
      if (signals.SIGTSTP) return ["Press Control-C or Control-Z to detach from this job."];
      if (signals.SIGHUP) return ["Press Control-C or send SIGHUP to detach from this job."];
      return ["Press Control-C to detach from this job."];
    }
    if (signals.SIGTSTP) return [`${twice},`, "      Control-Z to detach from it."];
    // The leading space is the Nextstrain CLI's.
    if (signals.SIGHUP) return [`${twice}.`, " Send SIGHUP to detach from it."];
    return [`${twice}.`];
  }
  const detachers = [...(signals.SIGHUP ? ["SIGHUP"] : []), ...(signals.SIGTSTP ? ["SIGTSTP"] : [])];
  if (detachOnInterrupt) return [`Send ${proseList(["SIGINT", ...detachers])} to detach from this job.`];
  if (detachers.length > 0) return ["Send SIGINT to cancel this job,", `     ${proseList(detachers)} to detach from it.`];
  return ["Send SIGINT to cancel this job."];
}

/** "A", "A or B", "A, B, or C". */
function proseList(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" or ");
  return `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}

/**
 * The detach block (C97): the re-attach commands with the job id and the build
 * root shell-quoted (C98), `.` when attached without a directory. No option in
 * effect is repeated in them (C119).
 */
export function detachBlock(jobId: string, buildRoot: string | undefined): MessageLine[] {
  return [
    "",
    { stage: "Detaching from job, as requested" },
    "",
    "Run one of the following commands to re-attach to this job later to see output",
    "and download results:",
    "",
    ...reattachCommands(jobId, buildRoot),
  ];
}

/** What a failure once a job exists ends with: the job is not lost, and how to get back to it (the re-attach command last). */
export function jobUnaffected(jobId: string, buildRoot: string | undefined): string[] {
  return [
    `Job ${jobId} is not affected: it goes on (or has ended) in AWS Batch. Run one of the`,
    "following commands to re-attach to it to see output and download results:",
    "",
    ...reattachCommands(jobId, buildRoot),
  ];
}

function reattachCommands(jobId: string, buildRoot: string | undefined): string[] {
  const id = shellQuote(jobId);
  return [`${PROGRAM} attach ${id}`, `${PROGRAM} build --aws-batch --attach ${id} ${shellQuote(buildRoot ?? ".")}`];
}

/** A cancellation that AWS Batch did not take: an expected failure, with the commands that cancel the job another way. */
export function cancelFailed(jobId: string, error: unknown): UserError {
  if (error instanceof UserError) return error;
  return new UserError(
    `Could not cancel job ${jobId}: ${describeAwsError(error)}.`,
    `The job goes on. Cancel it with Control-C again, with \`${PROGRAM} attach --cancel ${shellQuote(jobId)}\`, or with \`aws batch terminate-job --job-id ${shellQuote(jobId)} --reason '${STOP_REASON}'\`.`,
  );
}

/** Why an attempt ended, in a few words: "the instance was reclaimed", "exited 1", the reason Batch gave. */
export function attemptEnd(attempt: AttemptDetail): string {
  const status = attempt.statusReason ?? "";
  if (/^Host EC2/.test(status)) return `the instance was reclaimed (${status})`;
  if (status.includes("attempt duration exceeded timeout")) return "it ran out of time (--timeout)";
  const code = attempt.container?.exitCode;
  const reason = attempt.container?.reason;
  return reason ?? (code !== undefined ? `exited ${code}` : status || "no reason given");
}

/** "Attempt 2 of 3:" and why the one before ended, when a job with retries has begun a new attempt since `shown` attempts had ended. */
export function attemptStarted(job: JobState, shown: number): { number: number; label: string; detail: string } | undefined {
  const ended = job.detail.attempts ?? [];
  const total = job.detail.retryStrategy?.attempts ?? 1;
  const previous = ended.at(-1);
  if (job.isComplete || total < 2 || ended.length <= shown || previous === undefined) return undefined;
  const number = ended.length + 1;
  return { number, label: `Attempt ${number} of ${total}:`, detail: attemptEnd(previous) };
}

/** After the final line of a job tried more than once: each attempt and how it ended. */
export function attemptsReport(job: JobState): string[] {
  const attempts = job.detail.attempts ?? [];
  if (attempts.length < 2) return [];
  return [`Attempts (${attempts.length}):`, ...attempts.map((attempt, index) => `  ${index + 1}: ${attemptEnd(attempt)}`)];
}

/**
 * The command that finishes an interrupted download: `attach` to the ended
 * job without its logs, with the same download patterns, into the same build
 * root. Files already written are not fetched again (their CRC-32 matches).
 */
export function finishDownloadCommand(jobId: string, buildRoot: string, spec: DownloadSpec): string {
  const patterns = spec === true ? [] : spec.map((pattern) => `--download ${shellQuote(pattern)}`);
  return [PROGRAM, "attach", "--no-logs", ...patterns, shellQuote(jobId), shellQuote(buildRoot)].join(" ");
}

/** A hint for a waiting job's reason, when Batch's words need one. */
export function waitingHint(reason: string): string | undefined {
  if (reason.startsWith("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT")) {
    return "The job asks for more vCPUs or memory than the queue's compute environments offer, so it will never start. Cancel it and ask for less (--cpus, --memory, or the aws-batch cpus/memory settings), or give the compute environment larger instances.";
  }
  if (reason.startsWith("MISCONFIGURATION:")) return "The queue or its compute environments are misconfigured, so the job cannot start. Cancel it and check the queue in the AWS Batch console.";
  if (reason.startsWith("CAPACITY:")) return "AWS has no capacity for the job right now; it starts when capacity frees up.";
  return undefined;
}

/** What to do next about a job that failed, by the way it failed; undefined for a job that succeeded. */
export function failureHint(job: JobState): string | undefined {
  if (!job.isFailed) return undefined;
  const container = job.detail.container?.reason ?? "";
  const status = job.detail.statusReason ?? "";
  if (job.stoppedByUser) return "The job was stopped on request, so its results were not downloaded. Run the build again to start over.";
  if (container.startsWith("OutOfMemoryError")) {
    return "The job ran out of memory. Ask for more with --memory (or --aws-batch-memory, the aws-batch memory setting), or make the workflow use less.";
  }
  if (status.includes("attempt duration exceeded timeout")) {
    return "The job ran longer than its timeout allows. Raise it (--timeout, or the job definition's attemptDurationSeconds), or split the workflow into shorter runs.";
  }
  if (/^Host EC2 .* terminated/.test(status)) {
    return "The machine running the job went away (a Spot instance reclaimed, or scaled in). Run the build again; --retry <n> retries such losses by itself, and --fallback-queue then tries another queue.";
  }
  if (/^Cannot(Pull|Start|Inspect|Create)Container/.test(container) || status === "Task failed to start") {
    return "The job's container never started. Check that the image (--image) exists and that the compute environment may pull it; the reason above says more.";
  }
  if (job.exitCode !== undefined && job.exitCode !== 0) {
    return `The workflow exited with status ${job.exitCode}: its log above says why. Fix the build and run it again.`;
  }
  return undefined;
}

/**
 * The final line, `Job <STATUS> after <M.m> minutes (<reason>)`, as a bold
 * label and the rest (C82). Deliberate deviation: a job with neither a status
 * reason nor a container reason ends with `(no reason given)`, where the
 * Nextstrain CLI prints Python's `(None)`. The parentheses stay, so the line
 * keeps its shape for anyone matching it; "None" read as if AWS had given a
 * reason of that name.
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
