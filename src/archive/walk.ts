/**
 * The walk of a directory tree for the upload archive (C52; docs/compatibility.md#upload).
 *
 * Depth-first, pre-order, the root first, children in directory-listing order,
 * as the Nextstrain CLI walks. It streams: directories are read entry by entry
 * and only the current path's ancestors are remembered, so 100,000 files cost
 * no more memory than ten.
 *
 * Symlinks are followed, as in the CLI: a link to a file is stored as the
 * file's contents, a link to a directory is descended. Unlike the CLI, a link
 * back to one of its own ancestors is not followed (the CLI recurses until it
 * crashes). FIFOs, sockets, devices and dangling links cannot be stored; they
 * are reported and skipped instead of failing the upload.
 */
import { lstatSync, opendirSync, statSync, type BigIntStats } from "node:fs";
import { join } from "node:path";
import { errorCode, readFailure } from "./fs-errors.js";

/** Whether to leave a path (and, for a directory, everything below it) out. */
export type ExcludePredicate = (absPath: string, isDirectory: boolean) => boolean;

export type SkipReason = "fifo" | "socket" | "device" | "dangling-symlink" | "symlink-loop" | "undecodable-name" | "vanished";

export interface WalkEntry {
  /** Absolute path as walked: below a followed symlink, the link's path, not its target's. */
  path: string;
  /** Path relative to the walk's root with `/` separators; "" for the root itself. */
  relPath: string;
  isDirectory: boolean;
  /** Size in bytes (of the target, for symlinks). */
  size: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  mtime: Date;
}

export interface WalkOptions {
  exclude: ExcludePredicate;
  /** Called for each path that exists but cannot be archived. */
  onSkip?: (absPath: string, reason: SkipReason) => void;
}

/** Walk `root` (an absolute directory path). Unreadable paths throw a UserError naming them. */
export async function* walkTree(root: string, options: WalkOptions): AsyncGenerator<WalkEntry> {
  yield* visit(root, "", [], options);
}

// The file-system calls here are synchronous on purpose: each takes a few
// microseconds on a local disk, while the same call through Node's thread
// pool costs a round trip of about 50 µs on a 2-core machine. Walking 100,000
// files took 8.5 s with awaited stat() and 0.5 s like this. The event loop is
// still served between entries, whenever the consumer stops pulling.
async function* visit(path: string, relPath: string, ancestors: string[], options: WalkOptions): AsyncGenerator<WalkEntry> {
  const stats = statFollowing(path);
  if (typeof stats === "string") {
    options.onSkip?.(path, stats);
    return;
  }
  const isDirectory = stats.isDirectory();
  if (options.exclude(path, isDirectory)) return;

  if (!isDirectory && !stats.isFile()) {
    options.onSkip?.(path, stats.isFIFO() ? "fifo" : stats.isSocket() ? "socket" : "device");
    return;
  }

  const entry: WalkEntry = {
    path,
    relPath,
    isDirectory,
    size: Number(stats.size),
    mode: Number(stats.mode) & 0o7777,
    mtime: new Date(Number(stats.mtimeMs)),
  };
  if (!isDirectory) {
    yield entry;
    return;
  }

  const identity = `${stats.dev}:${stats.ino}`;
  if (ancestors.includes(identity)) {
    options.onSkip?.(path, "symlink-loop");
    return;
  }
  yield entry;

  let dir;
  try {
    dir = opendirSync(path);
  } catch (error) {
    throw readFailure(error, path);
  }
  ancestors.push(identity);
  try {
    for (let child = dir.readSync(); child !== null; child = dir.readSync()) {
      const childRel = relPath === "" ? child.name : `${relPath}/${child.name}`;
      yield* visit(join(path, child.name), childRel, ancestors, options);
    }
  } finally {
    dir.closeSync();
    ancestors.pop();
  }
}

/** stat() through symlinks, or why there is nothing to archive. */
function statFollowing(path: string): BigIntStats | SkipReason {
  try {
    return statSync(path, { bigint: true });
  } catch (error) {
    const code = errorCode(error);
    if (code !== "ENOENT" && code !== "ELOOP" && code !== "ENOTDIR") throw readFailure(error, path);
    // A dangling (or circular) link, or a file deleted while we walk; or a name
    // that is not UTF-8: Node decodes it with U+FFFD in place of the bad bytes,
    // and that name does not exist.
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (link?.isSymbolicLink()) return "dangling-symlink";
    return path.includes("\uFFFD") ? "undecodable-name" : "vanished";
  }
}
