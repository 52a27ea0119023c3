/**
 * Carrying out the plan of `setup`: create what is missing, in the plan's
 * order, and with `--update` bring differing properties in line where AWS
 * allows it. Every created resource is tagged. Compute environments and
 * queues are waited for (wait.ts). A failure part-way is reported with what
 * was done so far; the plan of a re-run then finds those as existing.
 */
import type { AwsClients } from "../aws/clients.js";
import * as batch from "../aws/batch.js";
import { createLaunchTemplate } from "../aws/ec2.js";
import { describeAwsError } from "../aws/errors.js";
import * as iam from "../aws/iam.js";
import { createLogGroup, setRetention } from "../aws/logs.js";
import * as bucket from "../aws/s3-bucket.js";
import { UserError } from "../errors.js";
import { describePlanItem, updatable, type PlanItem, type Resource } from "./plan.js";
import { LIFECYCLE_RULE_ID, type SetupSpec } from "./spec.js";
import { waitUntilSettled, type Clock } from "./wait.js";

export interface ApplyContext {
  spec: SetupSpec;
  aws: AwsClients;
  clock: Clock;
  /** A line for each step done, and each status seen while waiting. */
  progress: (text: string) => void;
  update: boolean;
  /** The command that finishes the work, for messages. */
  rerun: string;
}

type Step = (resource: Resource, context: ApplyContext) => Promise<void>;

/** The ARN of a policy a resource's "policy <name>" property names. */
function policyArns(resource: Resource, spec: SetupSpec): string[] {
  const known = [...Object.values(spec.policies).map((policy) => policy.arn), spec.instanceRole.policy];
  return Object.keys(resource.props)
    .filter((property) => property.startsWith("policy "))
    .flatMap((property) => known.filter((arn) => arn.endsWith(`/${property.slice(7)}`)));
}

/** Waits for a compute environment or queue to leave CREATING, UPDATING or DELETING (gone counts as settled). */
export async function settleBatch(kind: "compute environment" | "job queue", name: string, context: Pick<ApplyContext, "aws" | "clock" | "progress" | "rerun">): Promise<void> {
  const client = await context.aws.batch();
  const read = async () => {
    const [found] = kind === "job queue" ? await batch.describeJobQueues(client, [name]) : await batch.describeComputeEnvironments(client, [name]);
    return { status: found?.status, statusReason: found?.statusReason };
  };
  await waitUntilSettled(read, { what: `${kind} ${name}`, clock: context.clock, progress: context.progress, rerun: context.rerun });
}

async function putBucketRules(name: string, context: ApplyContext): Promise<void> {
  const client = await context.aws.s3();
  const { expireDays, abortUploadsDays } = context.spec.bucket;
  await bucket.blockPublicAccess(client, name);
  await bucket.encryptByDefault(client, name);
  const existing = (await bucket.readBucket(client, name))?.lifecycle ?? [];
  const rule = { ID: LIFECYCLE_RULE_ID, Status: "Enabled" as const, Filter: { Prefix: "" }, Expiration: { Days: expireDays }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: abortUploadsDays } };
  await bucket.putLifecycleRule(client, name, rule, existing);
}

async function computeEnvironmentInput(context: ApplyContext) {
  const { computeEnvironment: ce, instanceRole, launchTemplate, tags } = context.spec;
  return {
    computeEnvironmentName: ce.name,
    type: "MANAGED" as const,
    state: "ENABLED" as const,
    // No serviceRole: Batch uses (and makes) its service-linked role, which allows updates in place
    // (https://docs.aws.amazon.com/batch/latest/userguide/using-service-linked-roles.html).
    computeResources: {
      type: ce.spot ? ("SPOT" as const) : ("EC2" as const),
      // The progressive strategies let Batch update the environment in place, and SPOT needs no fleet role with them
      // (https://docs.aws.amazon.com/batch/latest/userguide/allocation-strategies.html).
      allocationStrategy: ce.spot ? ("SPOT_PRICE_CAPACITY_OPTIMIZED" as const) : ("BEST_FIT_PROGRESSIVE" as const),
      minvCpus: 0,
      maxvCpus: ce.maxVcpus,
      instanceTypes: [...ce.instanceTypes],
      subnets: [...ce.subnets],
      securityGroupIds: [...ce.securityGroups],
      instanceRole: instanceRole.profileArn,
      launchTemplate: launchTemplate && { launchTemplateName: launchTemplate.name, version: "$Default" },
    },
    tags,
  };
}

function queueSettings(context: ApplyContext) {
  const { queue, computeEnvironment } = context.spec;
  return {
    state: "ENABLED" as const,
    priority: 1,
    computeEnvironmentOrder: [{ order: 1, computeEnvironment: computeEnvironment.name }],
    jobStateTimeLimitActions: queue.timeLimits.map((limit) => ({ ...limit, state: "RUNNABLE" as const, action: "CANCEL" as const })),
  };
}

async function registerDefinition(_resource: Resource, context: ApplyContext): Promise<void> {
  const { definition, jobRole, tags } = context.spec;
  await batch.registerDefinition(await context.aws.batch(), {
    jobDefinitionName: definition.name,
    type: "container",
    containerProperties: {
      image: definition.image,
      jobRoleArn: jobRole.arn,
      resourceRequirements: [
        { type: "VCPU", value: String(definition.vcpus) },
        { type: "MEMORY", value: String(definition.memoryMiB) },
      ],
    },
    retryStrategy: { attempts: definition.attempts },
    timeout: { attemptDurationSeconds: definition.timeoutSeconds },
    tags,
  }, { clock: context.clock });
}

/** Attaching a policy that is already attached changes nothing in IAM, so every one is attached. */
async function attachPolicies(resource: Resource, context: ApplyContext): Promise<void> {
  const client = await context.aws.iam();
  const attach = resource.kind === "IAM group" ? iam.attachGroupPolicy : iam.attachRolePolicy;
  for (const arn of policyArns(resource, context.spec)) await attach(client, resource.name, arn);
}

const CREATE: Record<Resource["kind"], Step> = {
  "S3 bucket": async (resource, context) => {
    await bucket.createBucket(await context.aws.s3(), resource.name, context.spec.region, context.spec.tags);
    await putBucketRules(resource.name, context);
  },
  "log group": async (resource, context) => {
    await createLogGroup(await context.aws.logs(), resource.name, context.spec.tags);
    await setRetention(await context.aws.logs(), resource.name, context.spec.logGroup.retentionDays);
  },
  "IAM policy": async (resource, context) => {
    const policy = Object.values(context.spec.policies).find((candidate) => candidate.name === resource.name);
    if (policy) await iam.createPolicy(await context.aws.iam(), policy.name, policy.document, context.spec.tags);
  },
  "IAM role": async (resource, context) => {
    await iam.createRole(await context.aws.iam(), resource.name, resource.props["trusted by"] ?? "", context.spec.tags);
    await attachPolicies(resource, context);
  },
  "instance profile": async (resource, context) => iam.createInstanceProfile(await context.aws.iam(), resource.name, resource.props.role ?? "", context.spec.tags),
  // Batch makes its service-linked role itself with the first compute environment that names no service role.
  "service-linked role": async () => {},
  "IAM group": async (resource, context) => {
    await iam.createGroup(await context.aws.iam(), resource.name);
    await attachPolicies(resource, context);
  },
  "launch template": async (resource, context) => createLaunchTemplate(await context.aws.ec2(), resource.name, context.spec.launchTemplate?.diskGiB ?? 0, context.spec.tags),
  "compute environment": async (resource, context) => {
    await batch.createComputeEnvironment(await context.aws.batch(), await computeEnvironmentInput(context), { clock: context.clock });
    await settleBatch("compute environment", resource.name, context);
  },
  "job queue": async (resource, context) => {
    // A queue takes only VALID environments: one still being created by an earlier run is waited for.
    await settleBatch("compute environment", context.spec.computeEnvironment.name, context);
    await batch.createJobQueue(await context.aws.batch(), { jobQueueName: resource.name, ...queueSettings(context), tags: context.spec.tags }, { clock: context.clock });
    await settleBatch("job queue", resource.name, context);
  },
  "job definition": registerDefinition,
};

/** `--update`, for the properties plan.ts marks updatable. */
const UPDATE: Partial<Record<Resource["kind"], Step>> = {
  "S3 bucket": (resource, context) => putBucketRules(resource.name, context),
  "log group": async (resource, context) => setRetention(await context.aws.logs(), resource.name, context.spec.logGroup.retentionDays),
  "IAM role": (resource, context) => attachPolicies(resource, context),
  "IAM group": (resource, context) => attachPolicies(resource, context),
  "instance profile": async (resource, context) => iam.createInstanceProfile(await context.aws.iam(), resource.name, resource.props.role ?? "", context.spec.tags),
  "compute environment": async (resource, context) => {
    await settleBatch("compute environment", resource.name, context);
    const { maxVcpus } = context.spec.computeEnvironment;
    await batch.updateComputeEnvironment(await context.aws.batch(), { computeEnvironment: resource.name, state: "ENABLED", computeResources: { maxvCpus: maxVcpus } }, { clock: context.clock });
    await settleBatch("compute environment", resource.name, context);
  },
  "job queue": async (resource, context) => {
    await settleBatch("job queue", resource.name, context);
    await batch.updateJobQueue(await context.aws.batch(), { jobQueue: resource.name, ...queueSettings(context) }, { clock: context.clock });
    await settleBatch("job queue", resource.name, context);
  },
  "job definition": registerDefinition,
};

/** Setup stopped part-way: what failed, what was done before it, and how to finish. */
export class SetupIncomplete extends UserError {
  constructor(failed: PlanItem, cause: unknown, done: readonly string[], rerun: string) {
    const what = `${failed.action === "create" ? "create" : "update"} the ${failed.resource.kind} ${failed.resource.name}`;
    const reason = cause instanceof UserError ? cause.message : describeAwsError(cause);
    const doneText = done.length === 0 ? "Nothing was created or changed before it." : `Done before it:\n${done.map((line) => `  ${line}`).join("\n")}`;
    super(`Setup stopped: could not ${what}: ${reason}`, `${doneText}\n\n${cause instanceof UserError && cause.hint ? `${cause.hint}\n` : ""}Fix that, then run ${rerun} again: it finishes the job.`);
  }
}

/** Carries out the plan; answers the lines of what was done (created or updated). */
export async function applyPlan(plan: readonly PlanItem[], context: ApplyContext): Promise<string[]> {
  const done: string[] = [];
  for (const item of plan) {
    const step = item.action === "create" ? CREATE[item.resource.kind] : item.action === "differs" && context.update && updatable(item) ? UPDATE[item.resource.kind] : undefined;
    if (step === undefined || item.resource.kind === "service-linked role") continue;
    try {
      // Each call retries as its row of the retry table says (aws/retry.ts); what outlasts that is reported.
      await step(item.resource, context);
    } catch (error) {
      throw new SetupIncomplete(item, error, done, context.rerun);
    }
    const line = item.action === "create" ? `created  ${item.resource.kind} ${item.resource.name}` : `updated  ${describePlanItem(item).slice(9)}`;
    done.push(line);
    context.progress(line);
  }
  return done;
}
