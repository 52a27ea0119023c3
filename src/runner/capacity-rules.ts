/**
 * Whether a queue can ever place a job, and what is likely holding a job
 * that sits RUNNABLE: pure rules over what src/aws/capacity.ts read.
 *
 * A compute environment places jobs only when it is ENABLED and VALID (or
 * being UPDATED), and a job only when one of its instance types holds the
 * job's vCPUs and memory and the job's vCPUs fit under its maxvCpus
 * (https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable_misconfiguration.html).
 */
import type { EnvironmentView, QueueView, Size } from "../aws/capacity.js";

/** Why a queue can never place a request, and how to change that; undefined when it can. */
export interface Refusal {
  problem: string;
  fix: string;
}

const usable = (env: EnvironmentView) => env.state === "ENABLED" && (env.status === "VALID" || env.status === "UPDATING");

/** The largest job an environment can ever run: its largest instance's, capped by maxvCpus. */
export function environmentOffer(env: EnvironmentView): Size | undefined {
  if (!env.largest) return undefined;
  return { vcpus: Math.min(env.largest.vcpus, env.maxvCpus ?? Infinity), memoryMiB: env.largest.memoryMiB };
}

function fits(env: EnvironmentView, request: Partial<Size>): boolean {
  const offer = environmentOffer(env);
  if (!offer) return true;
  return (request.vcpus ?? 1) <= offer.vcpus && (request.memoryMiB ?? 0) <= offer.memoryMiB;
}

function describeEnvironment(env: EnvironmentView): string {
  return `${env.name} (${env.state ?? "?"}, ${env.status ?? "?"}${env.statusReason ? `: ${env.statusReason}` : ""})`;
}

const QUEUE_FIX = "Use another queue (--aws-batch-queue), or ask your AWS administrator to enable and repair this one.";

/** Whether `queue` can ever place a job asking for `request`: undefined when it can (or when what it can is not known). */
export function placementRefusal(queue: QueueView, request: Partial<Size>): Refusal | undefined {
  if (queue.state !== "ENABLED" || (queue.status !== "VALID" && queue.status !== "UPDATING")) {
    return { problem: `The job queue ${queue.name} is ${queue.state ?? "?"} and ${queue.status ?? "?"}${queue.statusReason ? ` (${queue.statusReason})` : ""}: it places no job.`, fix: QUEUE_FIX };
  }
  const live = queue.environments.filter(usable);
  if (live.length === 0) {
    const all = queue.environments.map(describeEnvironment).join("; ") || "none";
    return { problem: `No compute environment of the job queue ${queue.name} is ENABLED and VALID, so it places no job: ${all}.`, fix: QUEUE_FIX };
  }
  if (live.some((env) => fits(env, request))) return undefined;
  const offers = live.map(environmentOffer).filter((offer): offer is Size => offer !== undefined);
  const most = { vcpus: Math.max(...offers.map((offer) => offer.vcpus)), memoryMiB: Math.max(...offers.map((offer) => offer.memoryMiB)) };
  return {
    problem:
      `The job asks for ${sizeText(request)}, more than any compute environment of the job queue ${queue.name} can ever give one job: ` +
      `the most it offers is ${most.vcpus} vCPUs and ${most.memoryMiB} MiB (${live.map((env) => `${env.name}: ${sizeText(environmentOffer(env) ?? {})}`).join("; ")}).`,
    fix:
      `Ask for at most ${most.vcpus} vCPUs and ${most.memoryMiB} MiB (--cpus and --memory, or --aws-batch-cpus and --aws-batch-memory), ` +
      "or use a queue with larger instances (--aws-batch-queue), or give the compute environment larger instance types or a higher maxvCpus.",
  };
}

export function sizeText(size: Partial<Size>): string {
  const parts = [...(size.vcpus !== undefined ? [`${size.vcpus} vCPUs`] : []), ...(size.memoryMiB !== undefined ? [`${size.memoryMiB} MiB`] : [])];
  return parts.join(" and ") || "the job definition's vCPUs and memory";
}

/**
 * What is likely holding a job RUNNABLE when Batch gives no reason: the
 * queue or its environments disabled or invalid, no instance type that fits,
 * the environments at their maxvCpus with other jobs, or a message of theirs
 * about capacity or instance limits.
 */
export function diagnoseRunnable(queue: QueueView, request: Partial<Size>, running: { count: number; vcpus: number }): string[] {
  const refusal = placementRefusal(queue, request);
  if (refusal) return [refusal.problem, refusal.fix];
  const lines: string[] = [];
  const live = queue.environments.filter(usable);
  const maxvCpus = live.reduce((sum, env) => sum + (env.maxvCpus ?? Infinity), 0);
  if (running.vcpus + (request.vcpus ?? 1) > maxvCpus) {
    lines.push(
      `The job queue's compute environments are at their max vCPUs (${maxvCpus}) with ${running.count} other job${running.count === 1 ? "" : "s"} (${running.vcpus} vCPUs) running or starting: the job starts as they end. A higher maxvCpus lets more run at once.`,
    );
  }
  for (const env of queue.environments) {
    if (!usable(env)) lines.push(`The compute environment ${describeEnvironment(env)} places no job.`);
    else if (env.statusReason && /capacity|limit|insufficient|quota/i.test(env.statusReason)) lines.push(`The compute environment ${env.name} says: ${env.statusReason}`);
  }
  if (lines.length === 0) {
    lines.push("Nothing read from AWS explains it: instances may still be starting (a few minutes), or EC2 may lack capacity for the instance types (see the compute environment's Auto Scaling activity).");
  }
  return lines;
}
