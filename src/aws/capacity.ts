/**
 * What a job queue can run, read from AWS: the queue and its compute
 * environments (DescribeJobQueues, DescribeComputeEnvironments), the vCPUs and
 * memory of the instance types they may launch (EC2 DescribeInstanceTypes),
 * and the jobs it is running now (ListJobs, DescribeJobs). For the pre-flight
 * check and for explaining a job held RUNNABLE; the rules that read these
 * views are pure, in src/runner/capacity-rules.ts.
 * The calls themselves are those of src/aws/batch.ts and src/aws/ec2.ts.
 *
 * Surprising: a job cannot have all of an instance's memory: the ECS agent
 * and the OS keep some, 32 MiB at least on Batch's AMI
 * (https://docs.aws.amazon.com/batch/latest/userguide/memory-management.html).
 */
import type { BatchClient, ComputeEnvironmentDetail } from "@aws-sdk/client-batch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { describeComputeEnvironments, describeJobQueues, describeJobs } from "./batch.js";
import { describeInstanceTypes } from "./ec2.js";
import { withRetries } from "./retry.js";

/** Memory the ECS agent and the OS keep on each instance. */
export const RESERVED_MEMORY_MIB = 32;

export interface Size {
  vcpus: number;
  memoryMiB: number;
}

export interface EnvironmentView {
  name: string;
  state?: string;
  status?: string;
  statusReason?: string;
  maxvCpus?: number;
  /** The largest job one of its instances holds; undefined when its instance types could not be read (an unmanaged environment). */
  largest?: Size;
}

export interface QueueView {
  name: string;
  state?: string;
  status?: string;
  statusReason?: string;
  environments: EnvironmentView[];
}

/** The queue and its environments, in the queue's order; undefined when Batch has no such queue. */
export async function readQueue(batch: BatchClient, ec2: () => Promise<EC2Client>, queue: string): Promise<QueueView | undefined> {
  const [found] = await describeJobQueues(batch, [queue]);
  if (!found) return undefined;
  const order = [...(found.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).map((entry) => entry.computeEnvironment ?? "");
  const described = order.length === 0 ? [] : await describeComputeEnvironments(batch, order);
  const details = order.map((arn) => described.find((env) => env.computeEnvironmentArn === arn || env.computeEnvironmentName === arn));
  const environments = await Promise.all(details.filter((env) => env !== undefined).map((env) => environmentView(env, ec2)));
  return { name: found.jobQueueName ?? queue, state: found.state, status: found.status, statusReason: found.statusReason, environments };
}

async function environmentView(env: ComputeEnvironmentDetail, ec2: () => Promise<EC2Client>): Promise<EnvironmentView> {
  const resources = env.computeResources;
  const types = resources?.instanceTypes ?? [];
  const largest = types.length > 0 ? largestJob([...(await describeInstanceTypes(await ec2(), types)).values()]) : undefined;
  return { name: env.computeEnvironmentName ?? "", state: env.state, status: env.status, statusReason: env.statusReason, maxvCpus: resources?.maxvCpus, largest };
}

/** The most vCPUs and the most memory (less what the agent keeps) a job can have on one of these instance sizes. */
export function largestJob(sizes: readonly Size[]): Size | undefined {
  if (sizes.length === 0) return undefined;
  return {
    vcpus: Math.max(...sizes.map((size) => size.vcpus)),
    memoryMiB: Math.max(...sizes.map((size) => size.memoryMiB - RESERVED_MEMORY_MIB)),
  };
}

/** The jobs the queue is running or starting now, with the vCPUs they hold. */
export async function runningJobs(batch: BatchClient, queue: string): Promise<{ count: number; vcpus: number }> {
  const { ListJobsCommand } = await import("@aws-sdk/client-batch");
  const ids: string[] = [];
  for (const jobStatus of ["STARTING", "RUNNING"] as const) {
    const answer = await withRetries("batch-read", () => batch.send(new ListJobsCommand({ jobQueue: queue, jobStatus })));
    ids.push(...(answer.jobSummaryList ?? []).flatMap((summary) => (summary.jobId ? [summary.jobId] : [])));
  }
  const jobs = await describeJobs(batch, ids);
  return { count: ids.length, vcpus: jobs.reduce((sum, job) => sum + (jobSize(job).vcpus ?? 0), 0) };
}

/** What a job asks for: its resource requirements, else the older vcpus and memory fields. */
export function jobSize(job: { container?: { vcpus?: number; memory?: number; resourceRequirements?: { type?: string; value?: string }[] } }): Partial<Size> {
  const requirement = (type: string) => job.container?.resourceRequirements?.find((entry) => entry.type === type)?.value;
  const vcpus = Number(requirement("VCPU") ?? job.container?.vcpus ?? NaN);
  const memoryMiB = Number(requirement("MEMORY") ?? job.container?.memory ?? NaN);
  return { ...(Number.isFinite(vcpus) && { vcpus }), ...(Number.isFinite(memoryMiB) && { memoryMiB }) };
}
