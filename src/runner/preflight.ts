/**
 * The pre-flight check: before anything is uploaded, read the job queue, its
 * compute environments and their instance types, and refuse a request that
 * no compute environment can ever place (or a queue that places nothing),
 * saying the most the queue offers and what to change. Without it, AWS Batch
 * takes the job and leaves it RUNNABLE for ever.
 *
 * The reads run beside HeadBucket, and what was read of a queue that can
 * place jobs is kept for ten minutes, so they add little to a build. A read that
 * is not permitted (or fails) makes the check a one-line note, never an
 * error: the build goes on as without it. `--no-preflight` skips it.
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import { describeActiveDefinitions } from "../aws/batch.js";
import { jobSize, readQueue, type QueueView, type Size } from "../aws/capacity.js";
import type { JsonCache } from "../state/cache.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName, credentialsProblem, describeAwsError, httpStatus } from "../aws/errors.js";
import { latestActiveRevision } from "../aws/job-definition.js";
import { UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";
import { placementRefusal } from "./capacity-rules.js";

export interface PreflightRequest {
  queue: string;
  /** The job definition: its vCPUs and memory count when the request names none. */
  definition: string;
  vcpus?: number;
  memoryMiB?: number;
}

const DENIED = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnauthorizedException"]);

/** How long a queue's view is reused by the next builds: a disabled queue or a smaller environment shows within this time. */
export const QUEUE_CACHE_MS = 10 * 60 * 1000;

/** Refuses a request the queue can never place; a one-line note when the reads are not permitted or fail. */
export async function preflight(aws: AwsClients, reporter: Reporter, cache: JsonCache, request: PreflightRequest): Promise<void> {
  let refusal;
  try {
    const batch = await aws.batch();
    const [queue, size] = await Promise.all([cachedQueue(aws, batch, cache, request.queue), requestedSize(batch, request)]);
    // A queue Batch does not know is for the submission to report, naming the setting that gave it.
    refusal = queue && placementRefusal(queue, size);
  } catch (error) {
    // Credential problems end the run: the Batch calls already give them as UserErrors.
    if (error instanceof UserError) throw error;
    const credentials = credentialsProblem(error);
    if (credentials) throw credentials;
    reporter.line(`Pre-flight check skipped: ${preflightProblem(error)}.`);
    return;
  }
  if (refusal) throw new UserError(`${refusal.problem} Nothing was uploaded.`, `${refusal.fix}\n(--no-preflight skips this check.)`);
}

/** The queue as read lately (by this region and name), else read now and kept. */
async function cachedQueue(aws: AwsClients, batch: BatchClient, cache: JsonCache, name: string): Promise<QueueView | undefined> {
  const key = `queue-${aws.region}-${name}`;
  const cached = (await cache.get(key, QUEUE_CACHE_MS)) as QueueView | undefined;
  if (cached) return cached;
  const queue = await readQueue(batch, aws.ec2, name);
  // Only a queue that can place jobs is kept: one that cannot is read again, in case it was repaired.
  if (queue && placementRefusal(queue, {}) === undefined) await cache.set(key, queue);
  return queue;
}

function preflightProblem(error: unknown): string {
  const name = awsErrorName(error) ?? "";
  if (DENIED.has(name) || httpStatus(error) === 403) return `not permitted to read the job queue, its compute environments or instance types (${describeAwsError(error)})`;
  return `could not read the job queue and its compute environments (${describeAwsError(error)})`;
}

/** What the job will ask for: the request's vCPUs and memory, else its job definition's. */
async function requestedSize(batch: BatchClient, request: PreflightRequest): Promise<Partial<Size>> {
  if (request.vcpus !== undefined && request.memoryMiB !== undefined) return { vcpus: request.vcpus, memoryMiB: request.memoryMiB };
  const definition = latestActiveRevision(await describeActiveDefinitions(batch, request.definition));
  const defined = definition ? jobSize({ container: definition.containerProperties }) : {};
  return { vcpus: request.vcpus ?? defined.vcpus, memoryMiB: request.memoryMiB ?? defined.memoryMiB };
}
