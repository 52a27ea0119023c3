// The local AWS stack as a library: moto for S3, CloudWatch Logs, IAM, EC2 and
// STS, the Batch emulator that runs jobs in bubblewrap sandboxes (plain
// processes where bubblewrap cannot sandbox: host-check.ts), one endpoint for
// all of them. Seeded like a fresh Nextstrain set-up, or empty.
//
//   const stack = await startLocalAws({ delays: FAST_DELAYS });
//   spawn("aws", [...], { env: { ...process.env, ...stack.env } });
//   await stack.control.failNextJob({ kind: "out-of-memory" });
//   await stack.stop();
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ContainerRunner } from "./batch/container.js";
import type { ImageMap } from "./batch/images.js";
import { cloudWatchSink } from "./batch/log-shipper.js";
import { jobMemoryMiB } from "./batch/capacity.js";
import { Registry } from "./batch/registry.js";
import { InstanceTypeLookup, motoResourceChecks } from "./batch/resource-checks.js";
import { REALISTIC_DELAYS, type Delays } from "./batch/delays.js";
import { Scheduler } from "./batch/scheduler.js";
import { LocalAwsControl } from "./control.js";
import { Faults } from "./faults.js";
import { bwrapWorks, type SandboxMode } from "./host-check.js";
import { resolveHostTools } from "./host-tools.js";
import { STACK_CREDENTIALS, STACK_REGION, startMoto, type MotoServer } from "./moto.js";
import { freePort } from "./ports.js";
import { BATCH_LOG_GROUP, seedNextstrainSetup } from "./seed.js";
import { createStackServer } from "./server.js";

export { STACK_REGION } from "./moto.js";
export {
  BATCH_LOG_GROUP, DEFAULT_BUCKET, DEFAULT_COMPUTE_ENVIRONMENT, DEFAULT_IMAGE, DEFAULT_JOB_DEFINITION, DEFAULT_JOB_QUEUE, JOB_ROLE_ARN, INSTANCE_PROFILE_ARN,
} from "./seed.js";
export type { Delays } from "./batch/delays.js";
export { LocalAwsControl } from "./control.js";

/** The largest job the seeded queue takes: one m5.4xlarge, 16 vCPUs and 64 GiB less what the ECS agent keeps. */
export const SEEDED_CAPACITY = { vcpus: 16, memoryMiB: jobMemoryMiB(64 * 1024) } as const;

export const IMAGES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "images");

/** Delays short enough for tests, long enough to see every state. */
export const FAST_DELAYS: Delays = {
  submittedMs: 50, pendingMs: 50, runnableMs: 50, startingMs: 50, killGraceMs: 300, secondMs: 5, logLagMs: 0,
  // 600 s of a queue's time limit (its least) last 1.2 s.
  computeEnvironmentMs: 100, jobQueueMs: 50, timeLimitSecondMs: 2,
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
  /** Start with no bucket, log group, roles, compute environment, job queue or job definition (moto's default VPC stays). */
  empty?: boolean;
  /** How jobs run: in bubblewrap sandboxes, or as plain processes; bubblewrap when it works here, if absent. */
  sandbox?: SandboxMode;
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
  /** moto's process id, when it runs as a child of this process. */
  motoPid: number | undefined;
  env: LocalAwsEnv;
  control: LocalAwsControl;
  workRoot: string;
  sandbox: SandboxMode;
  stop(): Promise<void>;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const host = options.host ?? "127.0.0.1";
  const tools = await resolveHostTools();
  const sandbox = options.sandbox ?? (bwrapWorks() ? "bwrap" : "none");
  const moto: MotoServer = await startMoto({ python: tools.python, host, port: options.motoPort ?? (await freePort(host)) });
  const ownWorkRoot = options.workRoot === undefined;
  const workRoot = options.workRoot ?? mkdtempSync(path.join(tmpdir(), "local-aws-"));
  const common = { endpoint: moto.endpoint, region: STACK_REGION, credentials: STACK_CREDENTIALS };
  const clients = { s3: new S3Client({ ...common, forcePathStyle: true }), logs: new CloudWatchLogsClient(common), iam: new IAMClient(common), ec2: new EC2Client(common) };
  const destroyClients = () => Object.values(clients).forEach((client) => client.destroy());
  try {
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
    const registry = new Registry({
      region: STACK_REGION,
      delays,
      checks: motoResourceChecks(clients),
      instanceTypes: new InstanceTypeLookup(clients.ec2),
      onChange: () => scheduler.reschedule(),
    });
    const runner = new ContainerRunner({
      workRoot,
      sink: cloudWatchSink(clients.logs),
      logFlushMs: options.logFlushMs ?? 200,
      logLagMs: () => delays.logLagMs,
      sandbox,
    });
    // What a job role gives a job, plus the stack endpoint its AWS CLI must use.
    const scheduler = new Scheduler({
      registry, runner, images, delays, region: STACK_REGION, logGroup: BATCH_LOG_GROUP, jobPath: tools.jobPath, jobEnv: () => env,
    });
    const server = createStackServer({ registry, scheduler, faults: new Faults(), images, motoEndpoint: moto.endpoint });
    // Listen at once, before seeding: a port found free is not reserved, and another stack starting
    // meanwhile (tests start several side by side) could be handed the same one while this one seeds.
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    if (!options.empty) {
      await seedNextstrainSetup(clients, registry).catch((error: unknown) => {
        server.close();
        throw error;
      });
    }
    let stopped: Promise<void> | undefined;
    return {
      endpoint,
      motoEndpoint: moto.endpoint,
      motoPid: moto.pid,
      env,
      control: new LocalAwsControl(endpoint),
      workRoot,
      sandbox,
      stop() {
        stopped ??= (async () => {
          registry.shutdown();
          await scheduler.shutdown();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          destroyClients();
          await moto.stop();
          if (ownWorkRoot) rmSync(workRoot, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    destroyClients();
    await moto.stop();
    if (ownWorkRoot) rmSync(workRoot, { recursive: true, force: true });
    throw error;
  }
}
