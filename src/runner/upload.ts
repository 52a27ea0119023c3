/**
 * Uploading the build directory: walk the build root with the exclusion
 * rules, write the ZIP as a stream (deflating what compresses on every core),
 * and stream it into S3 (no temporary file), several parts at once. Per-file `zipping:` lines in plain output; on a terminal one progress
 * line whose total comes from a quick parallel walk that only sums sizes.
 *
 * Deliberate deviations: the build root itself is never excluded (the
 * Nextstrain CLI uploads an empty archive when the root's own name looks like
 * `environment*` or `*.pyc`); members are deflated unless already compressed
 * (the CLI stores them all; the job's `unzip` reads both).
 */
import { realpathSync } from "node:fs";
import { basename } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { uploadCompression, UPLOAD_DEFLATE_LEVEL } from "../archive/compression.js";
import { isOwnFileName, removeAbandonedPartials } from "../archive/own-files.js";
import { uploadExcluder } from "../archive/patterns.js";
import { walkTree, type ExcludePredicate, type SkipReason } from "../archive/walk.js";
import { workdirMembers, type OverlayVolume } from "../archive/workdir-archive.js";
import type { WrittenMember, ZipMember } from "../archive/zip-member.js";
import { writeZip, type ZipWriterOptions } from "../archive/zip-writer.js";
import { CopyFailed, type CopiedParts } from "../aws/s3-copy.js";
import { uploadStream, type S3Location, type UploadResult } from "../aws/s3.js";
import { FileFacts, type ArchiveRecords } from "../state/archive-records.js";
import { liveHolder } from "../state/download-lock.js";
import type { Reporter } from "../ui/reporter.js";
import { formatBytes } from "../ui/units.js";
import { envdMembers, type JobEnv } from "./environment.js";
import { chooseUpload, openPrevious, type UploadChoice } from "./incremental.js";
import { retryNotice } from "./notices.js";

export interface UploadRequest {
  s3: S3Client;
  buildRoot: string;
  excludeFromUpload: readonly string[];
  target: S3Location;
  /** Development overlays, stored under `../<name>/`. */
  overlays: readonly OverlayVolume[];
  reporter: Reporter;
  signal?: AbortSignal;
  /** Told the id of the multipart upload once made: after an interruption, removing it is the caller's job. */
  onMultipart?: (uploadId: string) => void;
  /** Where the record of each build directory's files and last result archive is kept; without it, every upload is a full one. */
  archives?: ArchiveRecords;
  /** Send everything even when the previous run's archive could be reused (--full-upload). */
  fullUpload?: boolean;
}

/** What was uploaded: bytes sent and copied, and which way. */
export interface UploadOutcome extends UploadResult {
  /** The reason for a full upload; undefined when members were copied from the previous run's archive. */
  full?: string;
}

const SKIPPED: Record<SkipReason, string> = {
  fifo: "it is a named pipe (FIFO)",
  socket: "it is a socket",
  device: "it is a device",
  "dangling-symlink": "it is a symlink to nothing",
  "symlink-loop": "it is a symlink to one of its own parent directories",
  "undecodable-name": "its name is not valid UTF-8; rename it to upload it",
  vanished: "it disappeared while the directory was read",
};

export function buildRootExcluder(buildRoot: string, patterns: readonly string[]): ExcludePredicate {
  const excluded = uploadExcluder(patterns, buildRoot, realpathSync);
  return (path, isDirectory) => path !== buildRoot && excluded(path, isDirectory);
}

/**
 * Uploads the build directory: a full upload streams the walk into the
 * archive as it goes; when the previous run's archive may be reused, the
 * walk is read first, then only what changed is written and sent
 * (incremental.ts). The record of what was uploaded is kept afterwards.
 */
export async function uploadWorkdir(request: UploadRequest): Promise<UploadOutcome> {
  const { reporter, buildRoot } = request;
  const excluded = buildRootExcluder(buildRoot, request.excludeFromUpload);
  // The tool's own files are never uploaded; temporary files killed downloads left are removed afterwards.
  const ownFiles: string[] = [];
  const exclude: ExcludePredicate = (path, isDirectory) => {
    if (path === buildRoot || !isOwnFileName(basename(path))) return excluded(path, isDirectory);
    ownFiles.push(path);
    return true;
  };
  const onSkip = (path: string, reason: SkipReason) => reporter.warn(`Not uploading ${path}: ${SKIPPED[reason]}.`);
  const members = workdirMembers({ buildRoot, exclude, overlays: request.overlays, onSkip });
  const record = request.fullUpload ? undefined : await request.archives?.read(buildRoot);
  const upload = new WorkdirUpload(request, exclude, new FileFacts());
  let outcome: UploadOutcome;
  if (request.fullUpload) outcome = await upload.full(members, "--full-upload");
  else {
    const previous = await openPrevious(request.s3, record, { onRetry: retryNotice(reporter, "S3"), signal: request.signal });
    if (typeof previous === "string") outcome = await upload.full(members, previous);
    else {
      const walked: ZipMember[] = [];
      for await (const member of members) walked.push(member);
      outcome = await upload.choosing(await chooseUpload(previous, walked, new FileFacts(record?.files)), walked);
    }
  }
  await removeAbandonedPartials(ownFiles, (await liveHolder(buildRoot))?.token);
  // The record only ever saves work: one that cannot be kept is no failure.
  await request.archives?.write(buildRoot, upload.facts).catch(() => undefined);
  reporter.line(uploadSummary(outcome));
  return outcome;
}

/** The line after an upload: which way it went, bytes sent and copied. */
export function uploadSummary(outcome: UploadOutcome): string {
  if (outcome.full !== undefined) return `Full upload, ${formatBytes(outcome.bytes)} sent (${outcome.full}).`;
  return `Incremental upload, ${formatBytes(outcome.bytes)} sent and ${formatBytes(outcome.copied)} copied inside S3 from the previous run's archive.`;
}

/** One upload of the build directory: the archive written and sent, the files' facts noted for the record. */
class WorkdirUpload {
  constructor(
    private readonly request: UploadRequest,
    private readonly exclude: ExcludePredicate,
    readonly facts: FileFacts,
  ) {}

  /** Everything written and sent. */
  async full(members: AsyncIterable<ZipMember>, reason: string, total?: number): Promise<UploadOutcome> {
    return { ...(await this.send(members, total)), full: reason };
  }

  /** The chosen upload, falling back to a full one when the previous archive changes or vanishes while it is copied. */
  async choosing(choice: UploadChoice, walked: ZipMember[]): Promise<UploadOutcome> {
    const total = walked.reduce((sum, member) => sum + member.size, 0);
    if (choice.kind === "full") return this.full(toAsync(walked), choice.reason, total);
    const { previous, reused, send } = choice;
    const records = reused.map(({ record }) => record);
    const copyFirst = { source: { bucket: previous.bucket, key: previous.key }, etag: previous.etag, ranges: choice.parts };
    try {
      const result = await this.send(toAsync(send), total - reused.reduce((sum, { member }) => sum + member.size, 0), { copyFirst, continues: { offset: choice.copiedBytes, records } });
      for (const { member, crc32 } of reused) this.facts.add(member.name, member.size, member.mtime.getTime(), crc32);
      return result;
    } catch (error) {
      if (!(error instanceof CopyFailed)) throw error;
      const reason = ["changed", "vanished"].includes(error.why) ? `the previous run's archive ${error.why} while it was copied` : `copying from the previous run's archive failed: ${error.why}`;
      return this.full(toAsync(walked), reason, total);
    }
  }

  private async send(members: AsyncIterable<ZipMember>, total?: number, reuse?: { copyFirst: CopiedParts; continues: ZipWriterOptions["continues"] }): Promise<UploadResult> {
    const { request } = this;
    const { reporter } = request;
    const progress = reporter.progress("Uploading");
    if (total !== undefined) progress.setTotal(total);
    else if (reporter.showsProgress) void totalSize(request.buildRoot, this.exclude).then((bytes) => progress.setTotal(bytes), () => undefined);
    const archive = writeZip(members, {
      compression: uploadCompression,
      deflateLevel: UPLOAD_DEFLATE_LEVEL,
      onWritten: (written: WrittenMember) => this.facts.add(written.member.name, written.size, written.member.mtime.getTime(), written.crc32),
      onMember: (member: ZipMember) => reporter.file("zipping", member.path),
      onBytes: (bytes) => progress.advance(bytes),
      continues: reuse?.continues,
    });
    try {
      const options = { signal: request.signal, onMultipart: request.onMultipart, onRetry: retryNotice(reporter, "S3"), copyFirst: reuse?.copyFirst };
      return await uploadStream(request.s3, request.target, archive, options);
    } finally {
      archive.destroy();
      progress.done();
    }
  }
}

/** The env.d archive (C58, C59): one 0600 member per variable, written from memory. */
export async function uploadEnvd(s3: S3Client, target: S3Location, env: JobEnv, reporter: Reporter, signal?: AbortSignal): Promise<void> {
  const now = new Date();
  const members = envdMembers(env).map(
    ({ name, data }): ZipMember => ({ name, path: name, data, isDirectory: false, size: data.length, mode: 0o600, mtime: now }),
  );
  await uploadStream(s3, target, writeZip(toAsync(members)), { signal, onRetry: retryNotice(reporter, "S3") });
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

async function totalSize(root: string, exclude: ExcludePredicate): Promise<number> {
  let total = 0;
  for await (const entry of walkTree(root, { exclude })) if (!entry.isDirectory) total += entry.size;
  return total;
}
