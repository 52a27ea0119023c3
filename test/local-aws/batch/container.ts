// Runs one container attempt as a local process in a bubblewrap sandbox (or,
// where bubblewrap cannot sandbox, as a plain process: unsandboxed.ts): makes
// the job's /nextstrain (with the image's own nextstrain/ files), creates the
// log stream, starts the entrypoint with the job's command, ships its output,
// and lets the scheduler signal it the way Docker would (to PID 1 inside).
import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";
import { LineSplitter, LogShipper, type LogSink } from "./log-shipper.js";
import type { ImageConfig } from "./images.js";
import { sandboxArgs, type HostEntry, type HostView, type SandboxSpec } from "./sandbox.js";
import { startUnsandboxed, type StartedProcess } from "./unsandboxed.js";

export interface ContainerLaunch {
  jobId: string;
  attempt: number;
  image: ImageConfig;
  command: string[];
  env: Record<string, string>;
  logGroup: string;
  logStream: string;
}

export interface ContainerExit {
  /** Exit status; a signal death reads as 128 + signal number, as Docker reports it. */
  exitCode: number;
}

export interface RunningContainer {
  /** Host directory mounted at /nextstrain. */
  jobDir: string;
  exited: Promise<ContainerExit>;
  signal(signal: "SIGTERM" | "SIGKILL"): void;
}

export interface RunnerOptions {
  workRoot: string;
  sink: LogSink;
  logFlushMs: number;
  logLagMs: () => number;
  bwrap?: string;
  /** "none": no bubblewrap here, run jobs as plain processes. */
  sandbox?: "bwrap" | "none";
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGHUP: 1 };

export class ContainerRunner {
  constructor(private readonly options: RunnerOptions) {}

  async start(launch: ContainerLaunch): Promise<RunningContainer> {
    const attemptDir = path.join(this.options.workRoot, launch.jobId, `attempt-${launch.attempt}`);
    const sandboxed = this.options.sandbox !== "none";
    // Unsandboxed, the attempt directory is the job's root and its /nextstrain is under it.
    const jobDir = sandboxed ? attemptDir : path.join(attemptDir, "nextstrain");
    rmSync(attemptDir, { recursive: true, force: true });
    mkdirSync(jobDir, { recursive: true });
    const imageHome = path.join(launch.image.dir, "nextstrain");
    if (existsSync(imageHome)) cpSync(imageHome, jobDir, { recursive: true, verbatimSymlinks: true });
    mkdirSync(path.join(jobDir, "build"), { recursive: true });

    await this.options.sink.createStream(launch.logGroup, launch.logStream);
    const shipper = new LogShipper(this.options.sink, launch.logGroup, launch.logStream, {
      flushMs: this.options.logFlushMs,
      lagMs: this.options.logLagMs(),
    });

    const spec: SandboxSpec = {
      imageFiles: imageFiles(launch.image.dir),
      jobDir,
      workdir: launch.image.workdir,
      env: launch.env,
      argv: [...launch.image.entrypoint, ...launch.command],
    };
    const started = sandboxed ? startSandboxed(this.options.bwrap ?? "bwrap", spec) : startUnsandboxed(spec, attemptDir);
    const { child } = started;
    for (const stream of [child.stdout, child.stderr]) {
      const splitter = new LineSplitter();
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => splitter.push(chunk).forEach((l) => shipper.line(l)));
      stream?.on("end", () => splitter.end().forEach((l) => shipper.line(l)));
    }

    const exited = new Promise<ContainerExit>((resolve) => {
      child.once("close", (code, signal) => {
        const exitCode = code ?? 128 + (SIGNAL_NUMBERS[signal ?? ""] ?? 0);
        void shipper.close().then(() => resolve({ exitCode }));
      });
      child.once("error", (error) => {
        shipper.line(`local-aws: cannot start ${sandboxed ? "bwrap" : spec.argv[0]}: ${error.message}`);
        void shipper.close().then(() => resolve({ exitCode: 127 }));
      });
    });
    return { jobDir, exited, signal: started.signal };
  }
}

/** bwrap with the sandbox's arguments; signals go to the sandbox's PID 1 once bwrap has named it. */
function startSandboxed(bwrap: string, spec: SandboxSpec): StartedProcess {
  const child = spawn(bwrap, sandboxArgs({ ...spec, infoFd: 3 }, nodeHostView), {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  // bwrap writes {"child-pid": N} to the info fd: the host PID of the sandbox's PID 1.
  // Signals wait for it: killing bwrap itself while its child is still being
  // set up would orphan that child before --die-with-parent applies to it.
  let innerPid: number | undefined;
  let pending: "SIGTERM" | "SIGKILL" | undefined;
  const deliver = (name: "SIGTERM" | "SIGKILL"): void => {
    if (innerPid === undefined) return;
    try {
      process.kill(innerPid, name);
    } catch {
      // Already gone.
    }
  };
  let info = "";
  const infoStream = child.stdio[3] as NodeJS.ReadableStream | undefined;
  infoStream?.on("data", (chunk: Buffer) => {
    info += chunk.toString();
    const match = /"child-pid":\s*(\d+)/.exec(info);
    if (match && innerPid === undefined) {
      innerPid = Number(match[1]);
      if (pending) deliver(pending);
    }
  });
  return {
    child,
    signal(name) {
      if (innerPid !== undefined) deliver(name);
      else if (pending !== "SIGKILL") pending = name;
    },
  };
}

/** Every file and symlink of an image directory, except its nextstrain/ tree and image.json. */
export function imageFiles(dir: string): SandboxSpec["imageFiles"] {
  const result: SandboxSpec["imageFiles"] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const rel = path.posix.join(relative, name);
      if (rel === "nextstrain" || rel === "image.json") continue;
      const hostPath = path.join(dir, rel);
      const stat = lstatSync(hostPath);
      if (stat.isDirectory()) walk(rel);
      else if (stat.isSymbolicLink()) result.push({ sandboxPath: `/${rel}`, hostPath, symlink: readlinkSync(hostPath) });
      else result.push({ sandboxPath: `/${rel}`, hostPath });
    }
  };
  walk("");
  return result;
}

export const nodeHostView: HostView = {
  list(dir) {
    return readdirSync(dir, { withFileTypes: true }).map((entry): HostEntry => {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) return { name: entry.name, kind: "symlink", target: readlinkSync(full) };
      return { name: entry.name, kind: entry.isDirectory() ? "dir" : "file" };
    });
  },
  exists: (file) => existsSync(file),
  realpath: (file) => realpathSync(file),
};
