// Job definitions, compute environments and job queues of the Batch emulator:
// registration with revisions, lookups by name, name:revision or ARN, the
// validation errors Batch answers with, and the status walks of environments
// and queues (CREATING, UPDATING, DELETING, each lasting a configurable time,
// then VALID, INVALID with Batch's status reason, or DELETED).
import { randomUUID } from "node:crypto";
import type { InstanceType } from "./capacity.js";
import type { Delays } from "./delays.js";
import { environmentUpdate, newEnvironmentFields, checkState } from "./environment-rules.js";
import { clientError } from "./errors.js";
import { ACCOUNT_ID, arn, type ComputeEnvironment, type ContainerProperties, type JobDefinition, type JobQueue, type JsonObject } from "./model.js";
import { requireName, requireTags } from "./names.js";
import type { EnvironmentView } from "./placement.js";
import { checkEnvironmentOrder, checkPriority, checkTimeLimitActions, refuseSchedulingPolicy } from "./queue-rules.js";
import type { ResourceChecks } from "./resource-checks.js";
import { parseRetryStrategy } from "./retry.js";

/** The instance types behind compute environments' `instanceTypes` names. */
export interface InstanceTypeSource {
  resolve(names: readonly string[]): Promise<void>;
  types(name: string): readonly InstanceType[];
}

export interface RegistryOptions {
  region: string;
  /** Read at each walk, so changes through the control API apply. */
  delays: Pick<Delays, "computeEnvironmentMs" | "jobQueueMs">;
  checks: ResourceChecks;
  instanceTypes: InstanceTypeSource;
  /** Something placement depends on changed (a state, a status, a queue's environments). */
  onChange(): void;
}

/** Created as a fresh set-up has it: already VALID, no walk. */
export interface CreateOptions {
  settled?: boolean;
}

const HEALTHY = { environment: "ComputeEnvironment Healthy", queue: "JobQueue Healthy" };
// Statuses in which Batch takes an update or a deletion.
const SETTLED = ["VALID", "INVALID"];

export class Registry {
  readonly definitions: JobDefinition[] = [];
  readonly environments: ComputeEnvironment[] = [];
  readonly queues: JobQueue[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: RegistryOptions) {}

  get region(): string {
    return this.options.region;
  }

  registerJobDefinition(request: JsonObject): JobDefinition {
    const name = requireName(request, "jobDefinitionName");
    if (request.type !== "container") throw clientError("type must be container (multinode jobs are not emulated)");
    const properties = request.containerProperties as Partial<ContainerProperties> | undefined;
    if (!properties || typeof properties.image !== "string") throw clientError("containerProperties.image is required");
    const timeout = request.timeout as { attemptDurationSeconds?: number } | undefined;
    if (timeout?.attemptDurationSeconds !== undefined && timeout.attemptDurationSeconds < 60) {
      throw clientError("timeout.attemptDurationSeconds must be at least 60 seconds");
    }
    const retryStrategy = parseRetryStrategy(request.retryStrategy);
    const tags = requireTags(request.tags);
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
      ...(retryStrategy ? { retryStrategy } : {}),
      propagateTags: request.propagateTags === true,
      tags,
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

  /** CreateComputeEnvironment: checked now, then CREATING until resources are checked in moto and the delay is over. */
  async createComputeEnvironment(request: JsonObject, options: CreateOptions = {}): Promise<ComputeEnvironment> {
    const name = requireName(request, "computeEnvironmentName");
    if (this.findComputeEnvironment(name)) throw clientError(`Object already exists: ${name}`);
    const tags = requireTags(request.tags);
    await this.resolveTypes(request.computeResources);
    const fields = newEnvironmentFields(request, this.unknownTypes);
    const environment: ComputeEnvironment = {
      computeEnvironmentName: name,
      computeEnvironmentArn: arn(`compute-environment/${name}`, this.region),
      ecsClusterArn: `arn:aws:ecs:${this.region}:${ACCOUNT_ID}:cluster/${name}_Batch_${randomUUID()}`,
      tags,
      ...fields,
      status: options.settled ? "VALID" : "CREATING",
      ...(options.settled ? { statusReason: HEALTHY.environment } : {}),
      containerOrchestrationType: "ECS",
      uuid: randomUUID(),
    };
    replaceDeleted(this.environments, (e) => e.computeEnvironmentName === name, environment);
    if (!options.settled) this.checkEnvironment(environment);
    this.options.onChange();
    return environment;
  }

  /** UpdateComputeEnvironment: changes apply at once, the environment is UPDATING until checked again. */
  async updateComputeEnvironment(request: JsonObject): Promise<ComputeEnvironment> {
    const environment = this.settledEnvironment(request.computeEnvironment, "update");
    await this.resolveTypes({ instanceTypes: (request.computeResources as JsonObject | undefined)?.instanceTypes });
    const update = environmentUpdate(environment, request, this.unknownTypes);
    if (update.state !== undefined) environment.state = update.state;
    if (update.serviceRole !== undefined) environment.serviceRole = update.serviceRole;
    if (update.computeResources) environment.computeResources = update.computeResources;
    this.checkEnvironment(environment, "UPDATING");
    this.options.onChange();
    return environment;
  }

  /** DeleteComputeEnvironment: only DISABLED and in no job queue; DELETING, then gone. */
  deleteComputeEnvironment(reference: unknown): void {
    const environment = this.settledEnvironment(reference, "delete");
    if (environment.state !== "DISABLED") {
      throw clientError(`Cannot delete, compute environment ${environment.computeEnvironmentName} is ENABLED: disable it first (UpdateComputeEnvironment state DISABLED)`);
    }
    if (this.queues.some((q) => q.status !== "DELETED" && q.computeEnvironmentOrder.some((o) => o.computeEnvironment === environment.computeEnvironmentArn))) {
      throw clientError("Cannot delete, found existing JobQueue relationship");
    }
    environment.status = "DELETING";
    delete environment.statusReason;
    this.after(this.options.delays.computeEnvironmentMs, () => {
      environment.status = "DELETED";
    });
  }

  /** By name or ARN; a DELETED one is no longer found (Describe still lists it, as AWS does for a while). */
  findComputeEnvironment(reference: string): ComputeEnvironment | undefined {
    return this.environments.find((e) => e.status !== "DELETED" && (e.computeEnvironmentName === reference || e.computeEnvironmentArn === reference));
  }

  /** CreateJobQueue: its compute environments must be VALID already; CREATING, then VALID. */
  createJobQueue(request: JsonObject, options: CreateOptions = {}): JobQueue {
    const name = requireName(request, "jobQueueName");
    if (this.findJobQueue(name)) throw clientError(`Object already exists: ${name}`);
    refuseSchedulingPolicy(request);
    const queue: JobQueue = {
      jobQueueName: name,
      jobQueueArn: arn(`job-queue/${name}`, this.region),
      state: checkState(request.state) ?? "ENABLED",
      status: options.settled ? "VALID" : "CREATING",
      ...(options.settled ? { statusReason: HEALTHY.queue } : {}),
      priority: checkPriority(request.priority),
      computeEnvironmentOrder: checkEnvironmentOrder(request.computeEnvironmentOrder, (r) => this.findComputeEnvironment(r)),
      jobStateTimeLimitActions: checkTimeLimitActions(request.jobStateTimeLimitActions),
      tags: requireTags(request.tags),
    };
    replaceDeleted(this.queues, (q) => q.jobQueueName === name, queue);
    if (!options.settled) this.settleQueue(queue, "CREATING");
    this.options.onChange();
    return queue;
  }

  /** UpdateJobQueue: state, priority, compute environments, time limits; UPDATING, then VALID. */
  updateJobQueue(request: JsonObject): JobQueue {
    const queue = this.settledQueue(request.jobQueue, "update");
    refuseSchedulingPolicy(request);
    const state = checkState(request.state);
    const priority = request.priority === undefined ? undefined : checkPriority(request.priority);
    const order = request.computeEnvironmentOrder === undefined ? undefined : checkEnvironmentOrder(request.computeEnvironmentOrder, (r) => this.findComputeEnvironment(r));
    const limits = request.jobStateTimeLimitActions === undefined ? undefined : checkTimeLimitActions(request.jobStateTimeLimitActions);
    if (state !== undefined) queue.state = state;
    if (priority !== undefined) queue.priority = priority;
    if (order !== undefined) queue.computeEnvironmentOrder = order;
    if (limits !== undefined) queue.jobStateTimeLimitActions = limits;
    this.settleQueue(queue, "UPDATING");
    this.options.onChange();
    return queue;
  }

  /** DeleteJobQueue: only DISABLED; DELETING, then gone (its jobs are terminated). */
  deleteJobQueue(reference: unknown): void {
    const queue = this.settledQueue(reference, "delete");
    if (queue.state !== "DISABLED") throw clientError(`Cannot delete, job queue ${queue.jobQueueName} is ENABLED: disable it first (UpdateJobQueue state DISABLED)`);
    queue.status = "DELETING";
    delete queue.statusReason;
    this.options.onChange();
    this.after(this.options.delays.jobQueueMs, () => {
      queue.status = "DELETED";
    });
  }

  /** By name or ARN; a DELETED one is no longer found (Describe still lists it, as AWS does for a while). */
  findJobQueue(reference: string): JobQueue | undefined {
    return this.queues.find((q) => q.status !== "DELETED" && (q.jobQueueName === reference || q.jobQueueArn === reference));
  }

  /** The compute environments a queue sends its jobs to, in order. */
  queueEnvironments(queue: JobQueue): ComputeEnvironment[] {
    return [...queue.computeEnvironmentOrder]
      .sort((a, b) => a.order - b.order)
      .map((entry) => this.findComputeEnvironment(entry.computeEnvironment))
      .filter((e): e is ComputeEnvironment => e !== undefined);
  }

  /** A compute environment as placement sees it, with the vCPUs jobs hold there now. */
  environmentView(environment: ComputeEnvironment, usedvCpus: number): EnvironmentView {
    const resources = environment.computeResources;
    return {
      name: environment.computeEnvironmentName,
      usable: environment.state === "ENABLED" && (environment.status === "VALID" || environment.status === "UPDATING") && resources !== undefined,
      maxvCpus: resources?.maxvCpus ?? 0,
      usedvCpus,
      types: this.environmentTypes(environment),
    };
  }

  environmentTypes(environment: ComputeEnvironment): InstanceType[] {
    const byName = new Map((environment.computeResources?.instanceTypes ?? []).flatMap((n) => this.options.instanceTypes.types(n)).map((t) => [t.name, t]));
    return [...byName.values()];
  }

  /** The tags of a compute environment, job queue or job definition revision, by ARN. */
  taggable(resourceArn: string): { tags: Record<string, string> } | undefined {
    return this.findComputeEnvironment(resourceArn) ?? this.findJobQueue(resourceArn) ?? this.definitions.find((d) => d.jobDefinitionArn === resourceArn);
  }

  /** Stops the status walks (used when the stack shuts down). */
  shutdown(): void {
    this.closed = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
  }

  private readonly unknownTypes = (names: readonly string[]): string[] => names.filter((n) => this.options.instanceTypes.types(n).length === 0);

  private async resolveTypes(resources: unknown): Promise<void> {
    const names = (resources as JsonObject | undefined)?.instanceTypes;
    if (Array.isArray(names)) await this.options.instanceTypes.resolve(names.filter((n): n is string => typeof n === "string"));
  }

  /** Walks an environment from CREATING or UPDATING to VALID or INVALID, checking its resources meanwhile. */
  private checkEnvironment(environment: ComputeEnvironment, status: "CREATING" | "UPDATING" = "CREATING"): void {
    environment.status = status;
    delete environment.statusReason;
    const problem = this.options.checks.environmentProblem(environment).catch((error: Error) => `CLIENT_ERROR - local-aws could not check the resources: ${error.message}`);
    this.after(this.options.delays.computeEnvironmentMs, async () => {
      const reason = await problem;
      if (this.closed || environment.status !== status) return;
      environment.status = reason === undefined ? "VALID" : "INVALID";
      environment.statusReason = reason ?? HEALTHY.environment;
    });
  }

  private settleQueue(queue: JobQueue, status: "CREATING" | "UPDATING"): void {
    queue.status = status;
    delete queue.statusReason;
    this.after(this.options.delays.jobQueueMs, () => {
      if (queue.status !== status) return;
      queue.status = "VALID";
      queue.statusReason = HEALTHY.queue;
    });
  }

  private settledEnvironment(reference: unknown, verb: string): ComputeEnvironment {
    const environment = typeof reference === "string" ? this.findComputeEnvironment(reference) : undefined;
    if (!environment) throw clientError(`Compute environment ${String(reference)} does not exist`);
    if (!SETTLED.includes(environment.status)) throw clientError(`Cannot ${verb} compute environment ${environment.computeEnvironmentName} while it is ${environment.status}`);
    return environment;
  }

  private settledQueue(reference: unknown, verb: string): JobQueue {
    const queue = typeof reference === "string" ? this.findJobQueue(reference) : undefined;
    if (!queue) throw clientError(`JobQueue ${String(reference)} not found.`);
    if (!SETTLED.includes(queue.status)) throw clientError(`Cannot ${verb} job queue ${queue.jobQueueName} while it is ${queue.status}`);
    return queue;
  }

  /** Runs `action` after `ms` unless the stack stopped, then lets placement look again. */
  private after(ms: number, action: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      void Promise.resolve(action()).then(() => {
        if (!this.closed) this.options.onChange();
      });
    }, ms);
    this.timers.add(timer);
  }
}

/** Adds a resource in place of a DELETED one of the same name, which Describe then no longer lists. */
function replaceDeleted<T extends { status: string }>(list: T[], sameName: (item: T) => boolean, item: T): void {
  const gone = list.findIndex((other) => other.status === "DELETED" && sameName(other));
  if (gone >= 0) list.splice(gone, 1);
  list.push(item);
}

/** Filters describe calls by names or ARNs, as DescribeComputeEnvironments and DescribeJobQueues do. */
export function selectByReference<T extends JsonObject>(items: T[], references: string[] | undefined, nameKey: keyof T, arnKey: keyof T): T[] {
  if (!references || references.length === 0) return items;
  return items.filter((item) => references.includes(item[nameKey] as string) || references.includes(item[arnKey] as string));
}
