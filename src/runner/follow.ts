/**
 * Following a job to its end: status changes as `Job now <STATUS>`, reasons a
 * waiting job is stuck (shown as soon as Batch gives one), live logs, and the
 * final `Job <STATUS> after <M.m> minutes (<reason>)` line (C74-C82, C116).
 *
 * DescribeJobs runs at once, then every 2 s for the first minute and every
 * 6 s after (the Nextstrain CLI polls every 6 s from the start; early polls
 * make short jobs and status changes show sooner at no real cost). Transient
 * failures and throttling are waited out, never fatal (R2).
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { describeJob } from "../aws/batch.js";
import { isTransient } from "../aws/errors.js";
import { finalStatusLine, formatLogLine, JobState, type Status } from "../aws/job-state.js";
import { LogFollower, type FollowResult } from "../aws/logs.js";
import { backoffDelay, PATIENT, sleep as realSleep } from "../aws/retry.js";
import { UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";

export interface FollowDeps {
  batch: BatchClient;
  logs: () => Promise<CloudWatchLogsClient>;
  reporter: Reporter;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
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
}

/** How long to wait before the next DescribeJobs. */
export function statusPollDelay(followingForMs: number): number {
  return followingForMs < 60_000 ? 2000 : 6000;
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
    return "The job ran longer than its timeout allows. Raise the timeout (attemptDurationSeconds) of the job definition (--aws-batch-job), or split the workflow into shorter runs.";
  }
  if (/^Host EC2 .* terminated/.test(status)) {
    return "The machine running the job went away (a Spot instance reclaimed, or scaled in). Run the build again; a retry strategy in the job definition retries such jobs by itself.";
  }
  if (/^Cannot(Pull|Start|Inspect|Create)Container/.test(container) || status === "Task failed to start") {
    return "The job's container never started. Check that the image (--image) exists and that the compute environment may pull it; the reason above says more.";
  }
  if (job.exitCode !== undefined && job.exitCode !== 0) {
    return `The workflow exited with status ${job.exitCode}: its log above says why. Fix the build and run it again.`;
  }
  return undefined;
}

export async function followJob(jobId: string, deps: FollowDeps, options: FollowOptions): Promise<JobState> {
  const { reporter } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const started = now();
  let previous: Status = options.shownStatus ?? "UNKNOWN";
  let shownReason: string | undefined;
  let follower: Promise<FollowResult> | undefined;
  let endFollowing!: () => void;
  const ended = new Promise<void>((resolve) => (endFollowing = resolve));
  let troubled = 0;

  try {
    for (;;) {
      let job: JobState;
      try {
        const detail = await describeJob(deps.batch, jobId);
        if (!detail) throw new UserError(`AWS Batch no longer knows job ${jobId}.`, "Batch forgets jobs a few days after they end.");
        job = new JobState(detail);
        options.onUpdate?.(job);
        if (troubled > 0) reporter.line("AWS Batch answers again.");
        troubled = 0;
      } catch (error) {
        if (!isTransient(error)) throw error;
        troubled += 1;
        if (troubled === 1) reporter.warn(`AWS Batch did not answer (${(error as Error).message}); still watching the job, retrying.`);
        await sleep(backoffDelay(PATIENT, troubled), options.signal);
        continue;
      }

      if (!job.isComplete && job.status !== previous) reporter.stage(`Job now ${job.status}`);
      previous = job.status;

      const reason = job.detail.statusReason;
      if (job.isWaiting && reason && reason !== shownReason) {
        shownReason = reason;
        const hint = waitingHint(reason);
        reporter.line(`Job is waiting: ${reason}`);
        if (hint) reporter.warn(hint);
      }

      if (options.logs && follower === undefined && job.logStreamName) {
        const stream = job.logStreamName;
        const group = job.logGroupName;
        follower = deps.logs().then((client) =>
          new LogFollower({
            client,
            group,
            stream,
            onEvent: (event) => reporter.log(formatLogLine(event)),
            onTrouble: (problem) => (problem ? reporter.warn(`${problem}. Log lines are not lost; they appear when it answers.`) : undefined),
            sleep: deps.sleep,
            now: deps.now,
          }).follow(ended),
        );
      }

      if (job.isComplete) {
        endFollowing();
        const logs = await follower;
        if (options.logs && logs && !logs.streamSeen) {
          reporter.warn(`The job's log stream ${job.logGroupName}/${job.logStreamName} never appeared: its container probably never started.`);
        } else if (options.logs && !job.logStreamName) {
          reporter.warn("The job has no log stream: its container never started.");
        }
        const final = finalStatusLine(job, now());
        reporter.stage(final.label, final.detail);
        const hint = failureHint(job);
        if (hint) reporter.warn(hint);
        return job;
      }
      await sleep(statusPollDelay(now() - started), options.signal);
    }
  } finally {
    endFollowing();
  }
}
