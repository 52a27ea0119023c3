// Runs a container attempt as a plain process, for machines where bubblewrap
// cannot make a sandbox. Nothing can be mounted, so the container's paths are
// rewritten instead: the attempt gets a root directory of its own, the job's
// /nextstrain is <root>/nextstrain, and each image file (/sbin/entrypoint) is
// copied to <root>/sbin/entrypoint with those same paths rewritten in it. The
// command line, working directory and environment are rewritten the same way,
// and PATH gets the image's directories first.
//
// What is lost: the host is not read-only to the job, /tmp is the host's, and
// a command that prints its own directory sees the rewritten one. Signals keep
// Docker's PID 1 rule: SIGTERM reaches the command only if it handles it (read
// from /proc/<pid>/status), SIGKILL ends the command's whole process group, and
// so does the command's exit, as the end of a PID namespace would.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SandboxSpec } from "./sandbox.js";

export interface PlainLaunch {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Image files to place: `to` under the root; text files get `rewrite` applied. */
  files: { from: string; to: string; symlink?: string }[];
  rewrite(text: string): string;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Rewrites /nextstrain (and paths under it) and the image's own files to their
 * places under `root`, wherever they stand as paths of their own: not inside
 * a longer name (`/nextstrain-jobs`), a URL (`s3://nextstrain...`) or a path
 * that merely ends the same way (`$HOME/nextstrain`).
 */
export function containerPathRewriter(root: string, imagePaths: readonly string[]): (text: string) => string {
  const names = ["/nextstrain", ...imagePaths].sort((a, b) => b.length - a.length).map(escape);
  const pattern = new RegExp(`(?<![\\w./:~}\\)-])(${names.join("|")})(?![\\w.-])`, "g");
  return (text) => text.replace(pattern, (match) => root + match);
}

export function unsandboxedLaunch(spec: SandboxSpec, root: string): PlainLaunch {
  const rewrite = containerPathRewriter(root, spec.imageFiles.map((file) => file.sandboxPath));
  const imageDirs = new Set(spec.imageFiles.map((file) => path.posix.dirname(file.sandboxPath)));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.env)) {
    env[name] =
      name === "PATH" ? value.split(":").flatMap((dir) => (imageDirs.has(dir) ? [root + dir, dir] : [dir])).join(":") : rewrite(value);
  }
  return {
    argv: spec.argv.map(rewrite),
    cwd: spec.workdir === "/" ? root : rewrite(spec.workdir),
    env,
    files: spec.imageFiles.map((file) => ({
      from: file.hostPath,
      to: root + file.sandboxPath,
      ...(file.symlink !== undefined ? { symlink: path.posix.isAbsolute(file.symlink) ? rewrite(file.symlink) : file.symlink } : {}),
    })),
    rewrite,
  };
}

/** Places the image files under the root; text files (no NUL byte) with their paths rewritten. */
export function placeImageFiles(launch: PlainLaunch): void {
  for (const file of launch.files) {
    mkdirSync(path.dirname(file.to), { recursive: true });
    if (file.symlink !== undefined) {
      symlinkSync(file.symlink, file.to);
      continue;
    }
    const content = readFileSync(file.from);
    if (content.includes(0)) copyFileSync(file.from, file.to);
    else writeFileSync(file.to, launch.rewrite(content.toString("utf8")));
    chmodSync(file.to, statSync(file.from).mode & 0o7777);
  }
}

/** Whether a process has a handler for a signal: bit (n - 1) of SigCgt in /proc/<pid>/status. */
export function handlesSignal(status: string, signal: number): boolean {
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return caught !== undefined && ((BigInt(`0x${caught}`) >> BigInt(signal - 1)) & 1n) === 1n;
}

export interface StartedProcess {
  child: ChildProcess;
  signal(name: "SIGTERM" | "SIGKILL"): void;
}

export function startUnsandboxed(spec: SandboxSpec, root: string): StartedProcess {
  const launch = unsandboxedLaunch(spec, root);
  placeImageFiles(launch);
  const [command, ...args] = launch.argv;
  // detached: a session and process group of its own, which SIGKILL ends whole.
  const child = spawn(command ?? "true", args, { cwd: launch.cwd, env: launch.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  };
  child.once("exit", killGroup);
  return {
    child,
    signal(name) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      if (name === "SIGKILL") return killGroup();
      let status = "";
      try {
        status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      } catch {
        return;
      }
      // As PID 1 of a container, a command without a SIGTERM handler ignores it.
      if (handlesSignal(status, 15)) child.kill("SIGTERM");
    },
  };
}
