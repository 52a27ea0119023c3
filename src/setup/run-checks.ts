/**
 * Running the checks of `check-setup` against AWS, in the order a build
 * meets the resources: credentials, bucket, job definition and its role,
 * queue and its compute environments, log group, permissions. Each read that
 * fails becomes a failed (or, for what only warns, a warned) check with AWS's
 * words; the verdicts are in checks.ts.
 */
import type { AwsClients } from "../aws/clients.js";
import { describeActiveDefinitions, describeComputeEnvironments, describeJobQueues } from "../aws/batch.js";
import { largestJob } from "../aws/capacity.js";
import { instanceTypeSizes } from "../aws/ec2.js";
import { awsErrorName, describeAwsError } from "../aws/errors.js";
import { readRole, simulate } from "../aws/iam.js";
import { readLogGroup } from "../aws/logs.js";
import { readBucket } from "../aws/s3-bucket.js";
import { callerIdentity } from "../aws/sts.js";
import type { Settings } from "../config/resolve.js";
import { UserError } from "../errors.js";
import { definitionRequest, definitionVerdict, environmentVerdict, fail, pass, principalForSimulation, queueVerdict, SETUP, UPDATE, warn, type Check } from "./checks.js";
import { LOG_GROUP } from "./spec.js";

interface CheckContext {
  settings: Settings;
  aws: AwsClients;
  env: NodeJS.ProcessEnv;
}

const why = (error: unknown) => (error instanceof UserError ? error.message : describeAwsError(error));

/** Where the SDK takes credentials from, as far as the environment tells. */
function credentialsSource(env: NodeJS.ProcessEnv): string {
  if (env.AWS_ACCESS_KEY_ID) return "AWS_ACCESS_KEY_ID in the environment";
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE} (AWS_PROFILE)`;
  return "the SDK's default chain (default profile, SSO or instance role)";
}

async function credentials({ settings, aws, env }: CheckContext): Promise<{ check: Check; arn?: string }> {
  const region = `region ${settings.region.value} (from ${settings.region.origin})`;
  try {
    const identity = await callerIdentity(await aws.sts());
    return { check: pass("credentials", `${identity.arn} in account ${identity.account}, from ${credentialsSource(env)}; ${region}`), arn: identity.arn };
  } catch (error) {
    return { check: fail("credentials", why(error), "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with AWS_PROFILE, or run aws sso login") };
  }
}

async function bucketChecks({ settings, aws }: CheckContext): Promise<Check[]> {
  const name = settings.bucket.value.bucket;
  const check = `S3 bucket ${name}`;
  try {
    const found = await readBucket(await aws.s3(), name);
    if (!found) return [fail(check, "does not exist", `${SETUP} (or name another bucket with --aws-batch-s3-bucket)`)];
    const expiring = found.lifecycle.find((rule) => rule.Status === "Enabled" && rule.Expiration?.Days !== undefined);
    return [
      pass(check, "exists and is reachable"),
      found.publicAccessBlocked ? pass(`${check} privacy`, "public access blocked") : warn(`${check} privacy`, "public access is not blocked", UPDATE),
      expiring ? pass(`${check} lifecycle`, `objects expire after ${expiring.Expiration?.Days} days`) : warn(`${check} lifecycle`, "no rule expires objects: build archives are kept (and billed) for ever", UPDATE),
    ];
  } catch (error) {
    return [fail(check, `is not reachable: ${why(error)}`, "check the bucket's name, the region, and your permissions on it (s3:ListBucket)")];
  }
}

async function definitionChecks({ settings, aws }: CheckContext): Promise<{ checks: Check[]; request: { vcpus?: number; memoryMiB?: number } }> {
  const name = settings.job.value;
  try {
    const revisions = await describeActiveDefinitions(await aws.batch(), name);
    const latest = revisions.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
    const checks = [definitionVerdict(name, latest)];
    const roleArn = latest?.containerProperties?.jobRoleArn;
    if (roleArn) checks.push(await roleCheck(roleArn, aws));
    return { checks, request: latest ? definitionRequest(latest) : {} };
  } catch (error) {
    return { checks: [fail(`job definition ${name}`, `could not be read: ${why(error)}`, "check your permissions (batch:DescribeJobDefinitions) and the region")], request: {} };
  }
}

async function roleCheck(arn: string, aws: AwsClients): Promise<Check> {
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  try {
    const role = await readRole(await aws.iam(), name);
    if (!role) return fail(`job role ${name}`, "does not exist: jobs cannot start", SETUP);
    if (!role.trustedServices.includes("ecs-tasks.amazonaws.com")) return fail(`job role ${name}`, "is not trusted by ecs-tasks.amazonaws.com: jobs cannot assume it", "add ecs-tasks.amazonaws.com to its trust policy");
    return pass(`job role ${name}`, `trusted by ECS tasks, ${role.policyArns.length} polic${role.policyArns.length === 1 ? "y" : "ies"} attached`);
  } catch (error) {
    return warn(`job role ${name}`, `not checked: ${why(error)}`);
  }
}

async function queueChecks({ settings, aws }: CheckContext, request: { vcpus?: number; memoryMiB?: number }): Promise<Check[]> {
  const name = settings.queue.value;
  try {
    const batch = await aws.batch();
    const [queue] = await describeJobQueues(batch, [name]);
    const checks = [queueVerdict(name, queue)];
    const names = (queue?.computeEnvironmentOrder ?? []).flatMap((entry) => (entry.computeEnvironment ? [entry.computeEnvironment] : []));
    const environments = names.length === 0 ? [] : await describeComputeEnvironments(batch, names);
    for (const environment of environments) {
      const sizes = await instanceTypeSizes(await aws.ec2(), environment.computeResources?.instanceTypes ?? []).catch(() => new Map());
      const exact = (environment.computeResources?.instanceTypes ?? []).every((type) => sizes.has(type));
      checks.push(environmentVerdict(environment, exact ? largestJob([...sizes.values()]) : undefined, request));
    }
    if (queue && environments.length === 0) checks.push(fail(`job queue ${name}`, "has no compute environment", UPDATE));
    return checks;
  } catch (error) {
    return [fail(`job queue ${name}`, `could not be read: ${why(error)}`, "check your permissions (batch:DescribeJobQueues) and the region")];
  }
}

async function logGroupCheck({ aws }: CheckContext): Promise<Check> {
  const check = `log group ${LOG_GROUP}`;
  try {
    const group = await readLogGroup(await aws.logs(), LOG_GROUP);
    if (!group) return warn(check, "does not exist yet (Batch creates it with the first job, keeping logs for ever)", SETUP);
    if (group.retentionDays === undefined) return warn(check, "keeps logs for ever", UPDATE);
    return pass(check, `keeps logs ${group.retentionDays} days`);
  } catch (error) {
    return warn(check, `not checked: ${why(error)}`);
  }
}

/** What a build does, on the resources it names. */
function buildActions(settings: Settings): { actions: string[]; resources: string[] } {
  const bucket = settings.bucket.value.bucket;
  return {
    actions: ["s3:ListBucket", "s3:PutObject", "s3:GetObject", "batch:SubmitJob", "batch:DescribeJobs", "batch:DescribeJobDefinitions", "batch:TerminateJob", "logs:GetLogEvents"],
    resources: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`, "*"],
  };
}

async function permissionsCheck(context: CheckContext, callerArn: string | undefined): Promise<Check> {
  const principal = callerArn && principalForSimulation(callerArn);
  if (!principal) return warn("permissions", `not checked: ${callerArn ? "the account's root user may do anything, but should not run builds" : "no identity"}`);
  const { actions, resources } = buildActions(context.settings);
  try {
    const decisions = await simulate(await context.aws.iam(), principal, actions, resources);
    const denied = actions.filter((action) => decisions.get(action) !== "allowed");
    if (denied.length === 0) return pass("permissions", `${principal} may do everything a build does`);
    return fail("permissions", `${principal} may not: ${denied.join(", ")}`, "attach the policies setup creates (setup --users-group <group> makes a group with them)");
  } catch (error) {
    const reason = awsErrorName(error) === "NotImplemented" ? "this endpoint has no IAM policy simulator" : why(error);
    return warn("permissions", `not checked: ${reason}`);
  }
}

export async function runChecks(context: CheckContext): Promise<Check[]> {
  const identity = await credentials(context);
  if (identity.check.verdict === "fail") return [identity.check];
  const [bucket, definition, logs, permissions] = await Promise.all([bucketChecks(context), definitionChecks(context), logGroupCheck(context), permissionsCheck(context, identity.arn)]);
  const queue = await queueChecks(context, definition.request);
  return [identity.check, ...bucket, ...definition.checks, ...queue, logs, permissions];
}
