// Names and tags as Batch checks them, so a client that gets past the emulator
// gets past AWS too:
//
//  - job names: up to 128 letters, numbers, hyphens and underscores, the first
//    a letter or number (SubmitJob, jobName);
//  - compute environment, job queue and job definition names: up to 128
//    letters, numbers, hyphens and underscores, in any order
//    (CreateComputeEnvironment, CreateJobQueue, RegisterJobDefinition);
//  - tags: at most 50 per resource, keys of 1-128 characters, values of at most
//    256, no key starting with the reserved `aws:` prefix (TagResource).
//
// https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html
// https://docs.aws.amazon.com/batch/latest/APIReference/API_TagResource.html
import { clientError } from "./errors.js";

export type NameKind = "jobName" | "computeEnvironmentName" | "jobQueueName" | "jobDefinitionName";

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const RESOURCE_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_TAGS = 50;

/** Why `value` is not a valid name of this kind, or undefined when it is. */
export function nameProblem(kind: NameKind, value: unknown): string | undefined {
  const rule = kind === "jobName" ? JOB_NAME : RESOURCE_NAME;
  if (typeof value === "string" && rule.test(value)) return undefined;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  const first = kind === "jobName" ? ", the first a letter or number" : "";
  return `${kind} ${shown} must be 1 to 128 letters, numbers, hyphens or underscores${first}`;
}

/** The name under `key`, or a ClientException naming the rule it breaks. */
export function requireName(request: Record<string, unknown>, key: NameKind): string {
  const problem = nameProblem(key, request[key]);
  if (problem) throw clientError(problem);
  return request[key] as string;
}

/** Why a tag map is not acceptable, or undefined when it is. */
export function tagsProblem(tags: unknown): string | undefined {
  if (tags === undefined) return undefined;
  if (tags === null || typeof tags !== "object" || Array.isArray(tags)) return "tags must be a map of keys to values";
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS) return `at most ${MAX_TAGS} tags per resource, not ${entries.length}`;
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128) return `tag key ${JSON.stringify(key)} must be 1 to 128 characters`;
    if (key.toLowerCase().startsWith("aws:")) return `tag key ${JSON.stringify(key)} uses the reserved prefix aws:`;
    if (typeof value !== "string" || value.length > 256) return `tag value of ${JSON.stringify(key)} must be a string of at most 256 characters`;
  }
  return undefined;
}

/** The tags of a request (an empty map when absent), or a ClientException. */
export function requireTags(tags: unknown): Record<string, string> {
  const problem = tagsProblem(tags);
  if (problem) throw clientError(problem);
  return { ...((tags as Record<string, string> | undefined) ?? {}) };
}
