// What the instances of a compute environment can hold. The instance types
// come from EC2 DescribeInstanceTypes (moto serves AWS's own figures: m5.large
// 2 vCPUs / 8,192 MiB, c5.4xlarge 16 / 32,768, r5.24xlarge 96 / 786,432).
// A compute environment names types (`m5.4xlarge`), families (`c5`: every
// size, but not the `.metal` ones) or Batch's bundles (`optimal`,
// `default_x86_64`, `default_arm64`).
// https://docs.aws.amazon.com/batch/latest/APIReference/API_ComputeResource.html
export interface InstanceType {
  name: string;
  vcpus: number;
  /** Installed memory, as DescribeInstanceTypes reports it. */
  memoryMiB: number;
}

export interface Capacity {
  vcpus: number;
  memoryMiB: number;
}

/**
 * Memory the default Batch AMI keeps back for the ECS agent and other critical
 * system processes: "The default AWS Batch compute resource AMI also reserves
 * 32 MiB of memory for the Amazon ECS container agent and other critical system
 * processes. This memory isn't available for job allocation."
 * https://docs.aws.amazon.com/batch/latest/userguide/memory-management.html
 * (The kernel's own share, which also makes an m4.large register 7,985 of its
 * 8,192 MiB, varies by type and is not modelled.)
 */
export const RESERVED_MEMORY_MIB = 32;

/**
 * What `optimal` and `default_x86_64` choose from. Since 2025-11-01 `optimal`
 * matches `default_x86_64` (m6i, c6i, r6i, c7i); before, it chose from the
 * c4, m4, r4 (or c5, m5, r5) families.
 */
export const BUNDLES: Record<string, readonly string[]> = {
  optimal: ["m6i", "c6i", "r6i", "c7i"],
  default_x86_64: ["m6i", "c6i", "r6i", "c7i"],
  default_arm64: ["m6g", "c6g", "r6g", "c7g"],
};

/** Memory one job may ask for on an instance with this much installed. */
export function jobMemoryMiB(installedMiB: number): number {
  return installedMiB - RESERVED_MEMORY_MIB;
}

/** The families a bundle (`optimal`) or family (`c5`) name stands for; undefined for a type name (`c5.large`). */
export function familiesOf(name: string): readonly string[] | undefined {
  return BUNDLES[name] ?? (name.includes(".") ? undefined : [name]);
}

/** Bare-metal sizes (`c5.metal`, `c7i.metal-24xl`) are not part of their family for Batch. */
export function isMetal(typeName: string): boolean {
  return typeName.split(".")[1]?.startsWith("metal") ?? false;
}

/** The largest vCPUs and job memory any one instance of the environment offers (each maximised separately). */
export function largestInstance(types: readonly InstanceType[]): Capacity {
  return {
    vcpus: Math.max(0, ...types.map((t) => t.vcpus)),
    memoryMiB: Math.max(0, ...types.map((t) => jobMemoryMiB(t.memoryMiB))),
  };
}

/** Whether one instance of this type can hold a job asking for `request`. */
export function holds(type: InstanceType, request: Capacity): boolean {
  return request.vcpus <= type.vcpus && request.memoryMiB <= jobMemoryMiB(type.memoryMiB);
}
