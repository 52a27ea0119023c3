// What CreateComputeEnvironment and UpdateComputeEnvironment accept, checked
// the way Batch checks a request before it answers (a ClientException, and
// nothing created). What Batch only finds out later (a role or subnet that does
// not exist) makes the environment INVALID instead: see resource-checks.ts.
// https://docs.aws.amazon.com/batch/latest/APIReference/API_CreateComputeEnvironment.html
// https://docs.aws.amazon.com/batch/latest/APIReference/API_UpdateComputeEnvironment.html
// https://docs.aws.amazon.com/batch/latest/userguide/infrastructure-updates.html
import { clientError } from "./errors.js";
import { ACCOUNT_ID, type ComputeEnvironment, type ComputeResources, type JsonObject } from "./model.js";

/** The names among these that are no EC2 instance type, family or Batch bundle. */
export type UnknownTypes = (names: readonly string[]) => string[];

/** The role Batch creates for itself, used when a request names no service role. */
export const SERVICE_LINKED_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`;

const STATES = ["ENABLED", "DISABLED"];
const STRATEGIES = ["BEST_FIT", "BEST_FIT_PROGRESSIVE", "SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED"];
// Infrastructure updates need one of these (and the service-linked role).
const UPDATABLE_STRATEGIES = ["BEST_FIT_PROGRESSIVE", "SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED"];
// Changing only these is a scaling update, allowed whatever the strategy and role.
const SCALING_KEYS = ["minvCpus", "maxvCpus", "desiredvCpus"];

export function isServiceLinkedRole(arn: string): boolean {
  return /:role\/aws-service-role\/batch\.amazonaws\.com\/AWSServiceRoleForBatch$/.test(arn);
}

export function checkState(state: unknown): string | undefined {
  if (state === undefined) return undefined;
  if (typeof state !== "string" || !STATES.includes(state)) throw clientError(`state must be ENABLED or DISABLED, not ${JSON.stringify(state)}`);
  return state;
}

/** The fields of a new compute environment a request gives (name, ARN and status are the registry's). */
export function newEnvironmentFields(request: JsonObject, unknownTypes: UnknownTypes): Pick<ComputeEnvironment, "type" | "state" | "serviceRole" | "computeResources"> {
  const type = request.type;
  if (type !== "MANAGED" && type !== "UNMANAGED") throw clientError(`type must be MANAGED or UNMANAGED, not ${JSON.stringify(type)}`);
  const state = checkState(request.state) ?? "ENABLED";
  const serviceRole = request.serviceRole === undefined ? SERVICE_LINKED_ROLE : checkRoleArn("serviceRole", request.serviceRole);
  if (type === "UNMANAGED") {
    if (request.computeResources !== undefined) throw clientError("computeResources is only for MANAGED compute environments");
    return { type, state, serviceRole };
  }
  if (!isObject(request.computeResources)) throw clientError("computeResources is required for a MANAGED compute environment");
  return { type, state, serviceRole, computeResources: checkComputeResources(withDefaults(request.computeResources), unknownTypes) };
}

function withDefaults(resources: JsonObject): JsonObject {
  const minvCpus = resources.minvCpus ?? 0;
  return { allocationStrategy: "BEST_FIT", ...resources, minvCpus, desiredvCpus: resources.desiredvCpus ?? minvCpus };
}

/** The whole compute resources of an environment, new or as an update leaves them. */
export function checkComputeResources(resources: JsonObject, unknownTypes: UnknownTypes): ComputeResources {
  const type = resources.type;
  if (type === "FARGATE" || type === "FARGATE_SPOT") throw clientError(`computeResources.type ${type} is not emulated: use EC2 or SPOT`);
  if (type !== "EC2" && type !== "SPOT") throw clientError(`computeResources.type must be EC2 or SPOT, not ${JSON.stringify(type)}`);
  const maxvCpus = count("computeResources.maxvCpus", resources.maxvCpus);
  const minvCpus = count("computeResources.minvCpus", resources.minvCpus);
  const desiredvCpus = count("computeResources.desiredvCpus", resources.desiredvCpus);
  if (minvCpus > maxvCpus) throw clientError(`computeResources.minvCpus (${minvCpus}) must not exceed maxvCpus (${maxvCpus})`);
  if (desiredvCpus < minvCpus || desiredvCpus > maxvCpus) {
    throw clientError(`computeResources.desiredvCpus (${desiredvCpus}) must be between minvCpus (${minvCpus}) and maxvCpus (${maxvCpus})`);
  }
  const instanceTypes = strings("computeResources.instanceTypes", resources.instanceTypes);
  const unknown = unknownTypes(instanceTypes);
  if (unknown.length > 0) {
    throw clientError(`Instance type can only be an EC2 instance type, an instance family, optimal, default_x86_64 or default_arm64; ${unknown.map((t) => JSON.stringify(t)).join(", ")} is none of these`);
  }
  strings("computeResources.subnets", resources.subnets);
  if (resources.securityGroupIds !== undefined) strings("computeResources.securityGroupIds", resources.securityGroupIds);
  else if (resources.launchTemplate === undefined) {
    throw clientError("One or more security groups must be specified, either in computeResources.securityGroupIds or in a launch template");
  }
  if (typeof resources.instanceRole !== "string" || resources.instanceRole === "") throw clientError("computeResources.instanceRole is required for EC2 and SPOT compute environments");
  if (resources.instanceRole.includes(":role/")) {
    // Batch wants the instance profile, not the role of the same name.
    throw clientError("Error executing request, Exception : The ECS Instance Role should be an ECS Instance Profile ARN.");
  }
  const strategy = resources.allocationStrategy;
  if (typeof strategy !== "string" || !STRATEGIES.includes(strategy)) {
    throw clientError(`computeResources.allocationStrategy must be one of ${STRATEGIES.join(", ")}, not ${JSON.stringify(strategy)}`);
  }
  if (strategy.startsWith("SPOT_") && type !== "SPOT") throw clientError(`computeResources.allocationStrategy ${strategy} is only for SPOT compute environments`);
  if (type === "SPOT") {
    if (strategy === "BEST_FIT" && resources.spotIamFleetRole === undefined) {
      throw clientError("computeResources.spotIamFleetRole is required for SPOT compute environments with the BEST_FIT allocation strategy");
    }
    if (resources.spotIamFleetRole !== undefined) checkRoleArn("computeResources.spotIamFleetRole", resources.spotIamFleetRole);
    if (resources.bidPercentage !== undefined && (count("computeResources.bidPercentage", resources.bidPercentage) > 100)) {
      throw clientError("computeResources.bidPercentage must be between 0 and 100");
    }
  }
  if (resources.launchTemplate !== undefined) checkLaunchTemplate(resources.launchTemplate);
  return { ...resources, type, minvCpus, maxvCpus, desiredvCpus, instanceTypes, allocationStrategy: strategy } as ComputeResources;
}

function checkLaunchTemplate(template: unknown): void {
  const t = (template ?? {}) as JsonObject;
  const byId = typeof t.launchTemplateId === "string";
  const byName = typeof t.launchTemplateName === "string";
  if (byId === byName) throw clientError("computeResources.launchTemplate needs either launchTemplateId or launchTemplateName, but not both");
}

export interface EnvironmentUpdate {
  state?: string;
  serviceRole?: string;
  computeResources?: ComputeResources;
  /** Settings changed that Batch applies by replacing instances (and checks again). */
  infrastructure: boolean;
}

/** What UpdateComputeEnvironment changes in `current`; ClientException when Batch would refuse. */
export function environmentUpdate(current: ComputeEnvironment, request: JsonObject, unknownTypes: UnknownTypes): EnvironmentUpdate {
  const state = checkState(request.state);
  let serviceRole: string | undefined;
  if (request.serviceRole !== undefined) {
    serviceRole = checkRoleArn("serviceRole", request.serviceRole);
    // https://docs.aws.amazon.com/batch/latest/APIReference/API_UpdateComputeEnvironment.html
    if (isServiceLinkedRole(serviceRole) !== isServiceLinkedRole(current.serviceRole)) {
      throw clientError("A compute environment with the service-linked role cannot change to a regular IAM role, nor the other way round");
    }
  }
  const changes = request.computeResources;
  if (changes === undefined) return { state, serviceRole, infrastructure: serviceRole !== undefined && serviceRole !== current.serviceRole };
  if (!isObject(changes)) throw clientError("computeResources must be an object");
  if (!current.computeResources) throw clientError("computeResources cannot be updated on an UNMANAGED compute environment");
  const infrastructureKeys = Object.keys(changes).filter((key) => !SCALING_KEYS.includes(key));
  if (infrastructureKeys.length > 0) {
    if (changes.allocationStrategy === "BEST_FIT") throw clientError("allocationStrategy BEST_FIT isn't supported when updating a compute environment");
    const strategy = (changes.allocationStrategy ?? current.computeResources.allocationStrategy) as string;
    if (!UPDATABLE_STRATEGIES.includes(strategy) || !isServiceLinkedRole(serviceRole ?? current.serviceRole)) {
      throw clientError(
        `Updating ${infrastructureKeys.join(", ")} needs the AWSServiceRoleForBatch service-linked role and the BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED or SPOT_PRICE_CAPACITY_OPTIMIZED allocation strategy; only minvCpus, maxvCpus and desiredvCpus can change here`,
      );
    }
  }
  if (changes.desiredvCpus !== undefined && count("computeResources.desiredvCpus", changes.desiredvCpus) < current.computeResources.desiredvCpus) {
    // https://docs.aws.amazon.com/batch/latest/userguide/scaling-updates.html
    throw clientError(`computeResources.desiredvCpus can only grow: it is ${current.computeResources.desiredvCpus}, not ${String(changes.desiredvCpus)}`);
  }
  const merged = { ...current.computeResources, ...changes };
  // Batch lowers desiredvCpus itself as demand falls; keep it within the new bounds.
  if (changes.desiredvCpus === undefined) merged.desiredvCpus = Math.min(Math.max(current.computeResources.desiredvCpus, merged.minvCpus as number), merged.maxvCpus as number);
  return { state, serviceRole, computeResources: checkComputeResources(merged, unknownTypes), infrastructure: infrastructureKeys.length > 0 || (serviceRole !== undefined && serviceRole !== current.serviceRole) };
}

/** A role ARN, or a role name (path included) that Batch turns into one. */
function checkRoleArn(key: string, value: unknown): string {
  if (typeof value === "string" && /^arn:aws[a-z-]*:iam::\d{12}:role\/.+/.test(value)) return value;
  if (typeof value === "string" && /^[\w+=,.@/-]{1,512}$/.test(value) && !value.startsWith("arn:")) {
    return `arn:aws:iam::${ACCOUNT_ID}:role/${value.replace(/^\//, "")}`;
  }
  throw clientError(`${key} must be an IAM role name or ARN, not ${JSON.stringify(value)}`);
}

function count(key: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw clientError(`${key} must be a whole number of at least 0, not ${JSON.stringify(value)}`);
  return value;
}

function strings(key: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string" && v !== "")) {
    throw clientError(`${key} must list at least one value`);
  }
  return value as string[];
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
