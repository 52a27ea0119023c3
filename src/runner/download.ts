/**
 * Downloading the job's results (C83-C89, C112, C118):
 * read the result archive's central directory with ranged GETs, then fetch
 * and write only the members the patterns select whose CRC-32 differs from
 * the local file. Each file is written to a temporary name and renamed, so an
 * interruption leaves every file old or new, never half-written (R3).
 *
 * One download at a time writes into a build directory: once there is
 * something to write, this one takes the directory's lock
 * (src/state/download-lock.ts), and a second one waits, saying so. SIGINT and SIGTERM stop the download (exit 130 or 143) with the
 * command that finishes it, as does any failure to write some results.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { setMaxListeners } from "node:events";
import { statSync } from "node:fs";
import { relative, sep } from "node:path";
import { downloadVerdict } from "../archive/exclusions.js";
import { extractChanged, type ExtractResult } from "../archive/extract.js";
import { IncompleteDownload } from "../archive/not-written.js";
import { downloadSelector, type DownloadSpec } from "../archive/patterns.js";
import { readZipDirectory, ZipFormatError, type RangeSource, type ZipDirectory, type ZipEntry } from "../archive/zip-reader.js";
import type { GetMeter } from "../archive/download-plan.js";
import type { FetchReport } from "../archive/fetch-members.js";
import { openObjectRanges, openObjectStream, s3Url, type ObjectHead, type S3Location } from "../aws/s3.js";
import { FileFacts, type ArchiveRecord, type ArchiveRecords } from "../state/archive-records.js";
import { ErrorWithNote, Interrupted, UserError } from "../errors.js";
import { lockBuildDirectory, type DownloadLock } from "../state/download-lock.js";
import type { Reporter } from "../ui/reporter.js";
import { formatBytes } from "../ui/units.js";
import { stopOnSignals, type SignalSource } from "./control.js";
import { finishDownloadCommand } from "./messages.js";
import { retryNotice } from "./notices.js";

export interface DownloadRequest {
  s3: S3Client;
  workdir: S3Location;
  buildRoot: string;
  /** Everything, or the ordered --download / --exclude-from-download patterns. */
  spec: DownloadSpec;
  reporter: Reporter;
  /** The job whose results these are: named in the command that finishes an interrupted download. */
  jobId: string;
  /** SIGINT and SIGTERM stop the download. */
  signals: SignalSource;
  /** Also stops the download (the user detached); its reason is thrown. */
  signal?: AbortSignal;
  /** Where the record of the build directory's files is kept: it spares reading files known unchanged, and is renewed afterwards. */
  archives?: ArchiveRecords;
}

export async function downloadResults(request: DownloadRequest): Promise<ExtractResult> {
  const { reporter, buildRoot, spec } = request;
  if (spec === true) {
    reporter.stage(`Downloading all files modified by job to ${buildRoot}`);
  } else {
    reporter.stage(`Downloading select files modified by job to ${buildRoot}`);
    for (const pattern of spec) reporter.line(`  - ${pattern}`);
  }
  const selected = downloadSelector(spec);
  const finish = ["Finish the download (what was written is not fetched again) with:", "", `    ${finishDownloadCommand(request.jobId, buildRoot, spec)}`];
  const interrupted = (status: number) =>
    new ErrorWithNote(new Interrupted(status, "Interrupted: the download was stopped. The files it wrote are whole; the others were left as they were."), finish);
  return stopOnSignals(request.signals, interrupted, async (signal) => {
    // Every GET in flight (16) and every file being written (8) listens for it.
    setMaxListeners(64, signal);
    // The archive is read before the lock is taken: a missing or damaged one touches nothing.
    const { source, directory } = await openArchive(request, signal);
    const record = new DownloadRecord(buildRoot, await request.archives?.read(buildRoot));
    let lock: DownloadLock | undefined;
    const takeLock = async (): Promise<string | undefined> => {
      lock = await lockBuildDirectory(buildRoot, {
        signal,
        onWait: (holder, file) =>
          reporter.line(
            `Waiting for another download into ${buildRoot} to finish (process ${holder.pid} on ${holder.host}, since ${holder.since}).\n` +
              `If no download into it is running, remove ${file}.`,
          ),
      });
      if (!lock.locked) reporter.warn(`Could not lock ${buildRoot} against other downloads into it (it is not writable); downloading all the same.`);
      return lock.locked ? lock.token : undefined;
    };
    const progress = reporter.progress("Downloading");
    try {
      const result = await extractChanged(source, {
        buildRoot,
        directory,
        wanted: (name) => downloadVerdict(name, selected) === "extract",
        onExtract: (path) => reporter.file("unzipping", path),
        onBytes: (bytes) => progress.advance(bytes),
        signal,
        lock: takeLock,
        knownUnchanged: record.knownUnchanged,
        onMatched: record.matched,
        meter: source.meter,
        stream: openObjectStream(request.s3, request.workdir, source, { onRetry: retryNotice(reporter, "S3"), signal }),
      });
      if (result.fetch) reportPlan(reporter, result.fetch);
      // The record only ever saves work: one that cannot be kept is no failure.
      if (source.etag !== undefined) await request.archives?.write(buildRoot, record.facts, { ...request.workdir, etag: source.etag, size: source.size }).catch(() => undefined);
      return result;
    } catch (error) {
      if (!(error instanceof IncompleteDownload) || signal.aborted) throw damaged(error, request.workdir);
      throw new ErrorWithNote(error, finish);
    } finally {
      progress.done();
      await lock?.release();
    }
  }, request.signal);
}

/** Which plan fetched the changed members, and what it fetched, for people and for --json. */
function reportPlan(reporter: Reporter, fetch: FetchReport): void {
  const { plan, switchedAt, rangedGets, rangedBytes, streamedBytes } = fetch;
  const ranged = `${rangedGets} ranged GET${rangedGets === 1 ? "" : "s"} (${formatBytes(rangedBytes)})`;
  const streamed = `one streaming GET (${formatBytes(streamedBytes)})`;
  const line =
    plan === "ranged" ? `Fetched the changed files with ${ranged}.`
    : switchedAt === undefined ? `Fetched the changed files with ${streamed}.`
    : `Fetched the changed files with ${ranged}, then, as those were slow, ${streamed}.`;
  reporter.emit({ type: "download-plan", plan, rangedGets, rangedBytes, streamedBytes, ...(switchedAt === undefined ? {} : { switched: true }) }, { line });
}

/** What the build directory's record says of its files, and what this download learns of them. */
class DownloadRecord {
  private readonly known: FileFacts;
  readonly facts = new FileFacts();

  constructor(
    private readonly buildRoot: string,
    record: ArchiveRecord | undefined,
  ) {
    this.known = new FileFacts(record?.files);
  }

  /**
   * What the record knows of a file at this size and mtime: the CRC-32 it
   * holds, so unchanged or changed without reading it. One it vouches for
   * keeps its fact, shared rather than copied (100,000 files make that count).
   */
  readonly knownUnchanged = (absPath: string, size: number, mtimeMs: number, crc32: number): boolean | "changed" => {
    const name = memberName(this.buildRoot, absPath);
    const fact = this.known.get(name);
    if (fact === undefined || !this.known.vouches(name, size, mtimeMs, fact[3])) return false;
    if (fact[3] !== crc32) return "changed";
    this.facts.keep(fact);
    return true;
  };

  readonly matched = (entry: ZipEntry, localPath: string): void => {
    if (this.facts.get(entry.name)?.[3] === entry.crc32) return; // vouched for just now
    const stats = statSync(localPath, { throwIfNoEntry: false });
    if (stats?.isFile()) this.facts.add(entry.name, stats.size, stats.mtimeMs, entry.crc32);
  };
}

/** The member name a local path inside the build root has. */
function memberName(buildRoot: string, absPath: string): string {
  // The paths come from joining the root and the member's parts: cut the root off (relative() costs more, 100,000 times).
  if (sep === "/" && absPath.startsWith(buildRoot) && absPath[buildRoot.length] === "/") return absPath.slice(buildRoot.length + 1);
  return relative(buildRoot, absPath).split(sep).join("/");
}

async function openArchive(request: DownloadRequest, signal: AbortSignal): Promise<{ source: RangeSource & ObjectHead & { meter: GetMeter }; directory: ZipDirectory }> {
  const source = await openObjectRanges(request.s3, request.workdir, { onRetry: retryNotice(request.reporter, "S3"), signal });
  try {
    return { source, directory: await readZipDirectory(source) };
  } catch (error) {
    throw damaged(error, request.workdir);
  }
}

/** A damaged archive as a UserError that says so; other errors as they are. */
function damaged(error: unknown, workdir: S3Location): unknown {
  if (!(error instanceof ZipFormatError)) return error;
  return new UserError(
    `The job's results archive ${s3Url(workdir)} is damaged: ${error.message}`,
    "The job may have failed while uploading its results; its logs (attach with --no-download) say more.",
  );
}
