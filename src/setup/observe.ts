/**
 * What exists, read from AWS and shown in the properties of plan.ts, so that
 * `compare` can tell what differs. One reader per kind of resource; a
 * resource that does not exist reads as undefined.
 */
import type { LifecycleRule } from "@aws-sdk/client-s3";
import type { AwsClients } from "../aws/clients.js";
import { describeActiveDefinitions, describeComputeEnvironments, describeJobQueues } from "../aws/batch.js";
import { readLaunchTemplate } from "../aws/ec2.js";
import { readGroup, readInstanceProfile, readPolicy, readRole } from "../aws/iam.js";
import { readLogGroup } from "../aws/logs.js";
import { readBucket } from "../aws/s3-bucket.js";
import { ATTACHED, showRootVolume, showTimeLimits, type Props, type Resource } from "./plan.js";
import { sameDocument } from "./policies.js";
import type { SetupSpec } from "./spec.js";

type Reader = (resource: Resource, spec: SetupSpec, aws: AwsClients) => Promise<Props | undefined>;

/** The days of the first enabled whole-bucket rule that sets `days`, shown as plan.ts shows them. */
function ruleDays(rules: readonly LifecycleRule[], days: (rule: LifecycleRule) => number | undefined): string {
  const found = rules.find((rule) => rule.Status === "Enabled" && (rule.Filter?.Prefix ?? rule.Prefix ?? "") === "" && days(rule) !== undefined);
  return found ? `after ${days(found)} days` : "never";
}

const attachments = (resource: Resource, arns: readonly string[]): Props =>
  Object.fromEntries(Object.keys(resource.props).flatMap((property) => (property.startsWith("policy ") ? [[property, arns.some((arn) => arn.endsWith(`/${property.slice(7)}`)) ? ATTACHED : "not attached"]] : [])));

const READERS: Record<Resource["kind"], Reader> = {
  "S3 bucket": async (resource, _spec, aws) => {
    const found = await readBucket(await aws.s3(), resource.name);
    if (!found) return undefined;
    return {
      "public access": found.publicAccessBlocked ? "blocked" : "not blocked",
      "default encryption": found.encrypted ? "on" : "off",
      "objects expire": ruleDays(found.lifecycle, (rule) => rule.Expiration?.Days),
      "incomplete uploads aborted": ruleDays(found.lifecycle, (rule) => rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation),
    };
  },
  "log group": async (resource, _spec, aws) => {
    const found = await readLogGroup(await aws.logs(), resource.name);
    return found && { retention: found.retentionDays === undefined ? "never expire" : `${found.retentionDays} days` };
  },
  "IAM policy": async (resource, spec, aws) => {
    const wanted = Object.values(spec.policies).find((policy) => policy.name === resource.name);
    const found = wanted && (await readPolicy(await aws.iam(), wanted.arn));
    return found && { document: sameDocument(found.document, wanted.document) ? "as setup writes it" : "another document" };
  },
  "IAM role": async (resource, _spec, aws) => {
    const found = await readRole(await aws.iam(), resource.name);
    return found && { "trusted by": found.trustedServices.join(",") || "nobody", ...attachments(resource, found.policyArns) };
  },
  "instance profile": async (resource, _spec, aws) => {
    const found = await readInstanceProfile(await aws.iam(), resource.name);
    return found && { role: found.roles.join(",") || "none" };
  },
  "service-linked role": async (resource, _spec, aws) => ((await readRole(await aws.iam(), resource.name)) ? {} : undefined),
  "IAM group": async (resource, _spec, aws) => {
    const arns = await readGroup(await aws.iam(), resource.name);
    return arns && attachments(resource, arns);
  },
  "launch template": async (resource, _spec, aws) => {
    const found = await readLaunchTemplate(await aws.ec2(), resource.name);
    return found && { "root volume": showRootVolume(found.root.sizeGiB, found.root.type, found.root.deleteOnTermination) };
  },
  "compute environment": async (resource, _spec, aws) => {
    const [found] = await describeComputeEnvironments(await aws.batch(), [resource.name]);
    if (!found) return undefined;
    const resources = found.computeResources;
    const template = resources?.launchTemplate;
    return {
      type: resources?.type ?? found.type ?? "?",
      "min vCPUs": String(resources?.minvCpus ?? 0),
      "max vCPUs": String(resources?.maxvCpus ?? "?"),
      "instance types": (resources?.instanceTypes ?? []).join(","),
      subnets: [...(resources?.subnets ?? [])].sort().join(","),
      "security groups": [...(resources?.securityGroupIds ?? [])].sort().join(","),
      "launch template": template?.launchTemplateName ?? template?.launchTemplateId ?? "none",
      state: found.state ?? "?",
    };
  },
  "job queue": async (resource, _spec, aws) => {
    const [found] = await describeJobQueues(await aws.batch(), [resource.name]);
    if (!found) return undefined;
    const environments = (found.computeEnvironmentOrder ?? []).map((entry) => (entry.computeEnvironment ?? "").replace(/^arn:.*:compute-environment\//, ""));
    const limits = (found.jobStateTimeLimitActions ?? []).map((limit) => ({ reason: limit.reason ?? "", maxTimeSeconds: limit.maxTimeSeconds ?? 0 }));
    return { state: found.state ?? "?", "compute environments": environments.join(","), "time limits": showTimeLimits(limits) || "none" };
  },
  "job definition": async (resource, _spec, aws) => {
    const revisions = await describeActiveDefinitions(await aws.batch(), resource.name);
    const latest = revisions.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
    if (!latest) return undefined;
    const container = latest.containerProperties;
    const requirement = (type: string) => container?.resourceRequirements?.find((entry) => entry.type === type)?.value;
    return {
      image: container?.image ?? "none",
      "job role": container?.jobRoleArn ?? "none",
      vCPUs: requirement("VCPU") ?? String(container?.vcpus ?? "?"),
      "memory (MiB)": requirement("MEMORY") ?? String(container?.memory ?? "?"),
      attempts: String(latest.retryStrategy?.attempts ?? 1),
      "timeout (s)": String(latest.timeout?.attemptDurationSeconds ?? "none"),
    };
  },
};

export async function observe(resource: Resource, spec: SetupSpec, aws: AwsClients): Promise<Props | undefined> {
  return READERS[resource.kind](resource, spec, aws);
}
