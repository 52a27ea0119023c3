/**
 * What a job's record says about it, for `jobs`, `jobs --prune` and `attach`.
 *
 * AWS Batch forgets jobs a few days after they end. A record whose job Batch
 * no longer knows (`forgottenAt`) is of a job that has ended, whatever status
 * was last seen; `attach` then learns what it can from S3 (`end`): the job's
 * entrypoint uploads the archive again once the workflow has run, so an
 * archive rewritten after the submission means the workflow ran to its end
 * and the results are complete, while its exit status went with Batch's
 * record; an archive still as uploaded means the job never got that far.
 */
import { isTerminal } from "../aws/job-state.js";
import { showDuration } from "../config/run-value-types.js";
import type { JobRecord } from "../state/records.js";

/** Whether AWS Batch was seen to end the job (its record then holds how). */
export function seenEnded(record: JobRecord): boolean {
  return isTerminal(record.status);
}

/** Whether the job has ended: Batch said so, or has forgotten it. */
export function isFinished(record: JobRecord): boolean {
  return seenEnded(record) || record.forgottenAt !== undefined;
}

/** Whether the job still needs attention: running or waiting, or ended with results not yet downloaded. */
export function needsAttention(record: JobRecord): boolean {
  return !(isFinished(record) && record.downloaded);
}

/** The status column of `jobs`. */
export function describeStatus(record: JobRecord): string {
  if (seenEnded(record) || record.forgottenAt === undefined) {
    return record.exitCode === undefined ? record.status : `${record.status} (exit ${record.exitCode})`;
  }
  switch (record.end) {
    case "results-uploaded":
      return "ENDED (results uploaded; exit status unknown)";
    case "no-results":
      return "ENDED (no results uploaded)";
    default:
      return `ENDED (forgotten by AWS Batch; last seen ${record.status})`;
  }
}

/**
 * How long the job waited to start: from its submission to its container's
 * start; while it still waits, so far ("12m so far"); "-" for a job that
 * ended without starting, or whose start is not known.
 */
export function waitedText(record: JobRecord, now: number): string {
  const submitted = Date.parse(record.submittedAt);
  if (record.startedAt !== undefined) return showDuration(Math.max(0, Math.round((Date.parse(record.startedAt) - submitted) / 1000)));
  if (isFinished(record) || Number.isNaN(submitted)) return "-";
  return `${showDuration(Math.max(0, Math.round((now - submitted) / 1000)))} so far`;
}

/**
 * Whether the job uploaded its results after its submission, from the
 * archive's last-modified time. S3 keeps whole seconds, so an archive
 * modified in the second of the submission proves nothing (a real job takes
 * far longer than that to start).
 */
export function archiveRewritten(archiveModified: Date, submitted: Date): boolean {
  return Math.floor(archiveModified.getTime() / 1000) > Math.floor(submitted.getTime() / 1000);
}

/**
 * For a little while after SubmitJob, DescribeJobs may not list the new job
 * (AWS Batch is eventually consistent): such a job is not taken for forgotten.
 * Batch forgets jobs days after they end, never within minutes.
 */
const NEW_JOB_GRACE_MS = 5 * 60 * 1000;

export function mayBeHiddenNewJob(record: JobRecord, now: number): boolean {
  return now - Date.parse(record.submittedAt) < NEW_JOB_GRACE_MS;
}
