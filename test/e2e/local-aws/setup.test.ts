// From an empty account to a build and back: setup (after an access denied
// half-way, which a re-run finishes), a second setup that changes nothing,
// check-setup, a build on what setup made, a change behind its back that
// check-setup reports with the fix and `setup --update` repairs, and teardown,
// after which nothing tagged remains. On a stack of its own, started empty.
import { BatchClient, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, UpdateJobQueueCommand } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { IAMClient, ListPoliciesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { DeleteBucketLifecycleCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { cpSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextstrainTs, REPO_ROOT, scratchDir } from "../../local-aws/run.js";
import { FAST_DELAYS, startLocalAws } from "../../local-aws/stack.js";
import { parseEvents } from "../../helpers/events-schema.js";

type Stack = Awaited<ReturnType<typeof startLocalAws>>;
let stack: Stack;
let env: Record<string, string>;
let home: string;

beforeAll(async () => {
  stack = await startLocalAws({ delays: FAST_DELAYS, empty: true });
  home = scratchDir("setup-home");
  env = { ...stack.env, NEXTSTRAIN_HOME: home };
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const cli = (args: string[]) => nextstrainTs(args, { env, timeoutMs: 60_000 });
const sdk = () => {
  const common = { endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY as string } };
  return { batch: new BatchClient(common), s3: new S3Client({ ...common, forcePathStyle: true }), iam: new IAMClient(common), logs: new CloudWatchLogsClient(common) };
};
const planLines = (stdout: string) => stdout.split("\n").filter((line) => /^ {2}(create|exists|differs) /.test(line));

describe("setup, check-setup and teardown on an empty account", () => {
  it("goes from nothing to a build, notices a change behind its back, and removes what it made", { timeout: 180_000 }, async () => {
    const dry = await cli(["setup", "--aws-batch", "--dry-run"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(planLines(dry.stdout)).toHaveLength(12);
    expect(planLines(dry.stdout).every((line) => line.startsWith("  create "))).toBe(true);
    expect((await sdk().s3.send(new ListBucketsCommand({}))).Buckets ?? []).toHaveLength(0);

    // Access denied half-way: what was made is reported, and a re-run finishes.
    await stack.control.addFault({ kind: "access-denied", service: "iam", operation: "CreateRole", count: 1 });
    const denied = await cli(["setup", "--aws-batch"]);
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain("Setup stopped: could not create the IAM role NextstrainJobsRole: AccessDenied");
    expect(denied.stderr).toContain("  created  S3 bucket nextstrain-jobs");
    const first = await cli(["setup", "--aws-batch", "--set-default"]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain("  exists   S3 bucket nextstrain-jobs");
    expect(first.stdout).toContain("  created  job queue nextstrain-job-queue");
    expect(readFileSync(path.join(home, "config"), "utf8")).toContain("[core]\nrunner = aws-batch");

    const second = await cli(["setup", "--aws-batch"]);
    expect(second.status, second.stderr).toBe(0);
    expect(planLines(second.stdout).every((line) => line.startsWith("  exists "))).toBe(true);
    expect(second.stdout).toContain("Nothing to change: every resource exists as setup makes it.");

    const checked = await cli(["check-setup", "--aws-batch", "--json"]);
    expect(checked.status, checked.stdout).toBe(0);
    // A check event per check, each valid against the published schema, then the result.
    const events = parseEvents(checked.stdout);
    expect(events.at(-1)).toMatchObject({ type: "result", exitStatus: 0 });
    expect(checked.stderr).toContain("All good:");
    const verdicts = events.filter((event) => event.type === "check") as { name: string; verdict: string }[];
    expect(verdicts.length).toBeGreaterThanOrEqual(9);
    // The stack has no IAM policy simulator: that one check says "not checked" as a warning.
    expect(verdicts.filter((check) => check.verdict !== "pass").map((check) => check.name)).toEqual(["permissions"]);

    // A build on what setup made: the runtime comes from the config file --set-default wrote.
    const dir = path.join(scratchDir("setup-build"), "zika-mini");
    cpSync(path.join(REPO_ROOT, "examples", "zika-mini"), dir, { recursive: true });
    const build = await cli(["build", "--exec", "./build.sh", dir]);
    expect(build.status, build.stderr).toBe(0);
    expect(existsSync(path.join(dir, "results", "counts.tsv"))).toBe(true);

    // Behind its back: the queue disabled, the lifecycle rule removed.
    const { batch, s3 } = sdk();
    await batch.send(new UpdateJobQueueCommand({ jobQueue: "nextstrain-job-queue", state: "DISABLED" }));
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "nextstrain-jobs" }));
    const changed = await cli(["check-setup", "--aws-batch"]);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toMatch(/^ {2}fail {2}job queue nextstrain-job-queue +is DISABLED: jobs submitted to it are refused$/m);
    expect(changed.stdout).toMatch(/fix: aws batch update-job-queue --job-queue nextstrain-job-queue --state ENABLED \(or nextstrain-ts setup --aws-batch --update\)$/m);
    expect(changed.stdout).toMatch(/^ {2}warn {2}S3 bucket nextstrain-jobs lifecycle +no rule expires objects/m);
    const reported = await cli(["setup", "--aws-batch"]);
    expect(reported.status, reported.stderr).toBe(0);
    expect(reported.stderr).toContain("  job queue nextstrain-job-queue: add --update to change it");
    expect(reported.stdout).toContain("Nothing was changed; 2 resources left differing (see above).");
    const repaired = await cli(["setup", "--aws-batch", "--update"]);
    expect(repaired.status, repaired.stderr).toBe(0);
    expect(repaired.stdout).toContain("  differs  job queue nextstrain-job-queue: state is DISABLED, wanted ENABLED");
    expect((await cli(["check-setup", "--aws-batch"])).status).toBe(0);

    const refused = await cli(["teardown", "--aws-batch"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("Add --yes to remove them without asking");
    const listed = await cli(["teardown", "--aws-batch", "--dry-run"]);
    expect(listed.stdout).toContain("  S3 bucket nextstrain-jobs: kept, it holds objects");
    const removed = await cli(["teardown", "--aws-batch", "--yes", "--delete-bucket-contents"]);
    expect(removed.status, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("Removed 11 resources.");
    await expectNothingTagged();
  });
});

async function expectNothingTagged(): Promise<void> {
  const { batch, s3, iam, logs } = sdk();
  const live = <T extends { status?: string }>(items: T[] | undefined) => (items ?? []).filter((item) => item.status !== "DELETED");
  expect(live((await batch.send(new DescribeJobQueuesCommand({}))).jobQueues)).toEqual([]);
  expect(live((await batch.send(new DescribeComputeEnvironmentsCommand({}))).computeEnvironments)).toEqual([]);
  expect((await batch.send(new DescribeJobDefinitionsCommand({ status: "ACTIVE" }))).jobDefinitions).toEqual([]);
  expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  expect(((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((role) => role.RoleName)).toEqual(["AWSServiceRoleForBatch"]);
  expect((await iam.send(new ListPoliciesCommand({ Scope: "Local" }))).Policies ?? []).toEqual([]);
  expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups ?? []).toEqual([]);
}
