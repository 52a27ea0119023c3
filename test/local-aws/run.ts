// Spawning programs against the local AWS stack from tests: the AWS CLI, the
// built nextstrain-ts binary, or anything else, with the stack's environment
// and a time limit, collecting output and status.
import { spawn, type ChildProcess } from "node:child_process";
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
  /** Keep stdin open for writing to later (child.stdin), e.g. keystrokes for a terminal. */
  interactive?: boolean;
  timeoutMs?: number;
}

/** The stack started by the global setup, with a control client. */
export function localAws(): ProvidedLocalAws & { control: LocalAwsControl } {
  const provided = inject("localAws");
  return { ...provided, control: new LocalAwsControl(provided.endpoint) };
}

/**
 * A path as the stack's jobs see it, as a regular expression's source: the path
 * itself in a bubblewrap sandbox; without one, the same path under the
 * attempt's root in the stack's work directory (see batch/unsandboxed.ts).
 */
export function jobPath(containerPath: string): string {
  const { sandbox, workRoot } = inject("localAws");
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return sandbox === "bwrap" ? escape(containerPath) : `${escape(workRoot)}/[^/\\s]+/attempt-\\d+${escape(containerPath)}`;
}

/** A fresh directory inside the stack's work root, so it goes when the stack stops. */
export function scratchDir(prefix: string): string {
  const root = path.join(inject("localAws").workRoot, "scratch");
  mkdirSync(root, { recursive: true });
  return mkdtempSync(path.join(root, `${prefix}-`));
}

/** A program started against the stack: its output so far, a way to wait for a line, and its end. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on stdout (or stderr); rejects if the program ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<RunResult>;
}

export function start(command: string, args: string[], options: RunOptions = {}): Running {
  const stack = inject("localAws");
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...stack.env, ...options.env })) {
    if (value !== undefined) env[name] = value;
  }
  const started = Date.now();
  const stdin = options.input === undefined && !options.interactive ? "ignore" : "pipe";
  const child = spawn(command, args, { cwd: options.cwd, env, stdio: [stdin, "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  const changed = () => watchers.forEach((watcher) => watcher());
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => ((stdout += chunk), changed()));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => ((stderr += chunk), changed()));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      changed();
      resolve({ status, signal, stdout, stderr, durationMs: Date.now() - started });
    });
  });
  // A program may exit before reading its input: that is its business, not an error here.
  child.stdin?.on("error", () => {});
  if (!options.interactive) child.stdin?.end(options.input);

  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const deadline = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}; stdout so far:\n${stdout}\nstderr:\n${stderr}`)), timeoutMs);
      const check = () => {
        const match = pattern.exec(stdout) ?? pattern.exec(stderr);
        if (match) finish(undefined, match);
        else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`exited before ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
      };
      const finish = (error?: Error, match?: RegExpMatchArray) => {
        clearTimeout(deadline);
        watchers.delete(check);
        if (match) resolve(match);
        else reject(error);
      };
      watchers.add(check);
      check();
    });

  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, done };
}

export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return start(command, args, options).done;
}

/** The AWS CLI pointed at the stack (v1 ignores AWS_ENDPOINT_URL, so it is passed explicitly). */
export function aws(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run("aws", ["--endpoint-url", inject("localAws").endpoint, ...args], options);
}

/** The built nextstrain-ts binary (`npm run build` first) against the stack. */
export function nextstrainTs(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [BINARY, ...args], options);
}

/** The built binary, started: for tests that act while it runs. */
export function startNextstrainTs(args: string[], options: RunOptions = {}): Running {
  return start(process.execPath, [BINARY, ...args], options);
}
