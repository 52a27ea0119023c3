// Records the Batch emulator keeps: job definitions, compute environments,
// queues and jobs, in the JSON shapes of the Batch API (so describing them is
// mostly a copy), plus the ARNs AWS would give them.
import type { TimeLimitAction } from "./placement.js";
import type { RetryStrategy } from "./retry.js";

export const ACCOUNT_ID = "123456789012";

export type JsonObject = Record<string, unknown>;
export type JobStatus = "SUBMITTED" | "PENDING" | "RUNNABLE" | "STARTING" | "RUNNING" | "SUCCEEDED" | "FAILED";
export const TERMINAL_STATUSES: readonly JobStatus[] = ["SUCCEEDED", "FAILED"];

export interface KeyValuePair {
  name: string;
  value: string;
}

export interface ResourceRequirement {
  type: string;
  value: string;
}

export interface JobDefinition extends JsonObject {
  jobDefinitionName: string;
  jobDefinitionArn: string;
  revision: number;
  status: "ACTIVE" | "INACTIVE";
  type: string;
  containerProperties: ContainerProperties;
  timeout?: { attemptDurationSeconds?: number };
  retryStrategy?: RetryStrategy;
  propagateTags?: boolean;
  tags: Record<string, string>;
}

export interface ContainerProperties extends JsonObject {
  image: string;
  command: string[];
  environment: KeyValuePair[];
  resourceRequirements: ResourceRequirement[];
  vcpus?: number;
  memory?: number;
}

/** CREATING, UPDATING and DELETING walk to VALID (or INVALID) and DELETED. */
export type ResourceStatus = "CREATING" | "UPDATING" | "DELETING" | "DELETED" | "VALID" | "INVALID";

export interface ComputeResources extends JsonObject {
  type: string;
  allocationStrategy: string;
  minvCpus: number;
  maxvCpus: number;
  desiredvCpus: number;
  instanceTypes: string[];
  subnets: string[];
  securityGroupIds?: string[];
  instanceRole: string;
}

export interface ComputeEnvironment extends JsonObject {
  computeEnvironmentName: string;
  computeEnvironmentArn: string;
  type: "MANAGED" | "UNMANAGED";
  state: string;
  status: ResourceStatus;
  statusReason?: string;
  serviceRole: string;
  computeResources?: ComputeResources;
  tags: Record<string, string>;
}

export interface JobQueue extends JsonObject {
  jobQueueName: string;
  jobQueueArn: string;
  state: string;
  status: ResourceStatus;
  statusReason?: string;
  priority: number;
  computeEnvironmentOrder: { order: number; computeEnvironment: string }[];
  jobStateTimeLimitActions: TimeLimitAction[];
  tags: Record<string, string>;
}

export function arn(resource: string, region: string): string {
  return `arn:aws:batch:${region}:${ACCOUNT_ID}:${resource}`;
}

/** Effective vCPUs and MiB of memory of a container, from resource requirements or the legacy fields. */
export function containerResources(
  requirements: ResourceRequirement[],
  legacy: { vcpus?: number; memory?: number },
): { vcpus: number; memoryMiB: number } {
  const find = (type: string): number | undefined => {
    const found = requirements.find((r) => r.type === type);
    return found ? Number(found.value) : undefined;
  };
  return { vcpus: find("VCPU") ?? legacy.vcpus ?? 1, memoryMiB: find("MEMORY") ?? legacy.memory ?? 0 };
}

/** Overrides replace requirements of the same type and keep the others (as SubmitJob does). */
export function mergeRequirements(base: ResourceRequirement[], overrides: ResourceRequirement[]): ResourceRequirement[] {
  const overridden = new Set(overrides.map((r) => r.type));
  return [...base.filter((r) => !overridden.has(r.type)), ...overrides];
}

/** Overrides replace variables of the same name and keep the others. */
export function mergeEnvironment(base: KeyValuePair[], overrides: KeyValuePair[]): KeyValuePair[] {
  const overridden = new Set(overrides.map((v) => v.name));
  return [...base.filter((v) => !overridden.has(v.name)), ...overrides];
}
