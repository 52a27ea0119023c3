/**
 * Applying the job's results archive to the local build root (compat-spec §3.13).
 *
 * As the Nextstrain CLI does: members with absolute names or a `..` component
 * are skipped silently, which also keeps overlay members `../<name>/...` out
 * (C85, C112); a member is written only when the caller wants it (C86) and its
 * CRC-32 differs from the local file's, a directory counting as 0 and a
 * missing path as always different (C87); `unzipping: <path>` is announced
 * before each write; mode bits are not taken from the archive (C88); mtime and
 * atime come from the member's DOS time read as UTC (C89). Nothing is deleted
 * (C118).
 *
 * Safer than the CLI, on purpose: each file is written to a temporary name in
 * its own directory and renamed over the old one, so an interruption or a full
 * disk leaves every file either old or new; a replaced file keeps its local
 * permission bits; nothing is written through a symlink or outside the build
 * root, and symlink members are skipped. Paths that cannot be written safely
 * are listed in one error at the end, after everything else is extracted.
 */
import { createWriteStream, readFileSync, statSync } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, realpath, rename, rm, utimes } from "node:fs/promises";
import type { Stats } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, sep } from "node:path";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { UserError } from "../errors.js";
import { dosDateTimeToUtcSeconds } from "./dos-time.js";
import { errorCode, writeFailure } from "./fs-errors.js";
import { coalesceSpans, DEFAULT_COALESCE, DEFAULT_PREFETCH, PrefetchingSource } from "./fetch-plan.js";
import { openEntry, readZipDirectory, type RangeSource, type ZipEntry } from "./zip-reader.js";

export interface ExtractOptions {
  /** Absolute real path of the build root. */
  buildRoot: string;
  /** Whether a member (by its name in the archive) may be extracted: download patterns and built-in lists. */
  wanted: (memberName: string) => boolean;
  /** Called before each member is written: the place for `unzipping: <path>` lines. */
  onExtract?: (absPath: string, entry: ZipEntry) => void;
  /** Called with the number of bytes written, for a progress bar. */
  onBytes?: (bytes: number) => void;
  /** Stops extraction; a file being written is left as it was. */
  signal?: AbortSignal;
  /** Opens a temporary file for writing; tests replace it to simulate a full disk. */
  createTemporary?: (path: string, mode: number) => Writable;
  /**
   * True when the local file at `absPath`, which now has this size and mtime,
   * is known to hold contents with this CRC-32 (for example from a record
   * kept at upload): it is then not read to compare. Without it, or when it
   * answers false, the file is read.
   */
  knownUnchanged?: (absPath: string, size: number, mtimeMs: number, crc32: number) => boolean;
}

/** Local files up to this size are read whole for their CRC-32; larger ones in chunks of it. */
const WHOLE_FILE = 1 << 20;

export interface ExtractResult {
  /** Members written (files and directories). */
  extracted: number;
  /** Members left alone because the local copy has the same CRC-32. */
  unchanged: number;
}

/**
 * Write into `buildRoot` every wanted member that differs from the local copy.
 * First every member is compared with its local file; then the ones that
 * differ are fetched (coalesced ranges, several at once, ahead of the
 * writing) and written, in archive order.
 */
export async function extractChanged(source: RangeSource, options: ExtractOptions): Promise<ExtractResult> {
  const { entries, centralDirectoryOffset } = await readZipDirectory(source);
  await removeLeftovers(options.buildRoot, entries);
  const result: ExtractResult = { extracted: 0, unchanged: 0 };
  const refused: string[] = [];

  const changed: { entry: ZipEntry; parts: string[]; target: string }[] = [];
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    const parts = safeParts(entry.name);
    if (parts === undefined || parts.length === 0 || entry.type === "symlink" || !options.wanted(entry.name)) continue;
    const target = join(options.buildRoot, ...parts);
    if (isUnchanged(target, entry, options.knownUnchanged) || (await localCrc(target)) === entry.crc32) {
      result.unchanged += 1;
      continue;
    }
    changed.push({ entry, parts, target });
  }
  changed.sort((a, b) => a.entry.localHeaderOffset - b.entry.localHeaderOffset);

  const groups = coalesceSpans(
    changed.map(({ entry }) => entry.span),
    { ...DEFAULT_COALESCE, alsoNeeded: source.size - centralDirectoryOffset },
  );
  const fetcher = new PrefetchingSource(source, groups, { ...DEFAULT_PREFETCH, maxGroupBytes: DEFAULT_COALESCE.maxGroupBytes });
  for (const [index, group] of groups.entries()) {
    fetcher.start(index);
    for (const member of group.members) {
      const { entry, parts, target } = changed[member] as (typeof changed)[number];
      options.signal?.throwIfAborted();
      const problem = await prepareParents(options.buildRoot, parts);
      const existing = problem === undefined ? await lstat(target).catch(ignoreMissing) : undefined;
      const conflict = problem ?? describeConflict(entry, existing);
      if (conflict !== undefined) {
        refused.push(`${target} (${conflict})`);
        continue;
      }

      options.onExtract?.(target, entry);

      const seconds = dosDateTimeToUtcSeconds(entry.modified);
      if (entry.type === "directory") {
        await mkdir(target).catch((error: unknown) => {
          throw writeFailure(error, dirname(target));
        });
        await utimes(target, seconds, seconds);
      } else {
        await writeFile(fetcher, entry, target, existing, seconds, options);
      }
      result.extracted += 1;
    }
    fetcher.release(index);
  }

  if (refused.length > 0) {
    const shown = refused.slice(0, 10).map((line) => `    ${line}`);
    if (refused.length > 10) shown.push(`    ... and ${refused.length - 10} more`);
    throw new UserError(
      `These results of the job were not downloaded, because writing them could change files outside the build directory or replace something that is not a regular file:\n${shown.join("\n")}`,
      "Move those symlinks or conflicting paths aside, then attach to the job again to download them.",
    );
  }
  return result;
}

/** Whether the caller's record vouches for the local file (see ExtractOptions.knownUnchanged). */
function isUnchanged(target: string, entry: ZipEntry, knownUnchanged: ExtractOptions["knownUnchanged"]): boolean {
  if (knownUnchanged === undefined || entry.type !== "file") return false;
  let stats;
  try {
    stats = statSync(target, { throwIfNoEntry: false });
  } catch {
    return false; // not a directory on the way, a loop...: read it as usual
  }
  return stats !== undefined && stats.isFile() && knownUnchanged(target, stats.size, stats.mtimeMs, entry.crc32);
}

const PARTIAL_PREFIX = ".nextstrain-ts-partial-";
const PARTIAL_NAME = /^\.nextstrain-ts-partial-[0-9a-f]{16}$/;

/**
 * Removes the temporary files a killed download left in the directories this
 * archive writes to: a SIGKILL (or a power cut) gives no chance to clean up,
 * and they would otherwise stay and be uploaded with the next build. Only
 * directories that really are inside the build root are looked at.
 */
async function removeLeftovers(buildRoot: string, entries: readonly ZipEntry[]): Promise<void> {
  const directories = new Set<string>();
  for (const entry of entries) {
    const parts = safeParts(entry.name);
    if (parts !== undefined && parts.length > 0) directories.add(join(buildRoot, ...parts.slice(0, -1)));
  }
  for (const directory of directories) {
    const real = await realpath(directory).catch(() => undefined);
    if (real === undefined || (real !== buildRoot && !real.startsWith(buildRoot + sep))) continue;
    for (const name of await readdir(real).catch(() => [])) {
      if (PARTIAL_NAME.test(name)) await rm(join(real, name), { force: true });
    }
  }
}

/** The path components of a member name, or undefined for absolute names and names with `..` (C85). */
export function safeParts(name: string): string[] | undefined {
  if (name.startsWith("/") || name.includes("\0")) return undefined;
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  return parts.includes("..") ? undefined : parts;
}

/**
 * The local CRC-32 to compare with (C87): 0 for a directory, undefined when
 * missing or not a regular file (so it always differs). Symlinks are read
 * through, as by the CLI; only writing refuses them.
 */
export async function localCrc(path: string): Promise<number | undefined> {
  // Synchronous for small files, as in the walk: thread-pool round trips made
  // checking 100,000 unchanged files take 20 times longer.
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    stats = ignoreMissing(error);
  }
  if (stats === undefined) return undefined;
  if (stats.isDirectory()) return 0;
  if (!stats.isFile()) return undefined;
  if (stats.size <= WHOLE_FILE) return crc32(readFileSync(path));
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(WHOLE_FILE);
    let crc = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return crc;
      crc = crc32(buffer.subarray(0, bytesRead), crc);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Check every component between the build root and the member, creating
 * missing directories; a description of the problem when one is a symlink or
 * not a directory.
 */
async function prepareParents(root: string, parts: string[]): Promise<string | undefined> {
  let path = root;
  for (const part of parts.slice(0, -1)) {
    path = join(path, part);
    const stats = await lstat(path).catch(ignoreMissing);
    if (stats === undefined) {
      await mkdir(path).catch((error: unknown) => {
        if (errorCode(error) !== "EEXIST") throw writeFailure(error, dirname(path));
      });
    } else if (stats.isSymbolicLink()) {
      return `${path} is a symlink`;
    } else if (!stats.isDirectory()) {
      return `${path} is not a directory`;
    }
  }
  return undefined;
}

function describeConflict(entry: ZipEntry, existing: Stats | undefined): string | undefined {
  if (existing === undefined) return undefined;
  if (existing.isSymbolicLink()) return "it is a symlink";
  if (entry.type === "directory") return existing.isDirectory() ? undefined : "the job made it a directory";
  if (existing.isDirectory()) return "it is a directory locally";
  if (!existing.isFile()) return "it is not a regular file locally";
  return undefined;
}

async function writeFile(
  source: RangeSource,
  entry: ZipEntry,
  target: string,
  existing: Stats | undefined,
  seconds: number,
  options: ExtractOptions,
): Promise<void> {
  const directory = dirname(target);
  const temporary = join(directory, `${PARTIAL_PREFIX}${randomBytes(8).toString("hex")}`);
  // A replaced file keeps its permissions; a new one gets the umask's, as in the CLI.
  const mode = existing ? existing.mode & 0o7777 : 0o666;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      options.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  const output = (options.createTemporary ?? openTemporary)(temporary, mode);
  try {
    await pipeline(openEntry(source, entry), count, output, { signal: options.signal });
    if (existing) await chmod(temporary, mode);
    await utimes(temporary, seconds, seconds);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw writeFailure(error, directory);
  }
}

function openTemporary(path: string, mode: number): Writable {
  // "wx": never open something that already exists under this name.
  return createWriteStream(path, { flags: "wx", mode });
}

/** For .catch(): undefined when the path does not exist, else rethrow. */
function ignoreMissing(error: unknown): undefined {
  const code = errorCode(error);
  if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
  throw error;
}
