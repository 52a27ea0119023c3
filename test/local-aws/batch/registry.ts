// Job definitions, compute environments and job queues of the Batch emulator:
// registration with revisions, lookups by name, name:revision or ARN, and the
// validation errors Batch answers with.
import { randomUUID } from "node:crypto";
import { clientError } from "./errors.js";
import {
  ACCOUNT_ID,
  arn,
  type ComputeEnvironment,
  type ContainerProperties,
  type JobDefinition,
  type JobQueue,
  type JsonObject,
} from "./model.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export class Registry {
  readonly definitions: JobDefinition[] = [];
  readonly environments: ComputeEnvironment[] = [];
  readonly queues: JobQueue[] = [];

  constructor(readonly region: string) {}

  registerJobDefinition(request: JsonObject): JobDefinition {
    const name = requireName(request, "jobDefinitionName");
    if (request.type !== "container") throw clientError("type must be container (multinode jobs are not emulated)");
    const properties = request.containerProperties as Partial<ContainerProperties> | undefined;
    if (!properties || typeof properties.image !== "string") throw clientError("containerProperties.image is required");
    const revision = Math.max(0, ...this.definitions.filter((d) => d.jobDefinitionName === name).map((d) => d.revision)) + 1;
    const definition: JobDefinition = {
      ...request,
      jobDefinitionName: name,
      jobDefinitionArn: arn(`job-definition/${name}:${revision}`, this.region),
      revision,
      status: "ACTIVE",
      type: "container",
      parameters: request.parameters ?? {},
      containerProperties: {
        command: [],
        volumes: [],
        environment: [],
        mountPoints: [],
        ulimits: [],
        resourceRequirements: [],
        secrets: [],
        ...properties,
        image: properties.image,
      },
      tags: (request.tags as Record<string, string> | undefined) ?? {},
      platformCapabilities: request.platformCapabilities ?? ["EC2"],
      containerOrchestrationType: "ECS",
    };
    this.definitions.push(definition);
    return definition;
  }

  /** `name` (latest ACTIVE revision), `name:revision` or an ARN; undefined when none matches. */
  findJobDefinition(reference: string): JobDefinition | undefined {
    const byArn = this.definitions.find((d) => d.jobDefinitionArn === reference);
    if (byArn) return byArn;
    const [name, revision] = reference.split(":");
    const candidates = this.definitions.filter((d) => d.jobDefinitionName === name);
    if (revision !== undefined) return candidates.find((d) => String(d.revision) === revision);
    return candidates.filter((d) => d.status === "ACTIVE").sort((a, b) => b.revision - a.revision)[0];
  }

  describeJobDefinitions(request: JsonObject): JobDefinition[] {
    const references = (request.jobDefinitions as string[] | undefined) ?? [];
    const name = request.jobDefinitionName as string | undefined;
    const status = request.status as string | undefined;
    return this.definitions.filter(
      (d) =>
        (references.length === 0 ||
          references.some((r) => r === d.jobDefinitionArn || r === `${d.jobDefinitionName}:${d.revision}` || r === d.jobDefinitionName)) &&
        (name === undefined || d.jobDefinitionName === name) &&
        (status === undefined || d.status === status),
    );
  }

  deregisterJobDefinition(reference: string): void {
    // Batch wants a revision here: a bare name is rejected.
    const definition = reference.includes(":") ? this.findJobDefinition(reference) : undefined;
    if (!definition) throw clientError(`Job definition ${reference} does not exist or is not a name:revision or ARN`);
    definition.status = "INACTIVE";
  }

  createComputeEnvironment(request: JsonObject): ComputeEnvironment {
    const name = requireName(request, "computeEnvironmentName");
    if (this.findComputeEnvironment(name)) throw clientError(`Object already exists: ${name}`);
    const environment: ComputeEnvironment = {
      ...request,
      computeEnvironmentName: name,
      computeEnvironmentArn: arn(`compute-environment/${name}`, this.region),
      ecsClusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT_ID}:cluster/${name}_Batch_${randomUUID()}`,
      tags: request.tags ?? {},
      type: request.type ?? "MANAGED",
      state: (request.state as string | undefined) ?? "ENABLED",
      status: "VALID",
      statusReason: "ComputeEnvironment Healthy",
      containerOrchestrationType: "ECS",
      uuid: randomUUID(),
    };
    this.environments.push(environment);
    return environment;
  }

  findComputeEnvironment(reference: string): ComputeEnvironment | undefined {
    return this.environments.find((e) => e.computeEnvironmentName === reference || e.computeEnvironmentArn === reference);
  }

  createJobQueue(request: JsonObject): JobQueue {
    const name = requireName(request, "jobQueueName");
    if (this.findJobQueue(name)) throw clientError(`Object already exists: ${name}`);
    const order = (request.computeEnvironmentOrder as JobQueue["computeEnvironmentOrder"] | undefined) ?? [];
    for (const entry of order) {
      if (!this.findComputeEnvironment(entry.computeEnvironment)) {
        throw clientError(`computeEnvironmentOrder: ${entry.computeEnvironment} does not exist`);
      }
    }
    const queue: JobQueue = {
      ...request,
      jobQueueName: name,
      jobQueueArn: arn(`job-queue/${name}`, this.region),
      state: (request.state as string | undefined) ?? "ENABLED",
      status: "VALID",
      statusReason: "JobQueue Healthy",
      priority: request.priority ?? 1,
      computeEnvironmentOrder: order,
      tags: request.tags ?? {},
      jobStateTimeLimitActions: request.jobStateTimeLimitActions ?? [],
    };
    this.queues.push(queue);
    return queue;
  }

  findJobQueue(reference: string): JobQueue | undefined {
    return this.queues.find((q) => q.jobQueueName === reference || q.jobQueueArn === reference);
  }

  /** The compute environments a queue sends its jobs to, in order. */
  queueEnvironments(queue: JobQueue): ComputeEnvironment[] {
    return [...queue.computeEnvironmentOrder]
      .sort((a, b) => a.order - b.order)
      .map((entry) => this.findComputeEnvironment(entry.computeEnvironment))
      .filter((e): e is ComputeEnvironment => e !== undefined);
  }
}

/** Filters describe calls by names or ARNs, as DescribeComputeEnvironments and DescribeJobQueues do. */
export function selectByReference<T extends JsonObject>(items: T[], references: string[] | undefined, nameKey: keyof T, arnKey: keyof T): T[] {
  if (!references || references.length === 0) return items;
  return items.filter((item) => references.includes(item[nameKey] as string) || references.includes(item[arnKey] as string));
}

function requireName(request: JsonObject, key: string): string {
  const value = request[key];
  if (typeof value !== "string" || !NAME.test(value)) {
    throw clientError(`${key} must be 1-128 letters, numbers, hyphens or underscores, starting with a letter or number`);
  }
  return value;
}
