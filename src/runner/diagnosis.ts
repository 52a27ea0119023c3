/**
 * The rules for a job held RUNNABLE (runnable.ts), made from the settings:
 * how long to wait, and how to read what is holding the job (its queue, the
 * queue's compute environments, the jobs running there) when Batch says
 * nothing. A read that fails is said instead of a diagnosis, never an error.
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import { terminateJob } from "../aws/batch.js";
import { jobSize, readQueue, runningJobs } from "../aws/capacity.js";
import type { AwsClients } from "../aws/clients.js";
import { describeAwsError } from "../aws/errors.js";
import type { JobState } from "../aws/job-state.js";
import type { Clock } from "../aws/retry.js";
import type { Settings } from "../config/resolve.js";
import { diagnoseRunnable } from "./capacity-rules.js";
import type { WaitingRules } from "./runnable.js";

export function waitingRules(settings: Settings, aws: AwsClients, batch: BatchClient, jobId: string, clock: Clock | undefined): WaitingRules {
  return {
    keepWaiting: settings.keepWaiting.value,
    diagnoseAfterMs: (settings.diagnoseAfter.value ?? 300) * 1000,
    maxRunnableMs: settings.maxRunnable.value === undefined ? undefined : settings.maxRunnable.value * 1000,
    diagnose: (job) => diagnose(job, aws, batch),
    cancel: (reason) => terminateJob(batch, jobId, reason, { clock }),
  };
}

/** What is likely holding a RUNNABLE job, from its queue as it is now. */
export async function diagnose(job: JobState, aws: AwsClients, batch: BatchClient): Promise<string[]> {
  const queue = job.detail.jobQueue ?? "";
  try {
    const [view, running] = await Promise.all([readQueue(batch, aws.ec2, queue), runningJobs(batch, queue)]);
    if (!view) return [`AWS Batch no longer knows the job queue ${queue}.`];
    return diagnoseRunnable(view, jobSize(job.detail), running);
  } catch (error) {
    return [`Could not read the job queue ${queue} to say more (${describeAwsError(error)}).`];
  }
}
