// The Batch REST-JSON operations the emulator answers, keyed by the request
// path the AWS SDKs and CLI use (POST /v1/<operation in lower case>), and the
// tagging operations on /v1/tags/<resource ARN> (GET lists, POST tags, DELETE
// untags).
import { BatchApiError, clientError } from "./errors.js";
import type { JsonObject } from "./model.js";
import { requireTags } from "./names.js";
import { selectByReference, type Registry } from "./registry.js";
import type { Scheduler } from "./scheduler.js";

export type Operation = (request: JsonObject) => JsonObject | Promise<JsonObject>;

/** The operation a tagging request is, by its HTTP method. */
export const TAG_OPERATIONS: Record<string, string> = { GET: "listtagsforresource", POST: "tagresource", DELETE: "untagresource" };

export function batchOperations(registry: Registry, scheduler: Scheduler): Record<string, Operation> {
  return {
    registerjobdefinition(request) {
      const d = registry.registerJobDefinition(request);
      return { jobDefinitionName: d.jobDefinitionName, jobDefinitionArn: d.jobDefinitionArn, revision: d.revision };
    },
    describejobdefinitions(request) {
      return page(registry.describeJobDefinitions(request), request, "jobDefinitions");
    },
    deregisterjobdefinition(request) {
      registry.deregisterJobDefinition(requireString(request, "jobDefinition"));
      return {};
    },
    async createcomputeenvironment(request) {
      const { computeEnvironmentName, computeEnvironmentArn } = await registry.createComputeEnvironment(request);
      return { computeEnvironmentName, computeEnvironmentArn };
    },
    async updatecomputeenvironment(request) {
      const { computeEnvironmentName, computeEnvironmentArn } = await registry.updateComputeEnvironment(request);
      return { computeEnvironmentName, computeEnvironmentArn };
    },
    deletecomputeenvironment(request) {
      registry.deleteComputeEnvironment(requireString(request, "computeEnvironment"));
      return {};
    },
    describecomputeenvironments: (request) =>
      describeByReference(registry.environments, request, "computeEnvironments", "computeEnvironmentName", "computeEnvironmentArn"),
    createjobqueue(request) {
      const { jobQueueName, jobQueueArn } = registry.createJobQueue(request);
      return { jobQueueName, jobQueueArn };
    },
    updatejobqueue(request) {
      const { jobQueueName, jobQueueArn } = registry.updateJobQueue(request);
      return { jobQueueName, jobQueueArn };
    },
    deletejobqueue(request) {
      registry.deleteJobQueue(requireString(request, "jobQueue"));
      return {};
    },
    describejobqueues: (request) => describeByReference(registry.queues, request, "jobQueues", "jobQueueName", "jobQueueArn"),
    submitjob(request) {
      const job = scheduler.submit(request);
      return { jobArn: job.jobArn, jobName: job.jobName, jobId: job.jobId };
    },
    describejobs(request) {
      const ids = request.jobs;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) {
        throw clientError("jobs must list between 1 and 100 job IDs");
      }
      return { jobs: scheduler.describe(ids.map(String)) };
    },
    listjobs(request) {
      const filters = (request.filters as { name: string; values: string[] }[] | undefined) ?? [];
      const nameFilter = filters.find((f) => f.name === "JOB_NAME");
      let queue;
      if (request.jobQueue !== undefined) {
        queue = registry.findJobQueue(String(request.jobQueue));
        if (!queue) throw clientError(`JobQueue ${String(request.jobQueue)} not found.`);
      } else if (filters.length === 0) {
        throw clientError("one of jobQueue, arrayJobId, multiNodeJobId or filters is required");
      }
      // Without filters ListJobs shows RUNNING jobs only; with filters, every status.
      const status = (request.jobStatus as string | undefined) ?? (filters.length === 0 ? "RUNNING" : undefined);
      const jobs = scheduler.list({ queue, status, namePattern: nameFilter?.values[0] });
      return page(jobs, request, "jobSummaryList");
    },
    terminatejob(request) {
      scheduler.terminate(requireString(request, "jobId"), requireString(request, "reason"));
      return {};
    },
    canceljob(request) {
      scheduler.cancel(requireString(request, "jobId"), requireString(request, "reason"));
      return {};
    },
    listtagsforresource(request) {
      return { tags: { ...taggable(request).tags } };
    },
    tagresource(request) {
      const resource = taggable(request);
      const merged = { ...resource.tags, ...requireTags(request.tags) };
      requireTags(merged);
      resource.tags = merged;
      return {};
    },
    untagresource(request) {
      const resource = taggable(request);
      const keys = request.tagKeys;
      if (!Array.isArray(keys) || keys.length === 0) throw clientError("tagKeys must list at least one key");
      resource.tags = Object.fromEntries(Object.entries(resource.tags).filter(([key]) => !keys.includes(key)));
      return {};
    },
  };

  /** Compute environments, job queues, job definition revisions and jobs take tags (jobs by their ARN). */
  function taggable(request: JsonObject): { tags: Record<string, string> } {
    const resourceArn = requireString(request, "resourceArn");
    const resource = registry.taggable(resourceArn) ?? scheduler.findByArn(resourceArn);
    if (!resource) throw clientError(`Resource ${resourceArn} not found`);
    return resource;
  }
}

/** DescribeComputeEnvironments / DescribeJobQueues: the ones named (by name or ARN) in `request[key]`, or all. */
function describeByReference<T extends JsonObject>(items: T[], request: JsonObject, key: string, nameKey: keyof T, arnKey: keyof T): JsonObject {
  return page(selectByReference(items, request[key] as string[] | undefined, nameKey, arnKey), request, key);
}

/** Pages a list with maxResults and an opaque nextToken (an offset here). */
function page(items: unknown[], request: JsonObject, key: string): JsonObject {
  const max = typeof request.maxResults === "number" && request.maxResults > 0 ? request.maxResults : 100;
  const start = typeof request.nextToken === "string" ? Number(Buffer.from(request.nextToken, "base64url").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw clientError("Invalid nextToken");
  const end = start + max;
  return {
    [key]: items.slice(start, end),
    ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString("base64url") } : {}),
  };
}

function requireString(request: JsonObject, key: string): string {
  const value = request[key];
  if (typeof value !== "string" || value === "") throw clientError(`${key} is required`);
  return value;
}

/** What AWS answers for a path that names no Batch operation. */
export function unknownOperation(path: string): BatchApiError {
  return new BatchApiError("UnknownOperationException", `Unknown operation ${path}`, 404);
}
