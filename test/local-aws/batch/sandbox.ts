// The bubblewrap command line that plays a container: the host's file system
// read-only, fresh /dev /proc /tmp, the job's own directory at /nextstrain,
// the image directory laid over the top, the host network (the job reaches the
// local stack on loopback), its own PID namespace with the command as PID 1
// (as in Docker, where PID 1 ignores SIGTERM unless it traps it).
//
// This bwrap (0.8) has no overlayfs options, so a host directory that receives
// image files is "opened": replaced by a tmpfs into which each of its entries
// is bound again, then the image files are bound beside them.
import path from "node:path";

export interface HostEntry {
  name: string;
  kind: "dir" | "file" | "symlink";
  target?: string;
}

/** The few file-system questions the layout needs, injectable for tests. */
export interface HostView {
  list(dir: string): HostEntry[];
  exists(file: string): boolean;
  realpath(file: string): string;
}

export interface SandboxSpec {
  /** Image files: path inside the sandbox -> host file (or symlink target when `symlink`). */
  imageFiles: { sandboxPath: string; hostPath: string; symlink?: string }[];
  jobDir: string;
  workdir: string;
  env: Record<string, string>;
  argv: string[];
  infoFd?: number;
}

// Entries of / that the sandbox makes afresh instead of sharing with the host.
const FRESH = new Set(["proc", "dev", "tmp"]);

export function sandboxArgs(spec: SandboxSpec, host: HostView): string[] {
  const args = ["--tmpfs", "/"];
  for (const entry of host.list("/")) {
    if (FRESH.has(entry.name) || entry.name === "nextstrain") continue;
    args.push(...shareEntry("/", entry));
  }
  args.push("--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp");

  const opened = new Set<string>();
  const created: string[] = [];
  const placed: string[][] = [];
  for (const file of spec.imageFiles) {
    const { existing, missing } = resolveExisting(path.posix.dirname(file.sandboxPath), host);
    if (existing !== "/" && !isUnder(existing, "/tmp")) opened.add(existing);
    let dir = existing;
    for (const part of missing) {
      dir = path.posix.join(dir, part);
      if (!created.includes(dir)) created.push(dir);
    }
    const target = path.posix.join(dir, path.posix.basename(file.sandboxPath));
    placed.push(file.symlink !== undefined ? ["--symlink", file.symlink, target] : ["--ro-bind", file.hostPath, target]);
  }
  const replaced = new Set(placed.map((p) => p[2]));
  const openOrder = [...opened].sort((a, b) => a.split("/").length - b.split("/").length);
  for (const dir of openOrder) {
    args.push("--tmpfs", dir);
    for (const entry of host.list(dir)) {
      if (!replaced.has(path.posix.join(dir, entry.name))) args.push(...shareEntry(dir, entry));
    }
  }
  for (const dir of created) args.push("--dir", dir);
  for (const p of placed) args.push(...p);

  args.push("--bind", spec.jobDir, "/nextstrain");
  for (const dir of ["/", ...openOrder]) args.push("--remount-ro", dir);
  args.push("--chdir", spec.workdir, "--unshare-pid", "--as-pid-1", "--die-with-parent", "--new-session", "--clearenv");
  for (const [name, value] of Object.entries(spec.env)) args.push("--setenv", name, value);
  if (spec.infoFd !== undefined) args.push("--info-fd", String(spec.infoFd));
  args.push("--", ...spec.argv);
  return args;
}

function shareEntry(dir: string, entry: HostEntry): string[] {
  const full = path.posix.join(dir, entry.name);
  return entry.kind === "symlink" ? ["--symlink", entry.target ?? "", full] : ["--ro-bind", full, full];
}

/** Follows a sandbox path through host symlinks as far as it exists; the rest must be created. */
function resolveExisting(dir: string, host: HostView): { existing: string; missing: string[] } {
  const parts = dir.split("/").filter(Boolean);
  let current = "/";
  for (const [index, part] of parts.entries()) {
    const next = path.posix.join(current, part);
    if (!host.exists(next)) return { existing: current, missing: parts.slice(index) };
    current = host.realpath(next);
  }
  return { existing: current, missing: [] };
}

function isUnder(file: string, dir: string): boolean {
  return file === dir || file.startsWith(`${dir}/`);
}
