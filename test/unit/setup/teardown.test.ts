/** teardown finds only what carries setup's tag, lists it in the order AWS lets it go, keeps a bucket that holds objects, and asks first. */
import { BatchClient, DeleteJobQueueCommand, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, UpdateJobQueueCommand } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand, ListTagsForResourceCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeLaunchTemplatesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand, GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetBucketTaggingCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { Writable } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import { createAwsClients } from "../../../src/aws/clients.js";
import { teardownCommand } from "../../../src/commands/teardown.js";
import { parseIni } from "../../../src/config/configparser.js";
import { resolveSettings } from "../../../src/config/resolve.js";
import { findRemovals } from "../../../src/setup/teardown.js";
import { createReporter } from "../../../src/ui/reporter.js";

const mocks = { batch: mockClient(BatchClient), logs: mockClient(CloudWatchLogsClient), ec2: mockClient(EC2Client), iam: mockClient(IAMClient), s3: mockClient(S3Client), sts: mockClient(STSClient) };
const TAGS = { "nextstrain-ts:created-by": "nextstrain-ts/1.2.3" };
const TAG_LIST = [{ Key: "nextstrain-ts:created-by", Value: "nextstrain-ts/1.2.3" }];
const noSuchEntity = Object.assign(new Error("not found"), { name: "NoSuchEntity", $metadata: { httpStatusCode: 404 } });

beforeEach(() => {
  for (const mock of Object.values(mocks) as { reset(): void; onAnyCommand(): { resolves(answer: object): unknown } }[]) {
    mock.reset();
    mock.onAnyCommand().resolves({});
  }
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/admin" });
  mocks.batch.on(DescribeJobQueuesCommand).resolves({
    jobQueues: [
      { jobQueueName: "nextstrain-job-queue", jobQueueArn: "arn:q1", state: "ENABLED", status: "VALID", priority: 1, computeEnvironmentOrder: [], tags: TAGS },
      { jobQueueName: "someone-elses", jobQueueArn: "arn:q2", state: "ENABLED", status: "VALID", priority: 1, computeEnvironmentOrder: [] },
      { jobQueueName: "deleted-one", jobQueueArn: "arn:q3", state: "DISABLED", status: "DELETED", priority: 1, computeEnvironmentOrder: [], tags: TAGS },
    ],
  });
  mocks.batch.on(DescribeComputeEnvironmentsCommand).resolves({ computeEnvironments: [{ computeEnvironmentName: "nextstrain-compute", computeEnvironmentArn: "arn:ce", state: "ENABLED", status: "VALID", tags: TAGS }] });
  mocks.batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [{ jobDefinitionName: "nextstrain-job", jobDefinitionArn: "arn:jd:2", revision: 2, type: "container", tags: TAGS }, { jobDefinitionName: "other", jobDefinitionArn: "arn:jd:o", revision: 1, type: "container" }] });
  mocks.ec2.on(DescribeLaunchTemplatesCommand).resolves({ LaunchTemplates: [{ LaunchTemplateName: "nextstrain-compute-disk" }] });
  // The job role is setup's; the instance role and profile were the account's own (untagged); one policy is setup's.
  mocks.iam.on(GetRoleCommand, { RoleName: "NextstrainJobsRole" }).resolves({ Role: { RoleName: "NextstrainJobsRole", Arn: "arn:role", Path: "/", RoleId: "r", CreateDate: new Date(), Tags: TAG_LIST } });
  mocks.iam.on(GetRoleCommand, { RoleName: "ecsInstanceRole" }).resolves({ Role: { RoleName: "ecsInstanceRole", Arn: "arn:role2", Path: "/", RoleId: "r2", CreateDate: new Date() } });
  mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  mocks.iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { InstanceProfileName: "ecsInstanceRole", Arn: "arn:ip", Path: "/", InstanceProfileId: "i", CreateDate: new Date(), Roles: [] } });
  mocks.iam.on(GetPolicyCommand).rejects(noSuchEntity);
  mocks.iam.on(GetPolicyCommand, { PolicyArn: "arn:aws:iam::123456789012:policy/NextstrainJobsBucketAccess" }).resolves({ Policy: { DefaultVersionId: "v1", Tags: TAG_LIST } });
  mocks.iam.on(GetPolicyVersionCommand).resolves({ PolicyVersion: { Document: "%7B%7D" } });
  mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: "/aws/batch/job", logGroupArn: "arn:lg" }] });
  mocks.logs.on(ListTagsForResourceCommand).resolves({ tags: TAGS });
  mocks.s3.on(GetBucketTaggingCommand).resolves({ TagSet: TAG_LIST });
  mocks.s3.on(ListObjectsV2Command).resolves({ KeyCount: 1, Contents: [{ Key: "a.zip" }] });
});

function context(deleteBucketContents = false) {
  const { settings } = resolveSettings({ flags: {}, env: {}, config: parseIni(""), configPath: "/c" });
  const progress: string[] = [];
  return { settings, aws: createAwsClients({ region: "us-east-1", endpoints: {} }), clock: { now: () => 0, sleep: async () => {} }, progress: (text: string) => progress.push(text), deleteBucketContents };
}

describe("findRemovals", () => {
  it("lists only what carries the tag, queues before environments before the rest, and keeps a bucket with objects", async () => {
    const removals = await findRemovals(context());
    expect(removals.map((removal) => `${removal.what}${removal.kept ? " (kept)" : ""}`)).toEqual([
      "job queue nextstrain-job-queue",
      "compute environment nextstrain-compute",
      "job definition nextstrain-job:2",
      "launch template nextstrain-compute-disk",
      "IAM role NextstrainJobsRole",
      "IAM policy NextstrainJobsBucketAccess",
      "log group /aws/batch/job",
      "S3 bucket nextstrain-jobs (kept)",
    ]);
  });

  it("removes the bucket's contents only when told to", async () => {
    const removals = await findRemovals(context(true));
    expect(removals.at(-1)?.kept).toBeUndefined();
  });

  it("disables a queue before deleting it", async () => {
    const [queue] = await findRemovals(context());
    await queue?.remove();
    expect(mocks.batch.commandCalls(UpdateJobQueueCommand)[0]?.args[0].input).toEqual({ jobQueue: "nextstrain-job-queue", state: "DISABLED" });
    expect(mocks.batch.commandCalls(DeleteJobQueueCommand)[0]?.args[0].input).toEqual({ jobQueue: "nextstrain-job-queue" });
  });
});

describe("teardown's confirmation", () => {
  async function teardown(answer: string | undefined, yes = false) {
    let out = "";
    const stdout = new Writable({ write: (chunk, _encoding, done) => void ((out += String(chunk)), done()) });
    const asked: string[] = [];
    const io = { argv: [], env: {}, cwd: "/", homedir: "/nonexistent-home", stdout, stderr: stdout, stdinIsTTY: answer !== undefined, ask: async (question: string) => (asked.push(question), answer ?? "") };
    const status = await teardownCommand({ settingFlags: {}, dryRun: false, yes, deleteBucketContents: false }, { io, reporter: createReporter({ stdout, stderr: stdout, env: {} }), signals: process });
    return { status, out, asked };
  }

  it("asks on a terminal, and removes nothing unless the answer is yes", async () => {
    const { status, out, asked } = await teardown("no");
    expect(asked).toEqual(["Remove these? Type yes to go on: "]);
    expect(status).toBe(1);
    expect(out).toContain("Nothing was removed.");
    expect(mocks.batch.commandCalls(DeleteJobQueueCommand)).toHaveLength(0);
  });

  it("goes on when the answer is yes, keeping the bucket that holds objects", async () => {
    const { status, out } = await teardown("yes");
    expect(status).toBe(0);
    expect(out).toContain("Removed 7 resources; kept 1.");
    expect(mocks.batch.commandCalls(DeleteJobQueueCommand)).toHaveLength(1);
  });

  it("refuses without a terminal unless --yes is given", async () => {
    await expect(teardown(undefined)).rejects.toThrow("teardown removes AWS resources and needs a confirmation, but there is no terminal to ask on.");
    expect((await teardown(undefined, true)).status).toBe(0);
  });
});
