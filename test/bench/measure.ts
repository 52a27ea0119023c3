// Running one measured thing: a child process under GNU time, for its wall
// time (our own clock around the spawn) and its peak RSS (the largest of the
// process and the children it waited for). Plus the median.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Measured {
  seconds: number;
  peakRssMB: number;
  stdout: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Run `command args...`; throws with its stderr when it fails. */
export async function measure(command: string, args: string[], options: RunOptions = {}): Promise<Measured> {
  const scratch = mkdtempSync(join(tmpdir(), "bench-time-"));
  const timeFile = join(scratch, "time");
  try {
    const started = performance.now();
    const { status, stdout, stderr } = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, command, ...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (err = (err + chunk.toString()).slice(-8000)));
      child.on("error", reject);
      child.on("close", (code) => resolve({ status: code, stdout: out, stderr: err }));
    });
    const seconds = (performance.now() - started) / 1000;
    if (status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${status}:\n${stderr}`);
    const lines = readFileSync(timeFile, "utf8").trim().split("\n");
    const peakRssMB = Number(lines[lines.length - 1]) / 1024;
    return { seconds, peakRssMB, stdout };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function max(values: number[]): number {
  return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
}

/** Rounded for tables: 3 significant digits. */
export function round(value: number): number {
  return Number(value.toPrecision(3));
}
