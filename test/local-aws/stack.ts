// The local AWS stack as a library: moto for S3 and CloudWatch Logs, the Batch
// emulator that runs jobs in bubblewrap sandboxes, one endpoint for both.
//
//   const stack = await startLocalAws({ delays: FAST_DELAYS });
//   spawn("aws", [...], { env: { ...process.env, ...stack.env } });
//   await stack.control.failNextJob({ kind: "out-of-memory" });
//   await stack.stop();
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ContainerRunner } from "./batch/container.js";
import type { ImageMap } from "./batch/images.js";
import { cloudWatchSink } from "./batch/log-shipper.js";
import { Registry } from "./batch/registry.js";
import { REALISTIC_DELAYS, Scheduler, type Delays } from "./batch/scheduler.js";
import { LocalAwsControl } from "./control.js";
import { Faults } from "./faults.js";
import { resolveHostTools } from "./host-tools.js";
import { BATCH_LOG_GROUP, seedMoto, STACK_CREDENTIALS, STACK_REGION, startMoto, type MotoServer } from "./moto.js";
import { freePort } from "./ports.js";
import { createStackServer } from "./server.js";

export { DEFAULT_BUCKET, BATCH_LOG_GROUP, STACK_REGION } from "./moto.js";
export type { Delays } from "./batch/scheduler.js";
export { LocalAwsControl } from "./control.js";

export const DEFAULT_JOB_DEFINITION = "nextstrain-job";
export const DEFAULT_JOB_QUEUE = "nextstrain-job-queue";
export const DEFAULT_COMPUTE_ENVIRONMENT = "nextstrain-compute";
export const DEFAULT_IMAGE = "nextstrain/base:latest";
/** The seeded compute environment: one m5.4xlarge worth, 16 vCPUs and 64 GiB. */
export const SEEDED_CAPACITY = { vcpus: 16, memoryMiB: 64 * 1024 } as const;

export const IMAGES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "images");

/** Delays short enough for tests, long enough to see every state. */
export const FAST_DELAYS: Delays = {
  submittedMs: 50, pendingMs: 50, runnableMs: 50, startingMs: 50, killGraceMs: 1000, secondMs: 20, logLagMs: 0,
};

export interface LocalAwsOptions {
  host?: string;
  /** Port of the stack endpoint; a free one when absent. */
  port?: number;
  motoPort?: number;
  delays?: Partial<Delays>;
  /** Image name (`repo` or `repo:tag`) -> host directory; added to the default nextstrain/base one. */
  images?: ImageMap;
  /** Where job directories go; a fresh temporary directory (removed at stop) when absent. */
  workRoot?: string;
  logFlushMs?: number;
}

/** Variables that point an AWS client (SDK, CLI, nextstrain-ts) at the stack. */
export interface LocalAwsEnv extends Record<string, string> {
  AWS_ENDPOINT_URL: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_DEFAULT_REGION: string;
  AWS_REGION: string;
}

export interface LocalAws {
  endpoint: string;
  motoEndpoint: string;
  env: LocalAwsEnv;
  control: LocalAwsControl;
  workRoot: string;
  stop(): Promise<void>;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const host = options.host ?? "127.0.0.1";
  const tools = await resolveHostTools();
  const moto: MotoServer = await startMoto({ python: tools.python, host, port: options.motoPort ?? (await freePort(host)) });
  const ownWorkRoot = options.workRoot === undefined;
  const workRoot = options.workRoot ?? mkdtempSync(path.join(tmpdir(), "local-aws-"));
  const logs = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: STACK_REGION, credentials: STACK_CREDENTIALS });
  try {
    await seedMoto(moto.endpoint);
    const port = options.port || (await freePort(host));
    const endpoint = `http://${host}:${port}`;
    const env: LocalAwsEnv = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: STACK_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STACK_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: STACK_REGION,
      AWS_REGION: STACK_REGION,
    };
    const delays: Delays = { ...REALISTIC_DELAYS, ...options.delays };
    const images: ImageMap = { "nextstrain/base": path.join(IMAGES_DIR, "nextstrain-base"), ...options.images };
    const registry = new Registry(STACK_REGION);
    const runner = new ContainerRunner({
      workRoot,
      sink: cloudWatchSink(logs),
      logFlushMs: options.logFlushMs ?? 200,
      logLagMs: () => delays.logLagMs,
    });
    // What a job role gives a job, plus the stack endpoint its AWS CLI must use.
    const scheduler = new Scheduler({
      registry, runner, images, delays, region: STACK_REGION, logGroup: BATCH_LOG_GROUP, jobPath: tools.jobPath, jobEnv: () => env,
    });
    seedBatch(registry);
    const server = createStackServer({ registry, scheduler, faults: new Faults(), images, motoEndpoint: moto.endpoint });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      motoEndpoint: moto.endpoint,
      env,
      control: new LocalAwsControl(endpoint),
      workRoot,
      stop() {
        stopped ??= (async () => {
          await scheduler.shutdown();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          logs.destroy();
          await moto.stop();
          if (ownWorkRoot) rmSync(workRoot, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    logs.destroy();
    await moto.stop();
    if (ownWorkRoot) rmSync(workRoot, { recursive: true, force: true });
    throw error;
  }
}

/** What the Nextstrain set-up guide creates: a compute environment, the queue and the job definition. */
function seedBatch(registry: Registry): void {
  registry.createComputeEnvironment({
    computeEnvironmentName: DEFAULT_COMPUTE_ENVIRONMENT,
    type: "MANAGED",
    state: "ENABLED",
    serviceRole: "arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch",
    computeResources: {
      type: "EC2",
      minvCpus: 0,
      maxvCpus: SEEDED_CAPACITY.vcpus,
      desiredvCpus: 0,
      instanceTypes: ["m5.4xlarge"],
      subnets: ["subnet-0123456789abcdef0"],
      securityGroupIds: ["sg-0123456789abcdef0"],
      instanceRole: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole",
    },
  });
  registry.createJobQueue({
    jobQueueName: DEFAULT_JOB_QUEUE,
    state: "ENABLED",
    priority: 1,
    computeEnvironmentOrder: [{ order: 1, computeEnvironment: DEFAULT_COMPUTE_ENVIRONMENT }],
  });
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
      jobRoleArn: "arn:aws:iam::123456789012:role/NextstrainJobsRole",
    },
  });
}
