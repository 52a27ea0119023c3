/**
 * `teardown`: find what `setup` created, by its tag, and remove it in
 * dependency order: queues (disabled, then deleted), compute environments
 * (the same), job definitions, launch templates, the users' group, roles and
 * instance profile, policies, the log group, and the bucket, which is kept
 * while it holds objects unless told to delete them. A queue or compute
 * environment must be DISABLED before Batch deletes it, and an environment
 * must be in no queue
 * (https://docs.aws.amazon.com/batch/latest/APIReference/API_DeleteComputeEnvironment.html).
 */
import type { AwsClients } from "../aws/clients.js";
import * as batch from "../aws/batch.js";
import { deleteLaunchTemplate, taggedLaunchTemplates } from "../aws/ec2.js";
import * as iam from "../aws/iam.js";
import { deleteLogGroup, readLogGroup } from "../aws/logs.js";
import { bucketHasObjects, deleteBucket, emptyBucket, readBucket } from "../aws/s3-bucket.js";
import { callerIdentity } from "../aws/sts.js";
import type { Settings } from "../config/resolve.js";
import { CREATED_BY, INSTANCE_ROLE, JOB_ROLE, LOG_GROUP } from "./spec.js";
import { PROGRAM } from "../program.js";
import { settleBatch } from "./apply.js";
import type { Clock } from "./wait.js";

export interface Removal {
  /** "job queue nextstrain-job-queue" */
  what: string;
  /** Why it stays, when it does (a bucket holding objects). */
  kept?: string;
  remove: () => Promise<void>;
}

export interface TeardownContext {
  settings: Settings;
  aws: AwsClients;
  clock: Clock;
  progress: (text: string) => void;
  deleteBucketContents: boolean;
}

const ours = (tags: Record<string, string> | undefined) => tags?.[CREATED_BY] !== undefined;
const POLICY_NAMES = ["NextstrainJobsBucketAccess", "NextstrainJobsBatchAccess", "NextstrainJobsLogsAccess"];

/** A queue or compute environment: disabled, settled, deleted, and waited for until gone. */
function batchRemoval(kind: "job queue" | "compute environment", name: string, state: string | undefined, context: TeardownContext): Removal {
  return {
    what: `${kind} ${name}`,
    remove: async () => {
      const client = await context.aws.batch();
      if (state !== "DISABLED") {
        if (kind === "job queue") await batch.updateJobQueue(client, { jobQueue: name, state: "DISABLED" }, context);
        else await batch.updateComputeEnvironment(client, { computeEnvironment: name, state: "DISABLED" }, context);
      }
      await settleBatch(kind, name, { ...context, rerun: `${PROGRAM} teardown --aws-batch` });
      await (kind === "job queue" ? batch.deleteJobQueue(client, name, context) : batch.deleteComputeEnvironment(client, name, context));
      await settleBatch(kind, name, { ...context, rerun: `${PROGRAM} teardown --aws-batch` });
    },
  };
}

async function batchRemovals(context: TeardownContext): Promise<Removal[]> {
  const client = await context.aws.batch();
  const [queues, environments, definitions] = await Promise.all([batch.describeJobQueues(client), batch.describeComputeEnvironments(client), batch.describeActiveDefinitions(client)]);
  return [
    ...queues.filter((queue) => ours(queue.tags)).map((queue) => batchRemoval("job queue", queue.jobQueueName ?? "", queue.state, context)),
    ...environments.filter((environment) => ours(environment.tags)).map((environment) => batchRemoval("compute environment", environment.computeEnvironmentName ?? "", environment.state, context)),
    ...definitions.filter((definition) => ours(definition.tags)).map((definition) => ({
      what: `job definition ${definition.jobDefinitionName}:${definition.revision}`,
      remove: () => batch.deregisterDefinition(client, definition.jobDefinitionArn ?? "", context),
    })),
  ];
}

async function iamRemovals(context: TeardownContext): Promise<Removal[]> {
  const client = await context.aws.iam();
  const { account } = await callerIdentity(await context.aws.sts());
  const group = context.settings.usersGroup.value;
  const groupFound = group === undefined ? undefined : await iam.readGroup(client, group);
  const roles = await Promise.all([JOB_ROLE, INSTANCE_ROLE].map(async (name) => ({ name, found: await iam.readRole(client, name) })));
  const profile = await iam.readInstanceProfile(client, INSTANCE_ROLE);
  const policies = await Promise.all(POLICY_NAMES.map(async (name) => ({ name, found: await iam.readPolicy(client, iam.policyArn(account, name)) })));
  return [
    // IAM groups take no tags: the group is the one named by the setting.
    ...(group !== undefined && groupFound !== undefined ? [{ what: `IAM group ${group}`, remove: () => iam.deleteGroup(client, group) }] : []),
    ...(ours(profile?.tags) ? [{ what: `instance profile ${INSTANCE_ROLE}`, remove: () => iam.deleteInstanceProfile(client, INSTANCE_ROLE) }] : []),
    ...roles.filter((role) => ours(role.found?.tags)).map((role) => ({ what: `IAM role ${role.name}`, remove: () => iam.deleteRole(client, role.name) })),
    ...policies.filter((policy) => ours(policy.found?.tags)).map((policy) => ({ what: `IAM policy ${policy.name}`, remove: () => iam.deletePolicy(client, policy.found?.arn ?? "") })),
  ];
}

async function storageRemovals(context: TeardownContext): Promise<Removal[]> {
  const [logs, s3, ec2] = await Promise.all([context.aws.logs(), context.aws.s3(), context.aws.ec2()]);
  const name = context.settings.bucket.value.bucket;
  const [group, bucket, templates] = await Promise.all([readLogGroup(logs, LOG_GROUP), readBucket(s3, name), taggedLaunchTemplates(ec2, CREATED_BY)]);
  const removals: Removal[] = templates.map((template) => ({ what: `launch template ${template}`, remove: () => deleteLaunchTemplate(ec2, template) }));
  if (ours(group?.tags)) removals.push({ what: `log group ${LOG_GROUP}`, remove: () => deleteLogGroup(logs, LOG_GROUP) });
  if (ours(bucket?.tags)) {
    const holdsObjects = await bucketHasObjects(s3, name);
    removals.push({
      what: `S3 bucket ${name}`,
      kept: holdsObjects && !context.deleteBucketContents ? "it holds objects (add --delete-bucket-contents to delete them and the bucket)" : undefined,
      remove: async () => {
        if (holdsObjects) context.progress(`deleted ${await emptyBucket(s3, name)} objects from S3 bucket ${name}`);
        await deleteBucket(s3, name);
      },
    });
  }
  return removals;
}

/** Everything tagged as setup's, in the order it can be removed. */
export async function findRemovals(context: TeardownContext): Promise<Removal[]> {
  const batchFirst = await batchRemovals(context);
  const [iamNext, storage] = await Promise.all([iamRemovals(context), storageRemovals(context)]);
  const templates = storage.filter((removal) => removal.what.startsWith("launch template"));
  return [...batchFirst, ...templates, ...iamNext, ...storage.filter((removal) => !templates.includes(removal))];
}
