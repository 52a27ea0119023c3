/**
 * One download at a time into a build directory.
 *
 * Two processes downloading into one directory (two `attach` of one job, two
 * builds of one directory) would otherwise write the same files at once, and
 * each took the other's temporary files for a killed download's leftovers.
 * A download holds `<build root>/.nextstrain-ts-lock` while it writes; a
 * second one waits for it (the caller says so once) until it is released.
 *
 * The lock file holds the holder's pid, host name and a random token; the
 * holder's temporary files carry the token (own-files.ts), so anyone can tell
 * a live download's temporary files from abandoned ones. It is taken by
 * writing a private file and hard-linking it to the lock's name, which fails
 * if the lock exists (atomic, also on network file systems), falling back to
 * an exclusive create where hard links are not offered.
 *
 * A lock left by a killed process is stale: on the same host, a holder whose
 * pid is not alive, or is this very process (a container restarted with the
 * same pid) without holding it, is dead and its lock is broken at once, without waiting for a
 * timeout. A holder on another host cannot be proven dead: the wait goes on,
 * and the caller names the lock file to remove by hand. (A pid reused by an
 * unrelated process is taken for the holder, with the same remedy.)
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { errorCode } from "../archive/fs-errors.js";
import { LOCK_NAME } from "../archive/own-files.js";

export interface LockHolder {
  pid: number;
  host: string;
  token: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

export interface DownloadLock {
  /** The token this download's temporary files carry. */
  readonly token: string;
  /** False when the directory could not hold a lock file (not writable): the download goes on unlocked. */
  readonly locked: boolean;
  readonly file: string;
  release(): Promise<void>;
}

export interface LockOptions {
  signal?: AbortSignal;
  /** Told once, when another download holds the lock and this one starts waiting. */
  onWait?: (holder: LockHolder, lockFile: string) => void;
  /** Waits between looks at the lock; tests replace it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Whether a process of this host is alive; tests replace it. */
  isAlive?: (pid: number) => boolean;
}

/** How often a waiting download looks at the lock again. */
export const LOCK_POLL_MS = 500;
/** A lock file whose contents cannot be read as a holder is taken for stale after this long (it is written in one call). */
const UNREADABLE_STALE_MS = 10_000;

export function lockFileOf(buildRoot: string): string {
  return join(buildRoot, LOCK_NAME);
}

/** Takes the build directory's download lock, waiting while a live download holds it. */
export async function lockBuildDirectory(buildRoot: string, options: LockOptions = {}): Promise<DownloadLock> {
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const isAlive = options.isAlive ?? processIsAlive;
  const file = lockFileOf(buildRoot);
  const me: LockHolder = { pid: process.pid, host: hostname(), token: randomBytes(8).toString("hex"), since: new Date().toISOString() };
  const mine = `${file}-${me.token}`;
  const unlocked: DownloadLock = { token: me.token, locked: false, file, release: async () => {} };
  try {
    await writeFile(mine, JSON.stringify(me) + "\n", { flag: "wx", mode: 0o644 });
  } catch (error) {
    if (isNotWritable(error)) return unlocked;
    throw error;
  }
  let told = false;
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      if (await tryTake(mine, file, me)) {
        heldHere.add(me.token);
        return { token: me.token, locked: true, file, release: () => release(file, me.token) };
      }
      const holder = await readHolder(file);
      if (holder === "missing") continue;
      if (holder === "unreadable" ? await olderThan(file, UNREADABLE_STALE_MS) : isDead(holder, isAlive)) {
        await breakStale(file, holder === "unreadable" ? undefined : holder.token, me.token);
        continue;
      }
      if (!told && holder !== "unreadable") {
        told = true;
        options.onWait?.(holder, file);
      }
      await sleep(LOCK_POLL_MS, options.signal);
    }
  } finally {
    await rm(mine, { force: true });
  }
}

/**
 * The holder of the build directory's lock when it may be alive (so its
 * temporary files must be left alone); undefined when the lock is free or
 * provably stale.
 */
export async function liveHolder(buildRoot: string, isAlive: (pid: number) => boolean = processIsAlive): Promise<LockHolder | undefined> {
  const holder = await readHolder(lockFileOf(buildRoot));
  return typeof holder === "object" && !isDead(holder, isAlive) ? holder : undefined;
}

async function tryTake(mine: string, file: string, me: LockHolder): Promise<boolean> {
  try {
    await link(mine, file);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
  }
  // No hard links here (some FAT and SMB mounts): an exclusive create, written in one call.
  try {
    await writeFile(file, JSON.stringify(me) + "\n", { flag: "wx", mode: 0o644 });
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

async function readHolder(file: string): Promise<LockHolder | "missing" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return "missing";
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(value.pid) && typeof value.host === "string" && typeof value.token === "string" && typeof value.since === "string") {
      return value as LockHolder;
    }
  } catch {
    // fall through
  }
  return "unreadable";
}

/** The tokens of the locks this process holds now. */
const heldHere = new Set<string>();

function isDead(holder: LockHolder, isAlive: (pid: number) => boolean): boolean {
  if (holder.host !== hostname()) return false;
  // A lock with this pid that this process does not hold is an earlier process's.
  if (holder.pid === process.pid) return !heldHere.has(holder.token);
  return !isAlive(holder.pid);
}

/** Whether a process of this host is alive: signal 0 checks without sending anything. */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM"; // alive, but another user's
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const stats = await stat(file).catch(() => undefined);
  return stats !== undefined && Date.now() - stats.mtimeMs > ms;
}

/**
 * Removes a stale lock, and only it: the lock is first moved aside under a
 * name of our own, so a live download that took the lock meanwhile is not
 * deleted; if the moved file turns out to be such a lock, it is put back.
 */
async function breakStale(file: string, staleToken: string | undefined, myToken: string): Promise<void> {
  const aside = `${file}-stale-${myToken}`;
  try {
    await rename(file, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (typeof moved === "object" && moved.token !== staleToken) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

async function release(file: string, token: string): Promise<void> {
  heldHere.delete(token);
  const holder = await readHolder(file).catch(() => "unreadable" as const);
  if (typeof holder === "object" && holder.token === token) await rm(file, { force: true });
}

function isNotWritable(error: unknown): boolean {
  const code = errorCode(error);
  return code === "EACCES" || code === "EPERM" || code === "EROFS";
}
