// Where a RUNNABLE job goes, and why it waits when it cannot go anywhere, in
// the order Batch looks: the compute environments of the job's queue that are
// ENABLED and VALID (none: the job waits, no reason given); an instance type of
// one of them that can hold the job (none: JOB_RESOURCE_REQUIREMENT); one of
// those whose maxvCpus covers the job (none: COMPUTE_ENVIRONMENT_MAX_RESOURCE);
// the first with that many vCPUs free right now (none: the job waits its turn).
// The status reasons are Batch's own words:
// https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable_misconfiguration.html
import { holds, type Capacity, type InstanceType } from "./capacity.js";

export const JOB_RESOURCE_REQUIREMENT =
  "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.";
export const COMPUTE_ENVIRONMENT_MAX_RESOURCE =
  "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.";

/** A compute environment as placement sees it. */
export interface EnvironmentView {
  name: string;
  /** ENABLED and VALID (or UPDATING): Batch places jobs there. */
  usable: boolean;
  maxvCpus: number;
  /** vCPUs taken by jobs placed there and not finished. */
  usedvCpus: number;
  types: readonly InstanceType[];
}

export type Placement = { kind: "place"; environment: string } | { kind: "wait"; statusReason?: string };

/** `environments` in the queue's order. */
export function place(request: Capacity, environments: readonly EnvironmentView[]): Placement {
  const usable = environments.filter((e) => e.usable);
  if (usable.length === 0) return { kind: "wait" };
  const fitting = usable.filter((e) => e.types.some((t) => holds(t, request)));
  if (fitting.length === 0) return { kind: "wait", statusReason: JOB_RESOURCE_REQUIREMENT };
  const withinMax = fitting.filter((e) => request.vcpus <= e.maxvCpus);
  if (withinMax.length === 0) return { kind: "wait", statusReason: COMPUTE_ENVIRONMENT_MAX_RESOURCE };
  const free = withinMax.find((e) => e.usedvCpus + request.vcpus <= e.maxvCpus);
  return free ? { kind: "place", environment: free.name } : { kind: "wait" };
}

/** A queue's time-limit action, as CreateJobQueue takes it. */
export interface TimeLimitAction {
  reason: string;
  state: string;
  maxTimeSeconds: number;
  action: string;
}

/** The status reason a job gets when a queue's time limit cancels it. */
export function timeLimitReason(reason: string): string {
  return `Canceled by JobStateTimeLimit action due to reason: ${reason}`;
}

/**
 * The action that applies to a job RUNNABLE with `statusReason` (the reason's
 * code, before " - ", must equal the action's `reason`) and the earliest one
 * when several do, with the seconds after which it fires.
 * https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable_time_limit_actions.html
 */
export function dueAction(actions: readonly TimeLimitAction[], statusReason: string | undefined): TimeLimitAction | undefined {
  if (statusReason === undefined) return undefined;
  const code = statusReason.split(" - ")[0];
  return actions
    .filter((a) => a.state === "RUNNABLE" && a.action === "CANCEL" && a.reason === code)
    .sort((a, b) => a.maxTimeSeconds - b.maxTimeSeconds)[0];
}
