/**
 * Following a job to its end: status changes as `Job now <STATUS>`, reasons a
 * waiting job is stuck (shown as soon as Batch gives one), live logs, and the
 * final `Job <STATUS> after <M.m> minutes (<reason>)` line (C74-C82, C116).
 * The texts are in messages.ts.
 *
 * DescribeJobs runs at once, then every 2 s for the first minute and every
 * 6 s after (the Nextstrain CLI polls every 6 s from the start; early polls
 * make short jobs and status changes show sooner at no real cost). Transient
 * failures and throttling are waited out, never fatal (R2), as the
 * `job-status` row of the retry policy (src/aws/retry.ts) says.
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { describeJob } from "../aws/batch.js";
import { JobState, type Status } from "../aws/job-state.js";
import { LogFollower, type FollowResult, type LogEvent } from "../aws/logs.js";
import { systemClock, type Clock } from "../aws/retry.js";
import { UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";
import { attemptsReport, attemptStarted, failureHint, finalStatusLine, formatLogLine, waitingHint } from "./messages.js";
import { neverStartCode, RunnableWatch, type WaitingRules } from "./runnable.js";

export interface FollowDeps {
  batch: BatchClient;
  logs: () => Promise<CloudWatchLogsClient>;
  reporter: Reporter;
  clock?: Clock;
}

export interface FollowOptions {
  /** Show the job's logs (off with --no-logs, C80). */
  logs: boolean;
  /** The status already shown (after `Job is <STATUS>` on attach), so it is not repeated. */
  shownStatus?: Status;
  /** Aborted to stop following (detach). */
  signal?: AbortSignal;
  /** Told of each state read, so job control knows whether the job has ended. */
  onUpdate?: (job: JobState) => void;
  /** What to do about a job held RUNNABLE (runnable.ts); without it, it is waited for as long as it takes. */
  waiting?: WaitingRules;
}

/** How long to wait before the next DescribeJobs. */
export function statusPollDelay(followingForMs: number): number {
  return followingForMs < 60_000 ? 2000 : 6000;
}

export async function followJob(jobId: string, deps: FollowDeps, options: FollowOptions): Promise<JobState> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const watch = new JobWatch(deps, options, clock);
  try {
    for (;;) {
      const job = await readJob(jobId, deps, clock, options.signal);
      options.onUpdate?.(job);
      await watch.show(job);
      if (job.isComplete) return await watch.finish(job);
      await clock.sleep(statusPollDelay(clock.now() - started), options.signal);
    }
  } finally {
    watch.stopLogs();
  }
}

/** One DescribeJobs, outages waited out with one warning (and one line when Batch answers again). */
async function readJob(jobId: string, deps: FollowDeps, clock: Clock, signal: AbortSignal | undefined): Promise<JobState> {
  let retried = false;
  const onRetry = (error: unknown, attempt: number) => {
    retried = true;
    if (attempt === 1) deps.reporter.warn(`AWS Batch did not answer (${(error as Error).message}); still watching the job, retrying.`);
  };
  const detail = await describeJob(deps.batch, jobId, { call: "job-status", clock, signal, onRetry });
  if (retried) deps.reporter.line("AWS Batch answers again.");
  if (!detail) throw new UserError(`AWS Batch no longer knows job ${jobId}.`, "Batch forgets jobs a few days after they end.");
  return new JobState(detail);
}

/** One log stream being tailed: an attempt's. */
interface Tail {
  stream: string;
  group: string;
  end: () => void;
  result: Promise<FollowResult>;
}

/** What following has shown so far: status, reason, attempt, and the log stream of each attempt. */
class JobWatch {
  private previous: Status;
  private shownReason: string | undefined;
  /** How many of the job's ended attempts were reported. */
  private attemptsShown = 0;
  private readonly tails: Tail[] = [];
  private readonly runnable: RunnableWatch | undefined;

  constructor(
    private readonly deps: FollowDeps,
    private readonly options: FollowOptions,
    private readonly clock: Clock,
  ) {
    this.previous = options.shownStatus ?? "UNKNOWN";
    this.runnable = options.waiting && new RunnableWatch(options.waiting, deps.reporter, clock);
  }

  /** Prints a status change, a new attempt, a new waiting reason with its hint; tails each attempt's log stream. */
  async show(job: JobState): Promise<void> {
    const { reporter } = this.deps;
    const attempt = attemptStarted(job, this.attemptsShown);
    if (attempt) reporter.stage(attempt.label, attempt.detail);
    if (job.status !== this.previous) reportStatus(reporter, job);
    this.previous = job.status;
    this.attemptsShown = reportAttempts(reporter, job, this.attemptsShown);
    const reason = job.detail.statusReason;
    if (job.isWaiting && reason && reason !== this.shownReason) {
      this.shownReason = reason;
      reporter.line(`Job is waiting: ${reason}`);
      const cancelling = neverStartCode(reason) !== undefined && this.options.waiting !== undefined && !this.options.waiting.keepWaiting;
      const hint = cancelling ? undefined : waitingHint(reason);
      if (hint) reporter.warn(hint);
    }
    if (this.options.logs && job.logStreamName && job.logStreamName !== this.tails.at(-1)?.stream) this.tail(job.logGroupName, job.logStreamName);
    await this.runnable?.check(job);
  }

  private tail(group: string, stream: string): void {
    const { reporter } = this.deps;
    // A new attempt's stream: the previous one drains on its own.
    this.tails.at(-1)?.end();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const result = this.deps.logs().then((client) =>
      new LogFollower({
        client,
        group,
        stream,
        onEvent: (event) => showLogEvent(reporter, event),
        onTrouble: (problem) => (problem ? reporter.warn(`${problem}. Log lines are not lost; they appear when it answers.`) : undefined),
        clock: this.clock,
      }).follow(ended),
    );
    this.tails.push({ stream, group, end, result });
  }

  /** Drains the logs, then prints the final line, the attempts when there were several, and a hint for a failure. */
  async finish(job: JobState): Promise<JobState> {
    const { reporter } = this.deps;
    this.stopLogs();
    const results = await Promise.all(this.tails.map((tail) => tail.result));
    const last = this.tails.at(-1);
    if (this.options.logs && last && results.at(-1)?.streamSeen === false) {
      reporter.warn(`The job's log stream ${last.group}/${last.stream} never appeared: its container probably never started.`);
    } else if (this.options.logs && !job.logStreamName) {
      reporter.warn("The job has no log stream: its container never started.");
    }
    const final = finalStatusLine(job, this.clock.now());
    reporter.stage(final.label, final.detail);
    for (const line of attemptsReport(job)) reporter.line(line);
    const hint = failureHint(job);
    if (hint) reporter.warn(hint);
    return job;
  }

  stopLogs(): void {
    for (const tail of this.tails) tail.end();
  }
}

/** A line of the job's CloudWatch log: `[batch] [<time>] <message>` for people (C81), its time and message as an event. */
export function showLogEvent(reporter: Reporter, event: LogEvent): void {
  reporter.emit({ type: "log", message: event.message ?? "", timestamp: event.timestamp ?? event.ingestionTime }, { line: formatLogLine(event) });
}

/** A new status: `Job now <STATUS>` for people while the job goes on (its end has a line of its own), an event for every one. */
function reportStatus(reporter: Reporter, job: JobState): void {
  const reason = job.detail.statusReason;
  const event = { type: "status" as const, jobId: job.detail.jobId ?? "", status: job.status, ...(reason ? { reason } : {}), ...(job.exitCode === undefined ? {} : { exitCode: job.exitCode }) };
  reporter.emit(event, job.isComplete ? undefined : { stage: `Job now ${job.status}` });
}

/** Attempts AWS Batch lists that were not reported yet (it lists each once it has ended); returns how many are reported. */
function reportAttempts(reporter: Reporter, job: JobState, shown: number): number {
  const attempts = job.detail.attempts ?? [];
  attempts.slice(shown).forEach((attempt, index) => {
    const { exitCode, reason, logStreamName } = attempt.container ?? {};
    const why = reason ?? attempt.statusReason;
    reporter.emit({
      type: "attempt",
      jobId: job.detail.jobId ?? "",
      attempt: shown + index + 1,
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(why ? { reason: why } : {}),
      ...(logStreamName ? { logStream: logStreamName } : {}),
    });
  });
  return Math.max(shown, attempts.length);
}
