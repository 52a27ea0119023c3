/**
 * setup's error paths, with every AWS client mocked: access denied half-way,
 * a throttled call, an existing resource that differs, no default VPC.
 */
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, UpdateJobQueueCommand } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateRoleCommand, GetInstanceProfileCommand, GetPolicyCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateBucketCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createAwsClients } from "../../../src/aws/clients.js";
import { parseIni } from "../../../src/config/configparser.js";
import { resolveSettings, type SettingFlags } from "../../../src/config/resolve.js";
import { applyPlan, SetupIncomplete } from "../../../src/setup/apply.js";
import { NoDefaultVpc, prepareSetup } from "../../../src/setup/prepare.js";
import type { Clock } from "../../../src/setup/wait.js";

const mocks = { batch: mockClient(BatchClient), logs: mockClient(CloudWatchLogsClient), ec2: mockClient(EC2Client), iam: mockClient(IAMClient), s3: mockClient(S3Client), sts: mockClient(STSClient) };
const awsError = (name: string, status: number) => Object.assign(new Error("AWS said no"), { name, $metadata: { httpStatusCode: status } });
const slept: number[] = [];
const clock: Clock = { now: () => 0, sleep: async (ms) => void slept.push(ms) };
const RERUN = "nextstrain-ts setup --aws-batch";

function settings(flags: SettingFlags = {}) {
  return resolveSettings({ flags, env: {}, config: parseIni(""), configPath: "/c" }).settings;
}

/** An empty account: nothing exists, and every create succeeds unless a test says otherwise. */
function emptyAccount(): void {
  for (const mock of Object.values(mocks) as { reset(): void; onAnyCommand(): { resolves(answer: object): unknown } }[]) {
    mock.reset();
    mock.onAnyCommand().resolves({});
  }
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/admin" });
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: "vpc-1" }] });
  mocks.ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: "subnet-1" }] });
  mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: "sg-1" }] });
  mocks.s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
  mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  for (const command of [GetRoleCommand, GetPolicyCommand, GetInstanceProfileCommand]) mocks.iam.on(command as never).rejects(awsError("NoSuchEntity", 404));
  // The compute environment exists, VALID, once created.
  mocks.batch.on(DescribeComputeEnvironmentsCommand).callsFake(async () => ({
    computeEnvironments: mocks.batch.commandCalls(CreateComputeEnvironmentCommand).length > 0 ? [{ computeEnvironmentName: "nextstrain-compute", status: "VALID", state: "ENABLED" }] : [],
  }));
  mocks.batch.on(DescribeJobQueuesCommand).resolves({ jobQueues: [] });
  mocks.batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [] });
}

async function run(flags: SettingFlags = {}, update = false) {
  const aws = createAwsClients({ region: "us-east-1", endpoints: {} });
  const prepared = await prepareSetup(settings(flags), aws, "1.2.3");
  const progress: string[] = [];
  const done = await applyPlan(prepared.plan, { spec: prepared.spec, aws, clock, progress: (text) => progress.push(text), update, rerun: RERUN });
  return { prepared, done, progress };
}

beforeEach(() => {
  slept.length = 0;
  emptyAccount();
});

describe("setup on an account where a call fails part-way", () => {
  it("access denied half-way: names what failed, lists what was created before it, and says a re-run finishes", async () => {
    mocks.iam.on(CreateRoleCommand).rejects(awsError("AccessDenied", 403));
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupIncomplete);
    expect((error as SetupIncomplete).message).toBe("Setup stopped: could not create the IAM role NextstrainJobsRole: AccessDenied: AWS said no");
    const hint = (error as SetupIncomplete).hint ?? "";
    expect(hint).toContain("Done before it:\n  created  S3 bucket nextstrain-jobs\n  created  log group /aws/batch/job\n  created  IAM policy NextstrainJobsBucketAccess");
    expect(hint).toContain(`run ${RERUN} again: it finishes the job`);
    expect(mocks.batch.commandCalls(CreateComputeEnvironmentCommand)).toHaveLength(0);
  });

  it("a throttled call is retried, on the injected clock, and setup goes on", async () => {
    mocks.batch.on(CreateComputeEnvironmentCommand).rejectsOnce(awsError("TooManyRequestsException", 429)).resolves({});
    const { done } = await run();
    expect(mocks.batch.commandCalls(CreateComputeEnvironmentCommand)).toHaveLength(2);
    expect(slept.length).toBeGreaterThan(0);
    expect(done).toContain("created  job queue nextstrain-job-queue");
  });

  it("a call throttled beyond the retry table's attempts: reported the same way, nothing after it is tried", async () => {
    mocks.batch.on(CreateComputeEnvironmentCommand).rejects(awsError("TooManyRequestsException", 429));
    const error = await run().catch((e: unknown) => e);
    expect((error as SetupIncomplete).message).toBe("Setup stopped: could not create the compute environment nextstrain-compute: TooManyRequestsException: AWS said no");
    expect((error as SetupIncomplete).hint).toContain("created  instance profile ecsInstanceRole");
    expect(mocks.batch.commandCalls(CreateJobQueueCommand)).toHaveLength(0);
  });

  it("the first failure is the first resource: says nothing was created", async () => {
    mocks.s3.on(CreateBucketCommand).rejects(awsError("AccessDenied", 403));
    const error = await run().catch((e: unknown) => e);
    expect((error as SetupIncomplete).hint).toMatch(/^Nothing was created or changed before it\./);
  });
});

describe("setup and an existing resource that differs", () => {
  const disabledQueue = () =>
    mocks.batch.on(DescribeJobQueuesCommand).resolves({
      jobQueues: [{ jobQueueName: "nextstrain-job-queue", jobQueueArn: "arn:aws:batch:us-east-1:123456789012:job-queue/nextstrain-job-queue", state: "DISABLED", status: "VALID", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: "arn:aws:batch:us-east-1:123456789012:compute-environment/nextstrain-compute" }], jobStateTimeLimitActions: [] }],
    });

  it("reports it and leaves it alone without --update", async () => {
    disabledQueue();
    const { prepared, done } = await run();
    const queue = prepared.plan.find((item) => item.resource.kind === "job queue");
    expect(queue?.action).toBe("differs");
    expect(queue?.differences.map((d) => `${d.property}: ${d.actual}`)).toEqual(["state: DISABLED", "time limits: none"]);
    expect(done.some((line) => line.includes("job queue"))).toBe(false);
    expect(mocks.batch.commandCalls(UpdateJobQueueCommand)).toHaveLength(0);
  });

  it("brings it in line with --update", async () => {
    disabledQueue();
    const { done } = await run({}, true);
    expect(done).toContain("updated  job queue nextstrain-job-queue: state is DISABLED, wanted ENABLED; time limits is none, wanted CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY after 3600 s, MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE after 600 s, MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT after 600 s");
    const [update] = mocks.batch.commandCalls(UpdateJobQueueCommand);
    expect(update?.args[0].input).toMatchObject({ jobQueue: "nextstrain-job-queue", state: "ENABLED" });
    expect(update?.args[0].input.jobStateTimeLimitActions).toHaveLength(3);
  });
});

describe("setup in a region without a default VPC", () => {
  it("says so, and how to give subnets and security groups instead", async () => {
    mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoDefaultVpc);
    expect((error as NoDefaultVpc).message).toBe("Region us-east-1 has no default VPC, so there are no default subnets for the compute environment.");
    expect((error as NoDefaultVpc).hint).toContain("--subnets");
    expect((error as NoDefaultVpc).hint).toContain("aws ec2 create-default-vpc --region us-east-1");
  });

  it("needs none when subnets and security groups are given", async () => {
    mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const { prepared } = await run({ subnets: "subnet-9", securityGroups: "sg-9" });
    expect(prepared.spec.computeEnvironment.subnets).toEqual(["subnet-9"]);
  });
});
