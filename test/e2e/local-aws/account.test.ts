// The account around Batch, served by moto through the stack's one endpoint:
// STS, the default VPC, instance types, IAM roles, policies, instance
// profiles and groups, launch templates, and tags on each kind of resource
// (IAM, EC2, S3, CloudWatch Logs, Batch), plus the stack's fault shapes and
// fills for IAM.
import { CreateComputeEnvironmentCommand, DescribeJobDefinitionsCommand, ListTagsForResourceCommand, TagResourceCommand, UntagResourceCommand } from "@aws-sdk/client-batch";
import { CreateLogGroupCommand, ListTagsForResourceCommand as ListLogTagsCommand, TagResourceCommand as TagLogCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateLaunchTemplateCommand, DescribeInstanceTypesCommand, DescribeLaunchTemplatesCommand, DescribeVpcsCommand, type _InstanceType } from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  ListAttachedGroupPoliciesCommand,
  ListInstanceProfileTagsCommand,
  ListPolicyTagsCommand,
  ListRoleTagsCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, GetBucketTaggingCommand, PutBucketTaggingCommand } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { aws, localAws } from "../../local-aws/run.js";
import { defaultNetwork, DEFAULT_JOB_DEFINITION, JOB_ROLE_ARN } from "../../local-aws/seed.js";
import { clients } from "./helpers.js";

const { iam, ec2, s3, logs, batch } = clients();
const unique = () => randomUUID().slice(0, 8);
const TAGS = [{ Key: "created-by", Value: "nextstrain-ts" }];

describe("the account", () => {
  it("answers STS GetCallerIdentity for the stack's account, through the AWS CLI too", async () => {
    const result = await aws(["sts", "get-caller-identity"]);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ Account: "123456789012" });
  });

  it("has a default VPC with a subnet per availability zone and a default security group, which the seeded environment uses", async () => {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }));
    expect(vpcs.Vpcs).toHaveLength(1);
    const network = await defaultNetwork(ec2);
    expect(network.vpc).toBe(vpcs.Vpcs?.[0]?.VpcId);
    expect(network.subnets.length).toBeGreaterThanOrEqual(3);
    const seeded = (await localAws().control.queueCapacity("nextstrain-job-queue"))[0];
    expect(seeded).toEqual({ computeEnvironment: "nextstrain-compute", state: "ENABLED", status: "VALID", maxvCpus: 256, largestJob: { vcpus: 16, memoryMiB: 65504 } });
    // The seeded job role exists in IAM, so a check of the set-up finds it.
    const definition = (await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: DEFAULT_JOB_DEFINITION }))).jobDefinitions?.[0];
    expect(definition?.containerProperties?.jobRoleArn).toBe(JOB_ROLE_ARN);
    expect((await iam.send(new GetRoleCommand({ RoleName: "NextstrainJobsRole" }))).Role?.Arn).toBe(JOB_ROLE_ARN);
  });

  it("describes instance types with AWS's vCPUs and memory, and refuses `optimal`, which is Batch's word, not EC2's", async () => {
    const answer = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["m5.large", "c5.4xlarge", "r5.24xlarge"] }));
    const figures = Object.fromEntries((answer.InstanceTypes ?? []).map((t) => [t.InstanceType, [t.VCpuInfo?.DefaultVCpus, t.MemoryInfo?.SizeInMiB]]));
    expect(figures).toEqual({ "m5.large": [2, 8192], "c5.4xlarge": [16, 32768], "r5.24xlarge": [96, 786432] });
    await expect(ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["optimal" as _InstanceType] }))).rejects.toMatchObject({ name: "InvalidInstanceType" });
  });

  it("keeps IAM roles, policies, instance profiles and groups, with tags (ListInstanceProfileTags filled in for moto)", async () => {
    const name = `nextstrain-${unique()}`;
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, Tags: TAGS }));
    const policy = await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }), Tags: TAGS }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: TAGS }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
    await iam.send(new CreateGroupCommand({ GroupName: name }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: policy.Policy!.Arn! }));
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags).toEqual(TAGS);
    expect((await iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Policy!.Arn! }))).Tags).toEqual(TAGS);
    expect((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: name }))).Tags).toEqual(TAGS);
    await expect(iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: `${name}-none` }))).rejects.toMatchObject({ name: "NoSuchEntityException" });
    expect((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name }))).AttachedPolicies?.map((p) => p.PolicyName)).toEqual([name]);
    // moto has no policy simulator: a typed NotImplemented error, not an HTML page.
    await expect(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: policy.Policy!.Arn!, ActionNames: ["s3:GetObject"] }))).rejects.toMatchObject({
      name: "NotImplemented",
      $metadata: { httpStatusCode: 501 },
    });
  });

  it("keeps launch templates with tags, and tags on buckets, log groups and Batch resources", async () => {
    const name = `nextstrain-${unique()}`;
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 200, VolumeType: "gp3", DeleteOnTermination: true } }] },
        TagSpecifications: [{ ResourceType: "launch-template", Tags: TAGS }],
      }),
    );
    expect((await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }))).LaunchTemplates?.[0]?.Tags).toEqual(TAGS);

    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: TAGS } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet).toEqual(TAGS);

    await logs.send(new CreateLogGroupCommand({ logGroupName: `/${name}` }));
    const logGroupArn = `arn:aws:logs:us-east-1:123456789012:log-group:/${name}`;
    await logs.send(new TagLogCommand({ resourceArn: logGroupArn, tags: { "created-by": "nextstrain-ts" } }));
    expect((await logs.send(new ListLogTagsCommand({ resourceArn: logGroupArn }))).tags).toEqual({ "created-by": "nextstrain-ts" });

    const definition = (await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: DEFAULT_JOB_DEFINITION }))).jobDefinitions![0]!.jobDefinitionArn!;
    await batch.send(new TagResourceCommand({ resourceArn: definition, tags: { [name]: "yes", other: "x" } }));
    await batch.send(new UntagResourceCommand({ resourceArn: definition, tagKeys: ["other"] }));
    expect((await batch.send(new ListTagsForResourceCommand({ resourceArn: definition }))).tags).toMatchObject({ [name]: "yes" });
    await expect(batch.send(new TagResourceCommand({ resourceArn: definition, tags: { "aws:reserved": "x" } }))).rejects.toMatchObject({ name: "ClientException" });
  });

  it("answers injected IAM and EC2 faults in their own protocols, and lists query calls by their Action", async () => {
    const { control } = localAws();
    const accessKeyId = `account-faults-${unique()}`;
    await control.addFault({ kind: "access-denied", service: "iam", operation: "CreateRole", count: 1, accessKeyId });
    await control.addFault({ kind: "throttle", service: "ec2", operation: "DescribeVpcs", count: 1, accessKeyId });
    const faulty = clients({ accessKeyId, maxAttempts: 1 });
    await expect(faulty.iam.send(new CreateRoleCommand({ RoleName: `denied-${unique()}`, AssumeRolePolicyDocument: "{}" }))).rejects.toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    await expect(faulty.ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: "RequestLimitExceeded" });
    await expect(faulty.batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: "-", type: "MANAGED" }))).rejects.toMatchObject({ name: "ClientException" });
    expect((await control.calls(accessKeyId)).map((c) => [c.service, c.operation, c.outcome])).toEqual([
      ["iam", "CreateRole", 403],
      ["ec2", "DescribeVpcs", 503],
      ["batch", "createcomputeenvironment", 400],
    ]);
  });
});
