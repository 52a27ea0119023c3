// What a fresh Nextstrain AWS set-up has, made in a new stack unless it starts
// empty: the bucket and the log group in moto; the roles the set-up guide
// makes (the ECS instance role with its instance profile, the job role) and
// Batch's service-linked role in moto's IAM; a compute environment in the
// default VPC's subnets and security group (moto makes the default VPC in every
// region, as AWS does for an account), the job queue and the job definition.
import { CloudWatchLogsClient, CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SERVICE_LINKED_ROLE } from "./batch/environment-rules.js";
import { ACCOUNT_ID } from "./batch/model.js";
import type { Registry } from "./batch/registry.js";

export const DEFAULT_BUCKET = "nextstrain-jobs";
export const BATCH_LOG_GROUP = "/aws/batch/job";
export const DEFAULT_JOB_DEFINITION = "nextstrain-job";
export const DEFAULT_JOB_QUEUE = "nextstrain-job-queue";
export const DEFAULT_COMPUTE_ENVIRONMENT = "nextstrain-compute";
export const DEFAULT_IMAGE = "nextstrain/base:latest";
export const JOB_ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/NextstrainJobsRole`;
export const INSTANCE_PROFILE_ARN = `arn:aws:iam::${ACCOUNT_ID}:instance-profile/ecsInstanceRole`;
/**
 * The seeded compute environment: m5.4xlarge instances (16 vCPUs, 64 GiB of
 * which 32 MiB stay with the ECS agent), up to 256 vCPUs in all, so that the
 * tests running side by side do not wait for each other.
 */
const SEEDED_INSTANCE_TYPE = "m5.4xlarge";
const SEEDED_MAX_VCPUS = 256;

export interface SeedClients {
  s3: S3Client;
  logs: CloudWatchLogsClient;
  iam: IAMClient;
  ec2: EC2Client;
}

const trust = (service: string) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

export async function seedNextstrainSetup(clients: SeedClients, registry: Registry): Promise<void> {
  const { s3, logs, iam, ec2 } = clients;
  const [network] = await Promise.all([
    defaultNetwork(ec2),
    s3.send(new CreateBucketCommand({ Bucket: DEFAULT_BUCKET })),
    logs.send(new CreateLogGroupCommand({ logGroupName: BATCH_LOG_GROUP })),
    iam.send(new CreateRoleCommand({ RoleName: "AWSServiceRoleForBatch", Path: "/aws-service-role/batch.amazonaws.com/", AssumeRolePolicyDocument: trust("batch.amazonaws.com") })),
    iam.send(new CreateRoleCommand({ RoleName: "NextstrainJobsRole", AssumeRolePolicyDocument: trust("ecs-tasks.amazonaws.com") })),
    (async () => {
      await iam.send(new CreateRoleCommand({ RoleName: "ecsInstanceRole", AssumeRolePolicyDocument: trust("ec2.amazonaws.com") }));
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "ecsInstanceRole" }));
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "ecsInstanceRole", RoleName: "ecsInstanceRole" }));
    })(),
  ]);
  await registry.createComputeEnvironment(
    {
      computeEnvironmentName: DEFAULT_COMPUTE_ENVIRONMENT,
      type: "MANAGED",
      state: "ENABLED",
      serviceRole: SERVICE_LINKED_ROLE,
      computeResources: {
        type: "EC2",
        minvCpus: 0,
        maxvCpus: SEEDED_MAX_VCPUS,
        desiredvCpus: 0,
        instanceTypes: [SEEDED_INSTANCE_TYPE],
        subnets: network.subnets,
        securityGroupIds: [network.securityGroup],
        instanceRole: INSTANCE_PROFILE_ARN,
      },
    },
    { settled: true },
  );
  registry.createJobQueue(
    { jobQueueName: DEFAULT_JOB_QUEUE, state: "ENABLED", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: DEFAULT_COMPUTE_ENVIRONMENT }] },
    { settled: true },
  );
  registry.registerJobDefinition({
    jobDefinitionName: DEFAULT_JOB_DEFINITION,
    type: "container",
    containerProperties: {
      image: DEFAULT_IMAGE,
      command: [],
      resourceRequirements: [
        { type: "VCPU", value: "4" },
        { type: "MEMORY", value: "7500" },
      ],
      jobRoleArn: JOB_ROLE_ARN,
    },
  });
}

/** The default VPC's subnets (one per availability zone) and its default security group. */
export async function defaultNetwork(ec2: EC2Client): Promise<{ vpc: string; subnets: string[]; securityGroup: string }> {
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))).Subnets ?? [];
  const vpc = subnets[0]?.VpcId;
  if (!vpc) throw new Error("moto has no default VPC in this region");
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "group-name", Values: ["default"] }] }));
  const securityGroup = groups.SecurityGroups?.[0]?.GroupId;
  if (!securityGroup) throw new Error(`moto's default VPC ${vpc} has no default security group`);
  return { vpc, subnets: subnets.map((s) => s.SubnetId!).sort(), securityGroup };
}
