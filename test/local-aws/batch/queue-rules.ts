// What CreateJobQueue and UpdateJobQueue accept: a priority, one to three
// compute environments that must already be VALID, and time-limit actions that
// cancel jobs stuck RUNNABLE for a given reason (state RUNNABLE, action CANCEL,
// 600 to 86,400 seconds).
// https://docs.aws.amazon.com/batch/latest/APIReference/API_CreateJobQueue.html
// https://docs.aws.amazon.com/batch/latest/APIReference/API_JobStateTimeLimitAction.html
import { clientError } from "./errors.js";
import type { ComputeEnvironment, JobQueue, JsonObject } from "./model.js";
import type { TimeLimitAction } from "./placement.js";

const MAX_ENVIRONMENTS = 3;

export function checkPriority(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw clientError(`priority must be a whole number of at least 0, not ${JSON.stringify(value)}`);
  return value;
}

/** The queue's compute environments as Batch stores them (by ARN), checked against the existing ones. */
export function checkEnvironmentOrder(value: unknown, find: (reference: string) => ComputeEnvironment | undefined): JobQueue["computeEnvironmentOrder"] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ENVIRONMENTS) {
    throw clientError(`computeEnvironmentOrder must list 1 to ${MAX_ENVIRONMENTS} compute environments`);
  }
  const orders = new Set<number>();
  return value.map((entry: JsonObject) => {
    const order = entry?.order;
    if (typeof order !== "number" || !Number.isInteger(order) || order < 0 || orders.has(order)) {
      throw clientError(`computeEnvironmentOrder: each order must be a distinct whole number, not ${JSON.stringify(order)}`);
    }
    orders.add(order);
    const environment = typeof entry.computeEnvironment === "string" ? find(entry.computeEnvironment) : undefined;
    if (!environment) throw clientError(`computeEnvironmentOrder: compute environment ${JSON.stringify(entry?.computeEnvironment)} does not exist`);
    if (environment.status !== "VALID") {
      throw clientError(`computeEnvironmentOrder: compute environment ${environment.computeEnvironmentName} is ${environment.status}; it must be VALID before a job queue can use it`);
    }
    return { order, computeEnvironment: environment.computeEnvironmentArn };
  });
}

export function checkTimeLimitActions(value: unknown): TimeLimitAction[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw clientError("jobStateTimeLimitActions must be a list");
  return value.map((action: JsonObject, index) => {
    const at = `jobStateTimeLimitActions[${index}]`;
    if (typeof action?.reason !== "string" || action.reason === "") throw clientError(`${at}.reason is required`);
    if (action.state !== "RUNNABLE") throw clientError(`${at}.state must be RUNNABLE, not ${JSON.stringify(action.state)}`);
    if (action.action !== "CANCEL") throw clientError(`${at}.action must be CANCEL for job queues of EC2 compute environments, not ${JSON.stringify(action.action)}`);
    const seconds = action.maxTimeSeconds;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 600 || seconds > 86_400) {
      throw clientError(`${at}.maxTimeSeconds must be between 600 and 86400, not ${JSON.stringify(seconds)}`);
    }
    return { reason: action.reason, state: action.state, maxTimeSeconds: seconds, action: action.action };
  });
}

export function refuseSchedulingPolicy(request: JsonObject): void {
  if (request.schedulingPolicyArn !== undefined) throw clientError("schedulingPolicyArn: fair-share scheduling is not emulated");
}
