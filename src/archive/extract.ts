/**
 * Applying the job's results archive to the local build root (docs/compatibility.md#download).
 *
 * As the Nextstrain CLI does: members with absolute names or a `..` component
 * are skipped silently, which also keeps overlay members `../<name>/...` out
 * (C85, C112); a member is written only when the caller wants it (C86) and its
 * CRC-32 differs from the local file's, a directory counting as 0 and a
 * missing path as always different (C87); mode bits are not taken from the
 * archive (C88); mtime and atime come from the member's DOS time read as UTC
 * (C89). Nothing is deleted (C118).
 *
 * Safer than the CLI, on purpose: each file is written to a temporary name in
 * its own directory and renamed over the old one, so an interruption or a full
 * disk leaves every file either old or new; `unzipping: <path>` is announced
 * once a member is written, not before; a replaced file keeps its local
 * permission bits; names are kept as the archive's bytes (byte-paths.ts), and
 * no result ever overwrites another one written by the same download (two
 * names that lead to one local file). Nothing is written outside the build
 * root: a symlink in the build root is followed only when it leads to a place
 * inside the root, and symlink members are skipped. What cannot be written
 * (a symlink leading out, a directory that is not writable, a name the file
 * system refuses...) is listed, with why, in one error at the end, after
 * everything else is written; only a full disk stops the download at once.
 *
 * Before writing anything, the caller takes the build directory's lock; only
 * then, and only when there is something to write, so a download that
 * changes nothing leaves the directory untouched. Temporary files are named
 * after the lock's token (own-files.ts); those of other tokens, in the
 * directories this archive writes to, were left by killed downloads and are
 * removed.
 */
import { createWriteStream, readFileSync, statSync } from "node:fs";
import { chmod, lstat, mkdir, open, realpath, rename, rm, stat, utimes } from "node:fs/promises";
import type { PathLike, Stats } from "node:fs";
import { randomBytes } from "node:crypto";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { UserError } from "../errors.js";
import { isWithin, joinBytes, memberParts, parentOf, showBytes } from "./byte-paths.js";
import { dosDateTimeToUtcSeconds } from "./dos-time.js";
import { errorCode, writeFailure, writeProblem, type WriteProblem } from "./fs-errors.js";
import { coalesceSpans, DEFAULT_COALESCE, DEFAULT_PREFETCH, PrefetchingSource } from "./fetch-plan.js";
import { partialName, partialsIn, removeAbandonedPartials } from "./own-files.js";
import { nameBytes, openEntry, readZipDirectory, type RangeSource, type ZipDirectory, type ZipEntry } from "./zip-reader.js";

export interface ExtractOptions {
  /** Absolute real path of the build root. */
  buildRoot: string;
  /** Whether a member (by its name in the archive) may be extracted: download patterns and built-in lists. */
  wanted: (memberName: string) => boolean;
  /** Called once each member is written: the place for `unzipping: <path>` lines. */
  onExtract?: (shownPath: string, entry: ZipEntry) => void;
  /** Called with the number of bytes written, for a progress bar. */
  onBytes?: (bytes: number) => void;
  /** Stops extraction; a file being written is left as it was. */
  signal?: AbortSignal;
  /** The archive's central directory when the caller has read it already (readZipDirectory). */
  directory?: ZipDirectory;
  /**
   * Called once, before anything is written, when there is something to
   * write (a changed member, or temporary files killed downloads left): takes
   * the build directory's lock and answers its token. Temporary files then
   * carry it, and other downloads' are removed as abandoned. Without it, or
   * when it answers undefined (no lock held), those are left alone.
   */
  lock?: () => Promise<string | undefined>;
  /** Opens a temporary file for writing; tests replace it to simulate a full disk. */
  createTemporary?: (path: PathLike, mode: number) => Writable;
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

/** A changed member and where it goes, as named (`target`) before any symlink is followed. */
interface Change {
  entry: ZipEntry;
  parts: Buffer[];
  target: Buffer;
}

/**
 * Write into `buildRoot` every wanted member that differs from the local copy.
 * First every member is compared with its local file; then the ones that
 * differ are fetched (coalesced ranges, several at once, ahead of the
 * writing) and written, in archive order.
 */
export async function extractChanged(source: RangeSource, options: ExtractOptions): Promise<ExtractResult> {
  const { entries, centralDirectoryOffset } = options.directory ?? (await readZipDirectory(source));
  const root = Buffer.from(options.buildRoot);
  const result: ExtractResult = { extracted: 0, unchanged: 0 };

  const changed: Change[] = [];
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    const parts = memberParts(nameBytes(entry));
    if (parts === undefined || parts.length === 0 || entry.type === "symlink" || !options.wanted(entry.name)) continue;
    const target = joinBytes(root, parts);
    if (isUnchanged(target, entry, options.knownUnchanged) || (await localCrc(target)) === entry.crc32) {
      result.unchanged += 1;
      continue;
    }
    changed.push({ entry, parts, target });
  }
  changed.sort((a, b) => a.entry.localHeaderOffset - b.entry.localHeaderOffset);

  const leftovers = await leftoversOf(root, entries);
  if (changed.length === 0 && leftovers.length === 0) return result;
  const lockToken = await options.lock?.();
  // Under the lock, every other download's temporary file is a dead one's.
  if (lockToken !== undefined) await removeAbandonedPartials(leftovers, lockToken);
  const token = lockToken ?? randomBytes(4).toString("hex");
  let temporaries = 0;

  const groups = coalesceSpans(
    changed.map(({ entry }) => entry.span),
    { ...DEFAULT_COALESCE, alsoNeeded: source.size - centralDirectoryOffset },
  );
  const fetcher = new PrefetchingSource(source, groups, { ...DEFAULT_PREFETCH, maxGroupBytes: DEFAULT_COALESCE.maxGroupBytes });
  const notWritten = new NotWritten();
  /** The local files written so far (by device and inode), with the member that wrote each. */
  const written = new Map<string, { shown: string; crc32: number }>();
  try {
    for (const [index, group] of groups.entries()) {
      fetcher.start(index);
      for (const member of group.members) {
        const { entry, parts, target } = changed[member] as Change;
        options.signal?.throwIfAborted();
        const shown = showBytes(target);
        const place = await placeOf(root, parts, entry);
        if ("reason" in place) {
          notWritten.add(shown, place);
          continue;
        }
        const earlier = place.existing && written.get(fileId(place.existing));
        if (earlier) {
          if (earlier.crc32 === entry.crc32) result.unchanged += 1;
          else notWritten.add(shown, aside(`another result, ${earlier.shown}, was written to the same local file`));
          continue;
        }
        const seconds = dosDateTimeToUtcSeconds(entry.modified);
        try {
          if (entry.type === "directory") {
            if (!place.existing) await mkdir(place.path);
            await utimes(place.path, seconds, seconds);
          } else {
            const temporary = joinBytes(parentOf(place.path), [Buffer.from(partialName(token, temporaries++))]);
            await writeFile(fetcher, entry, place.path, temporary, place.existing, seconds, options);
            written.set(fileId(await lstat(place.path)), { shown, crc32: entry.crc32 });
          }
        } catch (error) {
          const directory = showBytes(parentOf(place.path));
          const problem = writeProblem(error, directory);
          if (problem === undefined) throw stopWriting(error, directory);
          notWritten.add(shown, problem);
          continue;
        }
        options.onExtract?.(shown, entry);
        result.extracted += 1;
      }
      fetcher.release(index);
    }
  } catch (error) {
    throw notWritten.after(error);
  }
  notWritten.throwIfAny();
  return result;
}

/** The results that could not be written, with why, for the one error at the end. */
class NotWritten {
  private readonly lines: string[] = [];
  private readonly hints = new Set<string>();

  add(shown: string, problem: WriteProblem): void {
    this.lines.push(`${shown} (${problem.reason})`);
    this.hints.add(problem.hint);
  }

  throwIfAny(): void {
    if (this.lines.length > 0) throw this.error();
  }

  /** A failure that stops the download, with what was not written before it. */
  after(error: unknown): unknown {
    if (this.lines.length === 0 || !(error instanceof UserError)) return error;
    const listed = this.error();
    return new IncompleteDownload(`${error.message}\n\n${listed.message}`, [error.hint, listed.hint].filter(Boolean).join("\n"));
  }

  private error(): IncompleteDownload {
    const shown = this.lines.slice(0, 10).map((line) => `    ${line}`);
    if (this.lines.length > 10) shown.push(`    ... and ${this.lines.length - 10} more`);
    const count = this.lines.length === 1 ? "One of the job's results was" : `${this.lines.length} of the job's results were`;
    return new IncompleteDownload(`${count} not downloaded:\n${shown.join("\n")}`, [...this.hints].join("\n"));
  }
}

/** Some results were not written (see the message); the others were. Another download can finish the job. */
export class IncompleteDownload extends UserError {}

/** A failure that stops the writing of results: a full disk; anything else is not expected. */
function stopWriting(error: unknown, directory: string): unknown {
  const failure = writeFailure(error, directory);
  return failure instanceof UserError ? new IncompleteDownload(failure.message, failure.hint) : failure;
}

/** A path in the way: a symlink leading out, a file where a directory goes... */
function aside(reason: string): WriteProblem {
  return { reason, hint: "Move those symlinks or conflicting paths aside." };
}

/** Device and inode: one local file, whatever the names leading to it. */
function fileId(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/** Whether the caller's record vouches for the local file (see ExtractOptions.knownUnchanged). */
function isUnchanged(target: Buffer, entry: ZipEntry, knownUnchanged: ExtractOptions["knownUnchanged"]): boolean {
  if (knownUnchanged === undefined || entry.type !== "file") return false;
  let stats;
  try {
    stats = statSync(target, { throwIfNoEntry: false });
  } catch {
    return false; // not a directory on the way, a loop...: read it as usual
  }
  return stats !== undefined && stats.isFile() && knownUnchanged(showBytes(target), stats.size, stats.mtimeMs, entry.crc32);
}

/**
 * The temporary files in the directories this archive writes to: a SIGKILL
 * (or a power cut) gives a download no chance to clean up. Only directories
 * that really are inside the build root are looked at.
 */
async function leftoversOf(root: Buffer, entries: readonly ZipEntry[]): Promise<Buffer[]> {
  const directories = new Map<string, Buffer>();
  for (const entry of entries) {
    const parts = memberParts(nameBytes(entry));
    if (parts === undefined || parts.length === 0) continue;
    const directory = joinBytes(root, parts.slice(0, -1));
    directories.set(directory.toString("latin1"), directory);
  }
  const found: Buffer[] = [];
  for (const directory of directories.values()) {
    const real = await realpath(directory, { encoding: "buffer" }).catch(() => undefined);
    if (real !== undefined && isWithin(root, real)) found.push(...(await partialsIn(real)));
  }
  return found;
}

/**
 * The local CRC-32 to compare with (C87): 0 for a directory, undefined when
 * missing or not a regular file (so it always differs). Symlinks are read
 * through, as by the CLI; only writing checks where they lead.
 */
export async function localCrc(path: PathLike): Promise<number | undefined> {
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

/** Where a member is written, and what is there now. */
interface Place {
  path: Buffer;
  existing: Stats | undefined;
}

/**
 * Where a member goes: each component between the build root and it is
 * checked, missing directories created, and symlinks followed when they lead
 * to a place inside the root. A string saying why when it cannot be written
 * there safely.
 */
async function placeOf(root: Buffer, parts: readonly Buffer[], entry: ZipEntry): Promise<Place | WriteProblem> {
  let directory = root;
  for (const part of parts.slice(0, -1)) {
    const path = joinBytes(directory, [part]);
    const stats = await lstat(path).catch(ignoreMissing);
    if (stats === undefined) {
      const problem = await makeDirectory(path);
      if (problem !== undefined) return problem;
    } else if (stats.isSymbolicLink()) {
      const real = await followInside(root, path);
      if (typeof real === "string") return aside(`${showBytes(path)} ${real}`);
      if (!(await stat(real)).isDirectory()) return aside(`${showBytes(path)} is not a directory`);
      directory = real;
      continue;
    } else if (!stats.isDirectory()) {
      return aside(`${showBytes(path)} is not a directory`);
    }
    directory = path;
  }
  let path = joinBytes(directory, parts.slice(-1));
  let existing = await lstat(path).catch(ignoreMissing);
  if (existing?.isSymbolicLink()) {
    const inside = await followInside(root, path);
    if (typeof inside === "string") return aside(`it ${inside}`);
    path = inside;
    existing = await lstat(path);
  }
  const conflict = describeConflict(entry, existing);
  return conflict === undefined ? { path, existing } : aside(conflict);
}

/** Creates a missing directory on the way; why not when that is not allowed here. */
async function makeDirectory(path: Buffer): Promise<WriteProblem | undefined> {
  try {
    await mkdir(path);
    return undefined;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined; // made meanwhile
    const parent = showBytes(parentOf(path));
    const problem = writeProblem(error, parent);
    if (problem === undefined) throw stopWriting(error, parent);
    return problem;
  }
}

/** The real path a symlink leads to when that is inside the root; else why not, as "is a symlink to ...". */
async function followInside(root: Buffer, link: Buffer): Promise<Buffer | string> {
  const real = await realpath(link, { encoding: "buffer" }).catch(ignoreMissing);
  if (real === undefined) return "is a symlink to nothing";
  return isWithin(root, real) ? real : "is a symlink to a place outside the build directory";
}

function describeConflict(entry: ZipEntry, existing: Stats | undefined): string | undefined {
  if (existing === undefined) return undefined;
  if (entry.type === "directory") return existing.isDirectory() ? undefined : "the job made it a directory";
  if (existing.isDirectory()) return "it is a directory locally";
  if (!existing.isFile()) return "it is not a regular file locally";
  return undefined;
}

async function writeFile(
  source: RangeSource,
  entry: ZipEntry,
  target: Buffer,
  temporary: Buffer,
  existing: Stats | undefined,
  seconds: number,
  options: ExtractOptions,
): Promise<void> {
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
    throw error;
  }
}

function openTemporary(path: PathLike, mode: number): Writable {
  // "wx": never open something that already exists under this name.
  return createWriteStream(path, { flags: "wx", mode });
}

/** For .catch(): undefined when the path does not exist, else rethrow. */
function ignoreMissing(error: unknown): undefined {
  const code = errorCode(error);
  if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
  throw error;
}
