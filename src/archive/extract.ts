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
 *
 * Parts of it live beside it: the comparison with the local file in
 * local-crc.ts, where a member goes in result-place.ts, and the list of what
 * could not be written in not-written.ts.
 */
import { createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, realpath, rename, rm, utimes } from "node:fs/promises";
import type { PathLike, Stats } from "node:fs";
import { randomBytes } from "node:crypto";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isWithin, joinBytes, memberParts, parentOf, showBytes } from "./byte-paths.js";
import { dosDateTimeToUtcSeconds } from "./dos-time.js";
import { writeProblem } from "./fs-errors.js";
import { coalesceSpans, DEFAULT_COALESCE } from "./fetch-plan.js";
import { fetchMembers, type FetchOptions, type FetchReport } from "./fetch-members.js";
import { localCrc, recordSays, type KnownUnchanged } from "./local-crc.js";
import { aside, NotWritten, stopWriting } from "./not-written.js";
import { partialName, partialsIn, removeAbandonedPartials } from "./own-files.js";
import { placeOf, type Place } from "./result-place.js";
import type { WriteProblem } from "./fs-errors.js";
import { nameBytes, openEntry, readZipDirectory, type RangeSource, type ZipDirectory, type ZipEntry } from "./zip-reader.js";

export interface ExtractOptions extends Omit<FetchOptions, "signal"> {
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
   * kept at upload), "changed" when it is known to hold others: it is then
   * not read to compare. Without it, or when it answers false, the file is read.
   */
  knownUnchanged?: KnownUnchanged;
  /** Told of each wanted file member that the local file now holds: left alone as unchanged, or written. */
  onMatched?: (entry: ZipEntry, localPath: string) => void;
}

export interface ExtractResult {
  /** Members written (files and directories). */
  extracted: number;
  /** Members left alone because the local copy has the same CRC-32. */
  unchanged: number;
  /** How the changed members were fetched, when there were any. */
  fetch?: FetchReport;
}

/**
 * Write into `buildRoot` every wanted member that differs from the local copy.
 * First every member is compared with its local file; then the ones that
 * differ are fetched (coalesced ranges, several at once, ahead of the
 * writing, or one streaming read: fetch-members.ts) and written, several at
 * once, each through its own temporary file.
 */
export async function extractChanged(source: RangeSource, options: ExtractOptions): Promise<ExtractResult> {
  const { entries, centralDirectoryOffset } = options.directory ?? (await readZipDirectory(source));
  const root = Buffer.from(options.buildRoot);
  const result: ExtractResult = { extracted: 0, unchanged: 0 };
  const changed = await changesOf(root, entries, options, result);

  const leftovers = await leftoversOf(root, entries);
  if (changed.length === 0 && leftovers.length === 0) return result;
  const lockToken = await options.lock?.();
  // Under the lock, every other download's temporary file is a dead one's.
  if (lockToken !== undefined) await removeAbandonedPartials(leftovers, lockToken);
  const writer = new ResultWriter(root, lockToken ?? randomBytes(4).toString("hex"), options, result);

  const groups = coalesceSpans(
    changed.map((entry) => entry.span),
    { ...DEFAULT_COALESCE, alsoNeeded: source.size - centralDirectoryOffset },
  );
  try {
    result.fetch = await fetchMembers(source, groups, changed, (from, entry) => writer.write(from, entry), { ...options, signal: options.signal });
    await writer.announced;
  } catch (error) {
    throw writer.notWritten.after(error);
  }
  writer.notWritten.throwIfAny();
  return result;
}

/** The wanted members that differ from their local files, in archive order; the others are counted as unchanged. */
async function changesOf(root: Buffer, entries: readonly ZipEntry[], options: ExtractOptions, result: ExtractResult): Promise<ZipEntry[]> {
  const changed: ZipEntry[] = [];
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    const parts = memberParts(nameBytes(entry));
    if (parts === undefined || parts.length === 0 || entry.type === "symlink" || !options.wanted(entry.name)) continue;
    const target = joinBytes(root, parts);
    const known = recordSays(target, entry, options.knownUnchanged);
    if (known === "unchanged" || (known === undefined && (await localCrc(target)) === entry.crc32)) {
      result.unchanged += 1;
      if (entry.type === "file") options.onMatched?.(entry, showBytes(target));
      continue;
    }
    changed.push(entry);
  }
  return changed.sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
}

/**
 * Writes the changed members, several at once, each through a temporary
 * file named after `token`. Where each goes is settled in archive order
 * (the lookups themselves run at once): of two members bound for one place,
 * the later waits for the earlier, then sees its file as one this download
 * wrote. Written members are announced in archive order too.
 */
class ResultWriter {
  readonly notWritten = new NotWritten();
  /** The local files written so far (by device and inode), with the member that wrote each. */
  private readonly written = new Map<string, { shown: string; crc32: number }>();
  /** The places being written now (case folded: a file system may fold case), and when each is done. */
  private readonly writing = new Map<string, Promise<void>>();
  /** The last member's turn to claim its place, and to be announced. */
  private placed: Promise<unknown> = Promise.resolve();
  announced: Promise<unknown> = Promise.resolve();
  private temporaries = 0;

  constructor(
    private readonly root: Buffer,
    private readonly token: string,
    private readonly options: ExtractOptions,
    private readonly result: ExtractResult,
  ) {}

  async write(source: RangeSource, entry: ZipEntry): Promise<void> {
    this.options.signal?.throwIfAborted();
    // Names were checked by changesOf.
    const parts = memberParts(nameBytes(entry)) as Buffer[];
    const shown = showBytes(joinBytes(this.root, parts));
    let done = (): void => {};
    const mine = new Promise<void>((resolve) => (done = resolve));
    const placing = placeOf(this.root, parts, entry);
    placing.catch(ignore); // awaited at its turn, which may come after it failed
    const claim = this.placed.then(async () => this.claim(await placing, mine));
    this.placed = claim.catch(ignore);
    const writing = claim.then(async ({ place, earlier }) => {
      const current = earlier ? await earlier.then(() => placeOf(this.root, parts, entry)) : place;
      if ("reason" in current) return this.notWritten.add(shown, current);
      return this.writeAt(source, entry, current, shown);
    });
    const announce = Promise.all([this.announced, writing]).then(([, written]) => {
      if (written !== true) return;
      this.options.onExtract?.(shown, entry);
      this.result.extracted += 1;
    });
    this.announced = announce.catch(ignore);
    try {
      await writing;
    } finally {
      done();
      void claim.then(({ key }) => key !== undefined && this.writing.get(key) === mine && this.writing.delete(key), ignore);
    }
  }

  /** Takes the place for this member; answers the member writing there before it, if any. */
  private claim(place: Place | WriteProblem, mine: Promise<void>): { place: Place | WriteProblem; key?: string; earlier?: Promise<void> } {
    if ("reason" in place) return { place };
    const key = place.path.toString("latin1").toLowerCase();
    const earlier = this.writing.get(key);
    this.writing.set(key, mine);
    return { place, key, earlier };
  }

  /** Writes the member at its place; true when it was written (and is to be announced). */
  private async writeAt(source: RangeSource, entry: ZipEntry, place: Place, shown: string): Promise<boolean> {
    const { options, result } = this;
    const earlier = place.existing && this.written.get(fileId(place.existing));
    if (earlier) {
      if (earlier.crc32 === entry.crc32) result.unchanged += 1;
      else this.notWritten.add(shown, aside(`another result, ${earlier.shown}, was written to the same local file`));
      return false;
    }
    const seconds = dosDateTimeToUtcSeconds(entry.modified);
    try {
      if (entry.type === "directory") {
        // A member inside it, written at the same time, may have made it already.
        if (!place.existing) await mkdir(place.path, { recursive: true });
        await utimes(place.path, seconds, seconds);
      } else {
        const temporary = joinBytes(parentOf(place.path), [Buffer.from(partialName(this.token, this.temporaries++))]);
        await writeFile(source, entry, place.path, temporary, place.existing, seconds, options);
        this.written.set(fileId(await lstat(place.path)), { shown, crc32: entry.crc32 });
        options.onMatched?.(entry, shown);
      }
    } catch (error) {
      const directory = showBytes(parentOf(place.path));
      const problem = writeProblem(error, directory);
      if (problem === undefined) throw stopWriting(error, directory);
      this.notWritten.add(shown, problem);
      return false;
    }
    return true;
  }
}

const ignore = (): void => undefined;

/** Device and inode: one local file, whatever the names leading to it. */
function fileId(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
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
