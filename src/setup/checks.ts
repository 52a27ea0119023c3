/**
 * The checks of `check-setup`, each a pass, warn or fail line with the fix
 * for a failure. Checks read AWS through src/aws/; the verdicts on what they
 * read are pure functions (tested with tables). A check that cannot be made
 * (the policy simulator refused) says so as a warning, "not checked".
 */
import type { ComputeEnvironmentDetail, JobDefinition, JobQueueDetail } from "@aws-sdk/client-batch";
import { PROGRAM } from "../program.js";

export type Verdict = "pass" | "warn" | "fail";

export interface Check {
  name: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

export const SETUP = `${PROGRAM} setup --aws-batch`;
export const UPDATE = `${SETUP} --update`;

export const pass = (name: string, detail: string): Check => ({ name, verdict: "pass", detail });
export const warn = (name: string, detail: string, fix?: string): Check => ({ name, verdict: "warn", detail, fix });
export const fail = (name: string, detail: string, fix: string): Check => ({ name, verdict: "fail", detail, fix });

/** The queue: it must exist, be ENABLED and VALID. */
export function queueVerdict(name: string, queue: JobQueueDetail | undefined): Check {
  const check = `job queue ${name}`;
  if (!queue) return fail(check, "does not exist", `${SETUP} (or name another queue with --aws-batch-queue)`);
  if (queue.state !== "ENABLED") return fail(check, `is ${queue.state}: jobs submitted to it are refused`, `aws batch update-job-queue --job-queue ${name} --state ENABLED (or ${UPDATE})`);
  if (queue.status !== "VALID") return fail(check, `is ${queue.status}: ${queue.statusReason ?? "no reason given"}`, "fix what the reason names, then update the queue");
  return pass(check, `ENABLED and VALID, priority ${queue.priority}`);
}

/** A compute environment behind the queue: ENABLED, VALID, able to grow, and able to hold the job definition's request. */
export function environmentVerdict(environment: ComputeEnvironmentDetail, largest: { vcpus: number; memoryMiB: number } | undefined, request: { vcpus?: number; memoryMiB?: number }): Check {
  const name = environment.computeEnvironmentName ?? "?";
  const check = `compute environment ${name}`;
  const maxVcpus = environment.computeResources?.maxvCpus ?? 0;
  if (environment.state !== "ENABLED") return fail(check, `is ${environment.state}`, `aws batch update-compute-environment --compute-environment ${name} --state ENABLED (or ${UPDATE})`);
  if (environment.status !== "VALID") return fail(check, `is ${environment.status}: ${environment.statusReason ?? "no reason given"}`, "fix what the reason names (roles, subnets, security groups), then update it");
  if (environment.computeResources && maxVcpus <= 0) return fail(check, "has max vCPUs 0: no job can ever run", `aws batch update-compute-environment --compute-environment ${name} --compute-resources maxvCpus=64`);
  const types = (environment.computeResources?.instanceTypes ?? []).join(",");
  if (!largest) return pass(check, `ENABLED and VALID, up to ${maxVcpus} vCPUs on ${types || "Fargate"} (the largest job depends on the types Batch picks)`);
  const holds = `the largest job it can place is ${largest.vcpus} vCPUs and ${largest.memoryMiB} MiB`;
  if ((request.vcpus ?? 0) > Math.min(largest.vcpus, maxVcpus) || (request.memoryMiB ?? 0) > largest.memoryMiB) {
    return fail(check, `${holds}, less than the job definition asks (${request.vcpus} vCPUs, ${request.memoryMiB} MiB): jobs would wait RUNNABLE`, "add larger instance types to the compute environment, or ask for less");
  }
  return pass(check, `ENABLED and VALID, up to ${maxVcpus} vCPUs; ${holds}`);
}

/** What the job definition asks for, from resourceRequirements (or the older vcpus/memory). */
export function definitionRequest(definition: JobDefinition): { vcpus?: number; memoryMiB?: number } {
  const container = definition.containerProperties;
  const requirement = (type: string) => container?.resourceRequirements?.find((entry) => entry.type === type)?.value;
  const number = (text: string | undefined, fallback: number | undefined) => (text === undefined ? fallback : Number(text));
  return { vcpus: number(requirement("VCPU"), container?.vcpus), memoryMiB: number(requirement("MEMORY"), container?.memory) };
}

/** The job definition: ACTIVE, with an image and a job role. */
export function definitionVerdict(name: string, definition: JobDefinition | undefined): Check {
  const check = `job definition ${name}`;
  if (!definition) return fail(check, "has no ACTIVE revision", `${SETUP} (or name another definition with --aws-batch-job)`);
  const container = definition.containerProperties;
  if (!container?.image) return fail(check, `revision ${definition.revision} has no container image`, "register a container job definition");
  if (!container.jobRoleArn) return warn(check, `revision ${definition.revision}, image ${container.image}, but no job role: jobs cannot read or write the bucket`, UPDATE);
  return pass(check, `revision ${definition.revision}, image ${container.image}, job role ${container.jobRoleArn}`);
}

/** A role's ARN, for the policy simulator: an assumed role's session is simulated as its role (the path is not known, so none). */
export function principalForSimulation(callerArn: string): string | undefined {
  const assumed = /^arn:(?<partition>[^:]+):sts::(?<account>\d+):assumed-role\/(?<role>[^/]+)\//.exec(callerArn)?.groups;
  if (assumed) return `arn:${assumed.partition}:iam::${assumed.account}:role/${assumed.role}`;
  if (/:root$/.test(callerArn)) return undefined;
  return callerArn.replace(/^arn:([^:]+):sts::(\d+):user\//, "arn:$1:iam::$2:user/");
}

/** The table `check-setup` prints: one line per check, the fix under each failure or warning. */
export function formatChecks(checks: readonly Check[]): string[] {
  const width = Math.max(...checks.map((check) => check.name.length));
  return checks.flatMap((check) => [
    `  ${check.verdict.padEnd(4)}  ${check.name.padEnd(width)}  ${check.detail}`,
    ...(check.fix && check.verdict !== "pass" ? [`  ${"".padEnd(4)}  ${"".padEnd(width)}  fix: ${check.fix}`] : []),
  ]);
}
