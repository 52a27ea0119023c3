/**
 * A job held RUNNABLE, watched so it never waits in silence:
 *
 *  - a status reason that means it can never start as submitted
 *    (`MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`,
 *    `MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE`, as Batch writes them:
 *    https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable_misconfiguration.html)
 *    cancels it, with the fix, unless --keep-waiting (an administrator may be
 *    enlarging the environment);
 *  - RUNNABLE with no reason for the diagnose-after time (5 minutes): what is
 *    likely holding it, from what can be read of its queue, said once;
 *  - RUNNABLE for --max-runnable: cancelled, with that diagnosis.
 *
 * Batch keeps no "RUNNABLE since" time, so the clock starts when the follower
 * first sees the job RUNNABLE (on attach, when attaching).
 */
import type { Clock } from "../aws/retry.js";
import type { JobState } from "../aws/job-state.js";
import { UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";
import { PROGRAM } from "../program.js";
import { showDuration } from "../config/run-value-types.js";

/** Status reason codes after which the job can never start as submitted. */
export const NEVER_STARTS = ["MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"] as const;

/** The code of a status reason that means the job can never start, else undefined. */
export function neverStartCode(reason: string | undefined): string | undefined {
  return NEVER_STARTS.find((code) => reason === code || reason?.startsWith(`${code} `) || reason?.startsWith(`${code}:`));
}

export interface WaitingRules {
  keepWaiting: boolean;
  diagnoseAfterMs: number;
  maxRunnableMs?: number;
  /** What is likely holding the job, read from its queue. */
  diagnose: (job: JobState) => Promise<string[]>;
  /** TerminateJob with this reason. */
  cancel: (reason: string) => Promise<void>;
}

/** The tool cancelled a job that could never start, or waited too long: exit 1, the job is not left running. */
export class JobCancelled extends UserError {}

export class RunnableWatch {
  private since: number | undefined;
  private diagnosed = false;

  constructor(
    private readonly rules: WaitingRules,
    private readonly reporter: Reporter,
    private readonly clock: Clock,
  ) {}

  /** Looks at one state of the job; throws JobCancelled once it has cancelled it. */
  async check(job: JobState): Promise<void> {
    if (job.status !== "RUNNABLE") {
      this.since = undefined;
      return;
    }
    this.since ??= this.clock.now();
    const waited = this.clock.now() - this.since;
    const code = neverStartCode(job.detail.statusReason);
    if (code && !this.rules.keepWaiting) {
      await this.rules.cancel(`${PROGRAM}: ${code}`);
      throw new JobCancelled(`Job ${job.id} can never start as submitted (${code}), so it was cancelled.`, NEVER_STARTS_FIX);
    }
    if (this.rules.maxRunnableMs !== undefined && waited >= this.rules.maxRunnableMs) {
      const limit = showDuration(Math.round(this.rules.maxRunnableMs / 1000));
      const diagnosis = await this.rules.diagnose(job);
      await this.rules.cancel(`${PROGRAM}: RUNNABLE for more than --max-runnable ${limit}`);
      throw new JobCancelled(`Job ${job.id} did not start within --max-runnable ${limit}, so it was cancelled. What is likely holding it:\n${bullets(diagnosis)}`);
    }
    if (!code && !job.detail.statusReason && !this.diagnosed && waited >= this.rules.diagnoseAfterMs) {
      this.diagnosed = true;
      const diagnosis = await this.rules.diagnose(job);
      this.reporter.warn(`The job has been RUNNABLE for ${showDuration(Math.round(waited / 1000))} and AWS Batch gives no reason. What is likely holding it:\n${bullets(diagnosis)}`);
    }
  }
}

const NEVER_STARTS_FIX =
  "Ask for less (--cpus and --memory, or --aws-batch-cpus and --aws-batch-memory), use a queue with larger instances (--aws-batch-queue), " +
  "or give the compute environment larger instance types or a higher maxvCpus. With --keep-waiting the job is left waiting instead (while an administrator enlarges the environment).";

function bullets(lines: readonly string[]): string {
  return lines.map((line) => `  - ${line}`).join("\n");
}
