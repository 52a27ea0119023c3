/**
 * What AWS Batch accepts for a job's memory and vCPUs, so a request no job
 * can make is refused before anything is uploaded, naming the bound.
 *
 * - MEMORY: "You must specify at least 4 MiB of memory for a job"
 *   (ResourceRequirement, https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html).
 * - Both are 32-bit integers in Batch's API: the `vcpus` and `memory` members
 *   of ContainerOverrides, which `resourceRequirements` superseded, are of type
 *   Integer (https://docs.aws.amazon.com/batch/latest/APIReference/API_ContainerOverrides.html),
 *   as are those Batch reports back in ContainerDetail
 *   (https://docs.aws.amazon.com/batch/latest/APIReference/API_ContainerDetail.html).
 *   So no job can have more than 2,147,483,647 MiB (2 PiB) or vCPUs.
 *
 * Surprising: Batch documents no upper bound for EC2 jobs beyond that. A job
 * that asks for more than any instance of its compute environment has is
 * accepted and then waits RUNNABLE for ever; the tool shows Batch's reason.
 * Zero means "none requested" (the job definition's value), as in the
 * Nextstrain CLI.
 */

export const MIN_MEMORY_MIB = 4n;
export const MAX_MEMORY_MIB = 2n ** 31n - 1n;
export const MAX_VCPUS = 2n ** 31n - 1n;

/** Why AWS Batch would refuse a MEMORY request of `mib` MiB, or undefined when it would not. */
export function memoryProblem(mib: bigint): string | undefined {
  if (mib > MAX_MEMORY_MIB) return `${mib} MiB is more than AWS Batch accepts for a job (at most ${MAX_MEMORY_MIB} MiB, 2 PiB)`;
  if (mib > 0n && mib < MIN_MEMORY_MIB) return `${mib} MiB is less than AWS Batch accepts for a job (at least ${MIN_MEMORY_MIB} MiB)`;
  return undefined;
}

/** Why AWS Batch would refuse a VCPU request of `vcpus`, or undefined when it would not. */
export function vcpuProblem(vcpus: bigint): string | undefined {
  return vcpus > MAX_VCPUS ? `${vcpus} vCPUs is more than AWS Batch accepts for a job (at most ${MAX_VCPUS})` : undefined;
}
