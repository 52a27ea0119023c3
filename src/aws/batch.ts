/**
 * The AWS Batch calls the tool makes. Definitions are read across all pages
 * (the Nextstrain CLI reads only the first, C113); DescribeJobs
 * takes at most 100 ids per call. A queue that is not found is a typed error
 * naming the queue and the region, since a wrong region is the usual cause.
 */
import type {
  BatchClient,
  ComputeEnvironmentDetail,
  CreateComputeEnvironmentCommandInput,
  CreateJobQueueCommandInput,
  JobDefinition,
  JobDetail,
  JobQueueDetail,
  RegisterJobDefinitionCommandInput,
  SubmitJobCommandInput,
  UpdateComputeEnvironmentCommandInput,
  UpdateJobQueueCommandInput,
} from "@aws-sdk/client-batch";
import { UserError } from "../errors.js";
import { awsErrorName, credentialsProblem, describeAwsError, httpStatus } from "./errors.js";
import { JobQueueNotFound } from "./resource-errors.js";
import { withRetries, type AwsCall, type RetryHooks } from "./retry.js";

const Batch = () => import("@aws-sdk/client-batch");

/** Retry hooks a caller may give a Batch call: the clock, the abort signal, a notice per retry. */
export type BatchHooks = Pick<RetryHooks, "clock" | "signal" | "onRetry">;

/** For DescribeJobs: the follower's policy (`job-status`, never gives up) or a one-off read's. */
export interface DescribeHooks extends BatchHooks {
  call?: Extract<AwsCall, "batch-read" | "job-status">;
}

/** Sends one request under the retry policy of its kind (src/aws/retry.ts); credential problems become UserErrors. */
function sending<T>(call: AwsCall, request: () => Promise<T>, hooks: BatchHooks = {}): Promise<T> {
  return withRetries(call, request, hooks).catch(explainBatchError);
}

/** Every item of a paged Describe call, page after page, each page under the reads' retry policy. */
async function allPages<T>(read: (nextToken: string | undefined) => Promise<{ items: T[] | undefined; nextToken?: string }>): Promise<T[]> {
  const found: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sending("batch-read", () => read(nextToken));
    found.push(...(page.items ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

/** The ACTIVE revisions of a definition, or of every definition when none is named. */
export async function describeActiveDefinitions(client: BatchClient, name?: string): Promise<JobDefinition[]> {
  const { DescribeJobDefinitionsCommand } = await Batch();
  return allPages(async (nextToken) => {
    const page = await client.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: "ACTIVE", nextToken }));
    return { items: page.jobDefinitions, nextToken: page.nextToken };
  });
}

export async function registerDefinition(client: BatchClient, input: RegisterJobDefinitionCommandInput, hooks: BatchHooks = {}): Promise<void> {
  const { RegisterJobDefinitionCommand } = await Batch();
  await sending("batch-register", () => client.send(new RegisterJobDefinitionCommand(input)), hooks);
}

export async function submitJob(client: BatchClient, input: SubmitJobCommandInput, region: string, hooks: BatchHooks = {}): Promise<string> {
  const { SubmitJobCommand } = await Batch();
  try {
    const answer = await withRetries("batch-submit", () => client.send(new SubmitJobCommand(input)), hooks);
    if (!answer.jobId) throw new Error("SubmitJob answered without a job id");
    return answer.jobId;
  } catch (error) {
    const message = describeAwsError(error);
    if (awsErrorName(error) === "ClientException" && /queue/i.test(message) && /not (found|exist)|does not exist|invalid/i.test(message)) {
      throw new JobQueueNotFound(input.jobQueue ?? "", region, message);
    }
    return explainBatchError(error);
  }
}

/**
 * Whether a failed submitJob certainly created no job: Batch refused it (an
 * answer in the 4xx range, which is also where the UserErrors above come
 * from), or it was never sent (no credentials). A lost answer or a 5xx may
 * hide a job that was created.
 */
export function submissionRefused(error: unknown): boolean {
  if (error instanceof UserError) return true;
  const status = httpStatus(error);
  return status !== undefined && status >= 400 && status < 500;
}

/** The job, or undefined when Batch does not know it (never existed, or forgotten after a few days). */
export async function describeJob(client: BatchClient, jobId: string, hooks?: DescribeHooks): Promise<JobDetail | undefined> {
  const [job] = await describeJobs(client, [jobId], hooks);
  return job;
}

export const DESCRIBE_JOBS_LIMIT = 100;

export async function describeJobs(client: BatchClient, jobIds: readonly string[], hooks: DescribeHooks = {}): Promise<JobDetail[]> {
  const { DescribeJobsCommand } = await Batch();
  const found: JobDetail[] = [];
  for (let start = 0; start < jobIds.length; start += DESCRIBE_JOBS_LIMIT) {
    const ids = jobIds.slice(start, start + DESCRIBE_JOBS_LIMIT);
    const answer = await sending(hooks.call ?? "batch-read", () => client.send(new DescribeJobsCommand({ jobs: ids })), hooks);
    found.push(...(answer.jobs ?? []));
  }
  return found;
}

export async function terminateJob(client: BatchClient, jobId: string, reason: string, hooks: BatchHooks = {}): Promise<void> {
  const { TerminateJobCommand } = await Batch();
  await sending("batch-terminate", () => client.send(new TerminateJobCommand({ jobId, reason })), hooks);
}

/** Credential problems become UserErrors; everything else passes through. */
function explainBatchError(error: unknown): never {
  throw credentialsProblem(error) ?? error;
}

// Compute environments and job queues, for `setup`, `check-setup` and
// `teardown`. A deleted one stays listed as DELETED for a while
// (https://docs.aws.amazon.com/batch/latest/APIReference/API_DescribeComputeEnvironments.html):
// such entries count as absent.

const live = <T extends { status?: string }>(items: readonly T[] | undefined): T[] => (items ?? []).filter((item) => item.status !== "DELETED");

/** The compute environments with these names, or every one when none are named (every page). */
export async function describeComputeEnvironments(client: BatchClient, names?: readonly string[]): Promise<ComputeEnvironmentDetail[]> {
  const { DescribeComputeEnvironmentsCommand } = await Batch();
  return allPages(async (nextToken) => {
    const page = await client.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: names ? [...names] : undefined, nextToken }));
    return { items: live(page.computeEnvironments), nextToken: page.nextToken };
  });
}

/** The job queues with these names, or every one when none are named (every page). */
export async function describeJobQueues(client: BatchClient, names?: readonly string[]): Promise<JobQueueDetail[]> {
  const { DescribeJobQueuesCommand } = await Batch();
  return allPages(async (nextToken) => {
    const page = await client.send(new DescribeJobQueuesCommand({ jobQueues: names ? [...names] : undefined, nextToken }));
    return { items: live(page.jobQueues), nextToken: page.nextToken };
  });
}

export async function createComputeEnvironment(client: BatchClient, input: CreateComputeEnvironmentCommandInput, hooks: BatchHooks = {}): Promise<void> {
  const { CreateComputeEnvironmentCommand } = await Batch();
  await sending("setup-change", () => client.send(new CreateComputeEnvironmentCommand(input)), hooks);
}

export async function updateComputeEnvironment(client: BatchClient, input: UpdateComputeEnvironmentCommandInput, hooks: BatchHooks = {}): Promise<void> {
  const { UpdateComputeEnvironmentCommand } = await Batch();
  await sending("setup-change", () => client.send(new UpdateComputeEnvironmentCommand(input)), hooks);
}

export async function deleteComputeEnvironment(client: BatchClient, name: string, hooks: BatchHooks = {}): Promise<void> {
  const { DeleteComputeEnvironmentCommand } = await Batch();
  await sending("setup-change", () => client.send(new DeleteComputeEnvironmentCommand({ computeEnvironment: name })), hooks);
}

export async function createJobQueue(client: BatchClient, input: CreateJobQueueCommandInput, hooks: BatchHooks = {}): Promise<void> {
  const { CreateJobQueueCommand } = await Batch();
  await sending("setup-change", () => client.send(new CreateJobQueueCommand(input)), hooks);
}

export async function updateJobQueue(client: BatchClient, input: UpdateJobQueueCommandInput, hooks: BatchHooks = {}): Promise<void> {
  const { UpdateJobQueueCommand } = await Batch();
  await sending("setup-change", () => client.send(new UpdateJobQueueCommand(input)), hooks);
}

export async function deleteJobQueue(client: BatchClient, name: string, hooks: BatchHooks = {}): Promise<void> {
  const { DeleteJobQueueCommand } = await Batch();
  await sending("setup-change", () => client.send(new DeleteJobQueueCommand({ jobQueue: name })), hooks);
}

export async function deregisterDefinition(client: BatchClient, arn: string, hooks: BatchHooks = {}): Promise<void> {
  const { DeregisterJobDefinitionCommand } = await Batch();
  await sending("setup-change", () => client.send(new DeregisterJobDefinitionCommand({ jobDefinition: arn })), hooks);
}
