/**
 * The fallback queue: a job whose every attempt was lost to its
 * infrastructure (the instance reclaimed or gone: `Host EC2 (instance …)
 * terminated.`) is submitted once more, to `--fallback-queue` (an on-demand
 * queue, say), with the same request: the archive already in S3 is used
 * again, nothing is uploaded twice. A workflow's own failure never falls back.
 */
import type { BatchClient, SubmitJobCommandInput } from "@aws-sdk/client-batch";
import { submitJob } from "../aws/batch.js";
import type { JobState } from "../aws/job-state.js";
import type { Clock } from "../aws/retry.js";
import type { Reporter } from "../ui/reporter.js";

/** Whether the job failed only because the infrastructure lost every one of its attempts. */
export function lostToInfrastructure(job: JobState): boolean {
  const attempts = job.detail.attempts ?? [];
  return job.isFailed && !job.stoppedByUser && attempts.length > 0 && attempts.every((attempt) => /^Host EC2/.test(attempt.statusReason ?? ""));
}

/** Submits the same request to the fallback queue; the new job's id. */
export async function submitToFallback(batch: BatchClient, input: SubmitJobCommandInput, queue: string, io: { region: string; reporter: Reporter; clock?: Clock }): Promise<string> {
  const attempts = input.retryStrategy?.attempts ?? 1;
  io.reporter.stage(
    `${attempts === 1 ? "The attempt was" : `All ${attempts} attempts were`} lost to the infrastructure: submitting once more, to the fallback queue ${queue}`,
    "(with the archive already uploaded)",
  );
  return submitJob(batch, { ...input, jobQueue: queue }, io.region, { clock: io.clock });
}
