// Shared pieces of the local AWS stack tests: SDK clients pointed at the
// stack, a build directory zipped with Info-ZIP, the Nextstrain job command,
// compute environments and queues of a test's own, and waiting for a job (or
// an environment, or a queue) to reach a state.
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  SubmitJobCommand,
  type ComputeEnvironmentDetail,
  type ComputeResource,
  type CreateComputeEnvironmentCommandInput,
  type CreateJobQueueCommandInput,
  type JobDetail,
  type JobQueueDetail,
  type SubmitJobCommandInput,
} from "@aws-sdk/client-batch";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { localAws, scratchDir } from "../../local-aws/run.js";
import { defaultNetwork, INSTANCE_PROFILE_ARN } from "../../local-aws/seed.js";

export const BUCKET = "nextstrain-jobs";
export const QUEUE = "nextstrain-job-queue";
export const DEFINITION = "nextstrain-job";
export const LOG_GROUP = "/aws/batch/job";

export interface Clients {
  batch: BatchClient;
  s3: S3Client;
  logs: CloudWatchLogsClient;
  iam: IAMClient;
  ec2: EC2Client;
}

/** SDK clients for the stack (or another one); `accessKeyId` lets a test scope fault rules to its own calls. */
export function clients(options: { accessKeyId?: string; maxAttempts?: number; endpoint?: string } = {}): Clients {
  const { env } = localAws();
  const common = {
    endpoint: options.endpoint ?? env.AWS_ENDPOINT_URL,
    region: env.AWS_DEFAULT_REGION,
    credentials: { accessKeyId: options.accessKeyId ?? env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
    maxAttempts: options.maxAttempts,
  };
  return {
    batch: new BatchClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    logs: new CloudWatchLogsClient(common),
    iam: new IAMClient(common),
    ec2: new EC2Client(common),
  };
}

/** Writes files (path -> content) into a fresh directory; `executable` lists the ones to chmod 755. */
export function buildDir(files: Record<string, string>, executable: string[] = []): string {
  const dir = scratchDir("build");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  for (const name of executable) chmodSync(path.join(dir, name), 0o755);
  return dir;
}

/** A ZIP of the directory made by Info-ZIP, as a user of the Nextstrain tools would make it. */
export function zipDir(dir: string): string {
  const zip = path.join(scratchDir("zip"), "build.zip");
  execFileSync("zip", ["-q", "-r", zip, "."], { cwd: dir });
  return zip;
}

/** Uploads a build directory as a workdir ZIP; answers its s3:// URL. */
export async function uploadBuild(s3: S3Client, files: Record<string, string>, executable: string[] = []): Promise<string> {
  const dir = buildDir(files, executable);
  const zip = zipDir(dir);
  const key = `${randomUUID()}.zip`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(zip) }));
  rmSync(dir, { recursive: true, force: true });
  rmSync(path.dirname(zip), { recursive: true, force: true });
  return `s3://${BUCKET}/${key}`;
}

/** The members and contents of a ZIP in S3, read with Info-ZIP unzip. */
export async function readWorkdir(s3: S3Client, url: string): Promise<{ members: string[]; read(member: string): string }> {
  const key = url.replace(`s3://${BUCKET}/`, "");
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const zip = path.join(scratchDir("result"), "result.zip");
  writeFileSync(zip, await object.Body!.transformToByteArray());
  return {
    members: execFileSync("unzip", ["-Z1", zip], { encoding: "utf8" }).split("\n").filter(Boolean),
    read: (member) => execFileSync("unzip", ["-p", zip, member], { encoding: "utf8" }),
  };
}

/** The container command the Nextstrain tools submit (C68). */
export function nextstrainCommand(argv: string[], chdir = "/nextstrain/build"): string[] {
  return ["/sbin/entrypoint-aws-batch", "env", "--chdir", chdir, "--", ...argv];
}

export async function submit(batch: BatchClient, input: Partial<SubmitJobCommandInput> & { command?: string[]; environment?: Record<string, string> }): Promise<string> {
  const { command, environment, ...rest } = input;
  const answer = await batch.send(
    new SubmitJobCommand({
      jobName: `test-${randomUUID()}`,
      jobQueue: QUEUE,
      jobDefinition: DEFINITION,
      ...rest,
      containerOverrides: {
        command,
        environment: Object.entries(environment ?? {}).map(([name, value]) => ({ name, value })),
        ...rest.containerOverrides,
      },
    }),
  );
  return answer.jobId!;
}

export async function describe(batch: BatchClient, jobId: string): Promise<JobDetail | undefined> {
  return (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
}

/** Polls DescribeJobs until `done` holds; records every status seen on the way. */
export async function waitFor(
  batch: BatchClient,
  jobId: string,
  done: (job: JobDetail) => boolean,
  timeoutMs = 40_000,
): Promise<{ job: JobDetail; seen: string[] }> {
  const seen: string[] = [];
  const read = async () => {
    const job = await describe(batch, jobId);
    if (job?.status && seen.at(-1) !== job.status) seen.push(job.status);
    return job;
  };
  const job = await until(read, (j) => j !== undefined && done(j), () => `job ${jobId} (statuses seen: ${seen.join(" ")})`, timeoutMs);
  return { job: job!, seen };
}

export const finished = (job: JobDetail): boolean => job.status === "SUCCEEDED" || job.status === "FAILED";

/** Polls the log stream until it has `line` (the stream may not exist yet). */
export async function waitForLine(logs: CloudWatchLogsClient, stream: string, line: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await logMessages(logs, stream)).some((e) => e.message === line)) return;
    } catch {
      // The stream may not exist yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no line ${JSON.stringify(line)} in ${stream}`);
}

export async function logMessages(logs: CloudWatchLogsClient, stream: string): Promise<{ message: string; timestamp: number }[]> {
  const answer = await logs.send(new GetLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream, startFromHead: true }));
  return (answer.events ?? []).map((e) => ({ message: e.message ?? "", timestamp: e.timestamp ?? 0 }));
}

/** Polls until `done` holds for what `read` answers. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string | (() => string), timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${typeof what === "string" ? what : what()} still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function describeEnvironment(batch: BatchClient, name: string): Promise<ComputeEnvironmentDetail | undefined> {
  return (await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [name] }))).computeEnvironments?.[0];
}

export async function describeQueue(batch: BatchClient, name: string): Promise<JobQueueDetail | undefined> {
  return (await batch.send(new DescribeJobQueuesCommand({ jobQueues: [name] }))).jobQueues?.[0];
}

/** Waits for a compute environment or queue to leave CREATING / UPDATING / DELETING; answers its status. */
export async function settled(batch: BatchClient, kind: "environment" | "queue", name: string): Promise<string | undefined> {
  const read = () => (kind === "environment" ? describeEnvironment(batch, name) : describeQueue(batch, name)).then((r) => r?.status);
  return until(read, (status) => status === undefined || !status.endsWith("ING"), `${kind} ${name}`);
}

/** A managed EC2 compute environment in the default VPC, VALID when this resolves; `resources` replace the defaults (m5.large, at most 4 vCPUs). */
export async function createEnvironment(
  clients: Pick<Clients, "batch" | "ec2">,
  name: string,
  resources: Partial<ComputeResource> = {},
  extra: Partial<CreateComputeEnvironmentCommandInput> = {},
): Promise<ComputeEnvironmentDetail> {
  const network = await defaultNetwork(clients.ec2);
  await clients.batch.send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: name,
      type: "MANAGED",
      computeResources: {
        type: "EC2", minvCpus: 0, maxvCpus: 4, instanceTypes: ["m5.large"],
        subnets: network.subnets, securityGroupIds: [network.securityGroup], instanceRole: INSTANCE_PROFILE_ARN,
        ...resources,
      },
      ...extra,
    }),
  );
  await settled(clients.batch, "environment", name);
  return (await describeEnvironment(clients.batch, name))!;
}

/** A job queue on these compute environments (in this order), VALID when this resolves. */
export async function createQueue(batch: BatchClient, name: string, environments: string[], extra: Partial<CreateJobQueueCommandInput> = {}): Promise<JobQueueDetail> {
  await batch.send(
    new CreateJobQueueCommand({
      jobQueueName: name,
      priority: 1,
      computeEnvironmentOrder: environments.map((computeEnvironment, order) => ({ order, computeEnvironment })),
      ...extra,
    }),
  );
  await settled(batch, "queue", name);
  return (await describeQueue(batch, name))!;
}
