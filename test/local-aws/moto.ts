// The moto server that stands in for S3, CloudWatch Logs, IAM, EC2 and STS:
// started as a child process on a free port (one server answers every service,
// telling them apart by the request's signing scope), stopped cleanly.
// What it holds at start is seed.ts's business.
import { spawn, type ChildProcess } from "node:child_process";

export const STACK_CREDENTIALS = { accessKeyId: "local-aws-key", secretAccessKey: "local-aws-secret" } as const;
export const STACK_REGION = "us-east-1";

export interface MotoServer {
  endpoint: string;
  /** The server's process id: the benchmarks read its CPU time. */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface MotoOptions {
  python: string;
  port: number;
  host?: string;
  startTimeoutMs?: number;
}

export async function startMoto(options: MotoOptions): Promise<MotoServer> {
  const host = options.host ?? "127.0.0.1";
  const endpoint = `http://${host}:${options.port}`;
  const child = spawn(options.python, ["-m", "moto.server", "-H", host, "-p", String(options.port)], {
    stdio: ["ignore", "pipe", "pipe"],
    // Nothing here launches EC2 instances: skipping moto's catalogue of public
    // AMIs makes the first EC2 call (the default VPC, at seeding) faster.
    // AWS's managed policies (AmazonEC2ContainerServiceforEC2Role, which the
    // ECS instance role of a set-up attaches) exist in every account, as on AWS.
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: "false", MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
  });
  // Keep the tail of moto's output for error messages; it logs every request.
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const server: MotoServer = { endpoint, pid: child.pid, stop: () => stopChild(child, exited) };
  try {
    await waitUntilAnswering(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await server.stop();
    throw new Error(`moto did not start: ${(error as Error).message}\n${output}`);
  }
  return server;
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto exited with ${child.exitCode ?? child.signalCode}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer from ${endpoint} within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops moto's own Batch from reaching for Docker (its jobs then end at once). */
export async function configureMotoBatchWithoutDocker(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/config`, {
    method: "POST",
    body: JSON.stringify({ batch: { use_docker: false } }),
  });
  if (!response.ok) throw new Error(`moto config: HTTP ${response.status} ${await response.text()}`);
}
