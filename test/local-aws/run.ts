// Spawning programs against the local AWS stack from tests: the AWS CLI, the
// built nextstrain-ts binary, or anything else, with the stack's environment
// and a time limit, collecting output and status.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { LocalAwsControl } from "./control.js";
import type { ProvidedLocalAws } from "./global-setup.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BINARY = path.join(REPO_ROOT, "bin", "nextstrain-ts.js");

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  cwd?: string;
  /** Added to the stack's environment (which is added to this process's). */
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** The stack started by the global setup, with a control client. */
export function localAws(): ProvidedLocalAws & { control: LocalAwsControl } {
  const provided = inject("localAws");
  return { ...provided, control: new LocalAwsControl(provided.endpoint) };
}

/** A fresh directory inside the stack's work root, so it goes when the stack stops. */
export function scratchDir(prefix: string): string {
  const root = path.join(inject("localAws").workRoot, "scratch");
  mkdirSync(root, { recursive: true });
  return mkdtempSync(path.join(root, `${prefix}-`));
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const stack = inject("localAws");
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...stack.env, ...options.env })) {
    if (value !== undefined) env[name] = value;
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, durationMs: Date.now() - started });
    });
    // A program may exit before reading its input: that is its business, not an error here.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input);
  });
}

/** The AWS CLI pointed at the stack (v1 ignores AWS_ENDPOINT_URL, so it is passed explicitly). */
export function aws(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run("aws", ["--endpoint-url", inject("localAws").endpoint, ...args], options);
}

/** The built nextstrain-ts binary (`npm run build` first) against the stack. */
export function nextstrainTs(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [BINARY, ...args], options);
}
