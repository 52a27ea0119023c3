// What a compute environment can offer one job: its maximum vCPUs, and the
// memory of the largest instance type it may launch. Batch leaves a job that
// asks for more RUNNABLE for ever, with a MISCONFIGURATION status reason
// (https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable.html).
import type { ComputeEnvironment } from "./model.js";

export interface Capacity {
  vcpus: number;
  memoryMiB: number;
}

export const RESOURCE_MISCONFIGURATION =
  "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.";

// GiB of memory per vCPU in the general-purpose (m), compute (c) and memory (r) families.
const MEMORY_PER_VCPU_GIB: Record<string, number> = { m: 4, c: 2, r: 8 };
const SIZE_VCPUS: Record<string, number> = {
  large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96,
};
// "optimal" lets Batch pick from the c, m and r families, up to their largest sizes.
const OPTIMAL: Capacity = { vcpus: 96, memoryMiB: 768 * 1024 };

/** Capacity of one instance type such as `m5.4xlarge`; undefined when unknown. */
export function instanceCapacity(instanceType: string): Capacity | undefined {
  if (instanceType === "optimal") return OPTIMAL;
  const match = /^([cmr])\d+[a-z]*\.(\w+)$/.exec(instanceType);
  const perVcpu = match ? MEMORY_PER_VCPU_GIB[match[1] ?? ""] : undefined;
  const vcpus = match ? SIZE_VCPUS[match[2] ?? ""] : undefined;
  if (perVcpu === undefined || vcpus === undefined) return undefined;
  return { vcpus, memoryMiB: vcpus * perVcpu * 1024 };
}

/** The most one job can get from a managed compute environment (unmanaged ones offer nothing known). */
export function environmentCapacity(environment: ComputeEnvironment): Capacity {
  const resources = environment.computeResources;
  if (!resources) return { vcpus: 0, memoryMiB: 0 };
  const known = (resources.instanceTypes ?? ["optimal"]).map(instanceCapacity).filter((c) => c !== undefined);
  const largest = known.length ? known : [OPTIMAL];
  const instanceVcpus = Math.max(...largest.map((c) => c.vcpus));
  return {
    vcpus: Math.min(resources.maxvCpus ?? 0, instanceVcpus),
    memoryMiB: Math.max(...largest.map((c) => c.memoryMiB)),
  };
}

export function fits(request: Capacity, capacities: Capacity[]): boolean {
  return capacities.some((c) => request.vcpus <= c.vcpus && request.memoryMiB <= c.memoryMiB);
}
