/**
 * The plan of `setup` (pure): each resource it wants, as properties shown
 * the way a user reads them, compared with what exists. A resource is to
 * create, exists as wanted, or differs (with each property that differs).
 * Observations come from observe.ts; setup, `--dry-run` and the tests use
 * the same comparison.
 */
import type { SetupSpec, TimeLimit } from "./spec.js";
import { SERVICE_LINKED_ROLE } from "./spec.js";

export type ResourceKind =
  | "S3 bucket"
  | "log group"
  | "IAM policy"
  | "IAM role"
  | "instance profile"
  | "service-linked role"
  | "launch template"
  | "compute environment"
  | "job queue"
  | "job definition"
  | "IAM group";

/** Properties by what a user calls them ("max vCPUs"), each shown as text ("64"). */
export type Props = Record<string, string>;

export interface Resource {
  kind: ResourceKind;
  name: string;
  props: Props;
  /** The properties `--update` may bring in line; others are reported only. */
  updatable: readonly string[];
}

export interface Difference {
  property: string;
  wanted: string;
  actual: string;
}

export type Action = "create" | "exists" | "differs";

export interface PlanItem {
  resource: Resource;
  action: Action;
  differences: Difference[];
}

export const ATTACHED = "attached";

export function showTimeLimits(limits: readonly TimeLimit[]): string {
  return [...limits]
    .sort((a, b) => a.reason.localeCompare(b.reason))
    .map((limit) => `${limit.reason} after ${limit.maxTimeSeconds} s`)
    .join(", ");
}

export function showRootVolume(sizeGiB: number | undefined, type: string | undefined, deleted: boolean | undefined): string {
  return `${sizeGiB ?? "?"} GiB ${type ?? "?"}${deleted ? ", deleted on termination" : ", kept on termination"}`;
}

const policyProp = (arn: string) => `policy ${arn.slice(arn.lastIndexOf("/") + 1)}`;

/** Every resource `setup` wants, in the order it creates them (each after those it names). */
export function desiredResources(spec: SetupSpec): Resource[] {
  const { bucket, policies, jobRole, instanceRole, computeEnvironment: ce, queue, definition } = spec;
  const resource = (kind: ResourceKind, name: string, props: Props, updatable: readonly string[] = Object.keys(props)): Resource => ({ kind, name, props, updatable });
  const attached = (...arns: string[]) => Object.fromEntries(arns.map((arn) => [policyProp(arn), ATTACHED]));
  const policyList = Object.values(policies);
  return [
    resource("S3 bucket", bucket.name, {
      "public access": "blocked",
      "default encryption": "on",
      "objects expire": `after ${bucket.expireDays} days`,
      "incomplete uploads aborted": `after ${bucket.abortUploadsDays} days`,
    }),
    resource("log group", spec.logGroup.name, { retention: `${spec.logGroup.retentionDays} days` }),
    ...policyList.map((policy) => resource("IAM policy", policy.name, { document: "as setup writes it" }, [])),
    resource("IAM role", jobRole.name, { "trusted by": jobRole.service, ...attached(policies.bucket.arn) }, [policyProp(policies.bucket.arn)]),
    resource("IAM role", instanceRole.name, { "trusted by": instanceRole.service, ...attached(instanceRole.policy) }, [policyProp(instanceRole.policy)]),
    resource("instance profile", instanceRole.profile, { role: instanceRole.name }),
    resource("service-linked role", SERVICE_LINKED_ROLE, {}, []),
    ...(spec.usersGroup === undefined ? [] : [resource("IAM group", spec.usersGroup, attached(...policyList.map((policy) => policy.arn)))]),
    ...(spec.launchTemplate === undefined ? [] : [resource("launch template", spec.launchTemplate.name, { "root volume": showRootVolume(spec.launchTemplate.diskGiB, "gp3", true) }, [])]),
    resource(
      "compute environment",
      ce.name,
      {
        type: ce.spot ? "SPOT" : "EC2",
        "min vCPUs": "0",
        "max vCPUs": String(ce.maxVcpus),
        "instance types": ce.instanceTypes.join(","),
        subnets: ce.subnets.join(","),
        "security groups": ce.securityGroups.join(","),
        "launch template": spec.launchTemplate?.name ?? "none",
        state: "ENABLED",
      },
      ["max vCPUs", "state"],
    ),
    resource("job queue", queue.name, { state: "ENABLED", "compute environments": ce.name, "time limits": showTimeLimits(queue.timeLimits) }),
    resource("job definition", definition.name, {
      image: definition.image,
      "job role": jobRole.arn,
      vCPUs: String(definition.vcpus),
      "memory (MiB)": String(definition.memoryMiB),
      attempts: String(definition.attempts),
      "timeout (s)": String(definition.timeoutSeconds),
    }),
  ];
}

/** What to do about one resource, given what exists (undefined: nothing by that name). */
export function compare(resource: Resource, actual: Props | undefined): PlanItem {
  if (actual === undefined) return { resource, action: "create", differences: [] };
  const differences = Object.entries(resource.props).flatMap(([property, wanted]) => {
    const found = actual[property] ?? "none";
    return found === wanted ? [] : [{ property, wanted, actual: found }];
  });
  return { resource, action: differences.length === 0 ? "exists" : "differs", differences };
}

/** Whether `--update` can bring every difference in line. */
export function updatable(item: PlanItem): boolean {
  return item.differences.every((difference) => item.resource.updatable.includes(difference.property));
}

/** One line of the plan: "create   job queue nextstrain-job-queue", "differs  ... (state: DISABLED, wanted ENABLED)". */
export function describePlanItem(item: PlanItem): string {
  const { kind, name } = item.resource;
  const head = `${item.action.padEnd(7)}  ${kind} ${name}`;
  if (item.action === "create" && kind === "service-linked role") return `${head} (Batch makes it with the first compute environment)`;
  if (item.action !== "differs") return head;
  return `${head}: ${item.differences.map((d) => `${d.property} is ${d.actual}, wanted ${d.wanted}`).join("; ")}`;
}
