/**
 * What a job queue can run, read from AWS: the queue and its compute
 * environments (DescribeJobQueues, DescribeComputeEnvironments), the vCPUs and
 * memory of the instance types they may launch (EC2 DescribeInstanceTypes),
 * and the jobs it is running now (ListJobs, DescribeJobs). For the pre-flight
 * check and for explaining a job held RUNNABLE; the rules that read these
 * views are pure, in src/runner/capacity-rules.ts.
 *
 * Surprising: an environment's `instanceTypes` may name families (`c5`) and
 * Batch's own words `optimal`, `default_x86_64` and `default_arm64`, which
 * EC2 does not know; since 2025-11-01 `optimal` means the m6i, c6i, r6i and
 * c7i families (https://docs.aws.amazon.com/batch/latest/userguide/compute_environment_parameters.html#compute_environment_instance_types).
 * And a job cannot have all of an instance's memory: the ECS agent and the
 * OS keep some, 32 MiB at least on Batch's AMI
 * (https://docs.aws.amazon.com/batch/latest/userguide/memory-management.html).
 */
import type { BatchClient, ComputeEnvironmentDetail, JobQueueDetail } from "@aws-sdk/client-batch";
import type { _InstanceType, EC2Client, InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { describeJobs } from "./batch.js";
import { withRetries } from "./retry.js";

/** Memory the ECS agent and the OS keep on each instance. */
export const RESERVED_MEMORY_MIB = 32;

const BATCH_FAMILIES: Record<string, readonly string[]> = {
  optimal: ["m6i", "c6i", "r6i", "c7i"],
  default_x86_64: ["m6i", "c6i", "r6i", "c7i"],
  default_arm64: ["m6g", "c6g", "r6g", "c7g"],
};

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
  const { DescribeJobQueuesCommand, DescribeComputeEnvironmentsCommand } = await import("@aws-sdk/client-batch");
  const answer = await withRetries("batch-read", () => batch.send(new DescribeJobQueuesCommand({ jobQueues: [queue] })));
  const found: JobQueueDetail | undefined = answer.jobQueues?.find((candidate) => candidate.status !== "DELETED");
  if (!found) return undefined;
  const order = [...(found.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).map((entry) => entry.computeEnvironment ?? "");
  const described = await withRetries("batch-read", () => batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: order })));
  const details = order.map((arn) => described.computeEnvironments?.find((env) => env.computeEnvironmentArn === arn || env.computeEnvironmentName === arn));
  const environments = await Promise.all(details.filter((env) => env !== undefined).map((env) => environmentView(env, ec2)));
  return { name: found.jobQueueName ?? queue, state: found.state, status: found.status, statusReason: found.statusReason, environments };
}

async function environmentView(env: ComputeEnvironmentDetail, ec2: () => Promise<EC2Client>): Promise<EnvironmentView> {
  const resources = env.computeResources;
  const types = resources?.instanceTypes ?? [];
  const largest = types.length > 0 ? largestJob(await instanceTypes(await ec2(), types)) : undefined;
  return { name: env.computeEnvironmentName ?? "", state: env.state, status: env.status, statusReason: env.statusReason, maxvCpus: resources?.maxvCpus, largest };
}

/** The instance types behind an environment's `instanceTypes`: types, families, and Batch's own words. */
async function instanceTypes(ec2: EC2Client, names: readonly string[]): Promise<InstanceTypeInfo[]> {
  const { DescribeInstanceTypesCommand } = await import("@aws-sdk/client-ec2");
  const exact = names.filter((name) => name.includes("."));
  const families = names.flatMap((name) => (name.includes(".") ? [] : (BATCH_FAMILIES[name] ?? [name])));
  const found: InstanceTypeInfo[] = [];
  if (exact.length > 0) {
    const answer = await withRetries("ec2-read", () => ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: exact as _InstanceType[] })));
    found.push(...(answer.InstanceTypes ?? []));
  }
  if (families.length > 0) {
    let NextToken: string | undefined;
    do {
      const filters = [{ Name: "instance-type", Values: families.map((family) => `${family}.*`) }];
      const page = await withRetries("ec2-read", () => ec2.send(new DescribeInstanceTypesCommand({ Filters: filters, NextToken })));
      found.push(...(page.InstanceTypes ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  }
  // Batch does not launch bare-metal sizes for a family.
  return found.filter((info) => !(info.InstanceType ?? "").endsWith(".metal"));
}

/** The most vCPUs and the most memory (less what the agent keeps) a job can have on one of these types. */
function largestJob(types: readonly InstanceTypeInfo[]): Size | undefined {
  if (types.length === 0) return undefined;
  return {
    vcpus: Math.max(...types.map((info) => info.VCpuInfo?.DefaultVCpus ?? 0)),
    memoryMiB: Math.max(...types.map((info) => (info.MemoryInfo?.SizeInMiB ?? 0) - RESERVED_MEMORY_MIB)),
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
