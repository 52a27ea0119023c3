/**
 * What `setup` wants to exist, worked out from the settings alone (pure): the
 * bucket and its rules, the log group, the IAM policies and roles, the
 * compute environment, the job queue with its time limits, the job
 * definition. Names other than those of the settings are fixed here, so that
 * `check-setup` and `teardown` find the same resources.
 */
import type { Settings } from "../config/resolve.js";
import { retentionFor } from "../aws/logs.js";
import { policyArn } from "../aws/iam.js";
import { batchUserPolicy, bucketPolicy, logsPolicy, type PolicyDocument } from "./policies.js";

/** The tag every created resource carries, and its value: what made it. */
export const CREATED_BY = "nextstrain-ts:created-by";

export const LOG_GROUP = "/aws/batch/job";
export const JOB_ROLE = "NextstrainJobsRole";
export const INSTANCE_ROLE = "ecsInstanceRole";
/** What the ECS agent on Batch's instances needs (https://docs.aws.amazon.com/batch/latest/userguide/instance_IAM_role.html). */
export const INSTANCE_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";
export const SERVICE_LINKED_ROLE = "AWSServiceRoleForBatch";
export const LIFECYCLE_RULE_ID = "nextstrain-ts-expire";
export const ABORT_UPLOADS_DAYS = 7;
/** Jobs stuck RUNNABLE for a reason that cannot clear by itself are cancelled after this long. */
export const MISCONFIGURATION_WAIT_SECONDS = 600;
/** Batch's reasons for a job that can never be placed (https://docs.aws.amazon.com/batch/latest/userguide/job_stuck_in_runnable_time_limit_actions.html). */
export const MISCONFIGURATION_REASONS = ["MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE", "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"] as const;
export const CAPACITY_REASON = "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY";

export interface PolicySpec {
  name: string;
  arn: string;
  document: PolicyDocument;
}

export interface TimeLimit {
  reason: string;
  maxTimeSeconds: number;
}

export interface SetupSpec {
  tags: Record<string, string>;
  region: string;
  bucket: { name: string; expireDays: number; abortUploadsDays: number };
  logGroup: { name: string; retentionDays: number };
  policies: { bucket: PolicySpec; batch: PolicySpec; logs: PolicySpec };
  jobRole: { name: string; arn: string; service: string };
  instanceRole: { name: string; profile: string; profileArn: string; service: string; policy: string };
  launchTemplate?: { name: string; diskGiB: number };
  computeEnvironment: {
    name: string;
    spot: boolean;
    maxVcpus: number;
    instanceTypes: readonly string[];
    subnets: readonly string[];
    securityGroups: readonly string[];
  };
  queue: { name: string; timeLimits: TimeLimit[] };
  definition: { name: string; image: string; vcpus: number; memoryMiB: number; attempts: number; timeoutSeconds: number };
  usersGroup?: string;
}

export interface Network {
  subnets: readonly string[];
  securityGroups: readonly string[];
}

/** `image` with `:latest` when it names no tag or digest. */
export function withTag(image: string): string {
  const lastPart = image.slice(image.lastIndexOf("/") + 1);
  return lastPart.includes(":") || lastPart.includes("@") ? image : `${image}:latest`;
}

export function desiredSpec(settings: Settings, context: { account: string; version: string; network: Network }): SetupSpec {
  const { account, network } = context;
  const bucket = settings.bucket.value.bucket;
  const policy = (name: string, document: PolicyDocument): PolicySpec => ({ name, arn: policyArn(account, name), document });
  const jobRoleArn = `arn:aws:iam::${account}:role/${JOB_ROLE}`;
  const ce = settings.computeEnvironment.value;
  return {
    tags: { [CREATED_BY]: `nextstrain-ts/${context.version}` },
    region: settings.region.value,
    bucket: { name: bucket, expireDays: settings.expireDays.value, abortUploadsDays: ABORT_UPLOADS_DAYS },
    logGroup: { name: LOG_GROUP, retentionDays: retentionFor(settings.expireDays.value) },
    policies: {
      bucket: policy("NextstrainJobsBucketAccess", bucketPolicy(bucket)),
      batch: policy("NextstrainJobsBatchAccess", batchUserPolicy(jobRoleArn)),
      logs: policy("NextstrainJobsLogsAccess", logsPolicy(settings.region.value, account, LOG_GROUP)),
    },
    jobRole: { name: JOB_ROLE, arn: jobRoleArn, service: "ecs-tasks.amazonaws.com" },
    instanceRole: { name: INSTANCE_ROLE, profile: INSTANCE_ROLE, profileArn: `arn:aws:iam::${account}:instance-profile/${INSTANCE_ROLE}`, service: "ec2.amazonaws.com", policy: INSTANCE_ROLE_POLICY },
    launchTemplate: settings.disk.value === undefined ? undefined : { name: `${ce}-disk`, diskGiB: settings.disk.value },
    computeEnvironment: {
      name: ce,
      spot: settings.spot.value,
      maxVcpus: settings.maxVcpus.value,
      instanceTypes: settings.instanceTypes.value,
      subnets: [...(settings.subnets.value ?? network.subnets)].sort(),
      securityGroups: [...(settings.securityGroups.value ?? network.securityGroups)].sort(),
    },
    queue: {
      name: settings.queue.value,
      timeLimits: [
        ...MISCONFIGURATION_REASONS.map((reason) => ({ reason, maxTimeSeconds: MISCONFIGURATION_WAIT_SECONDS })),
        { reason: CAPACITY_REASON, maxTimeSeconds: settings.capacityWait.value * 60 },
      ],
    },
    definition: {
      name: settings.job.value,
      image: withTag(settings.image.value),
      vcpus: settings.jobCpus.value,
      memoryMiB: settings.jobMemory.value,
      attempts: 1,
      timeoutSeconds: 14_400,
    },
    usersGroup: settings.usersGroup.value,
  };
}
