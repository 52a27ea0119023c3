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
import { writeZip } from "../archive/zip-writer.js";
import { uploadStream, type S3Location, type UploadResult } from "../aws/s3.js";
import { liveHolder } from "../state/download-lock.js";
import type { Reporter } from "../ui/reporter.js";
import { envdMembers, type JobEnv } from "./environment.js";
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
  /** Told of each file uploaded, with its CRC-32: the place to keep a record that spares reading unchanged files at download. */
  onWritten?: (written: WrittenMember) => void;
  /** Told the id of the multipart upload once made: after an interruption, removing it is the caller's job. */
  onMultipart?: (uploadId: string) => void;
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

export async function uploadWorkdir(request: UploadRequest): Promise<UploadResult> {
  const { reporter, buildRoot } = request;
  const excluded = buildRootExcluder(buildRoot, request.excludeFromUpload);
  // The tool's own files are never uploaded; temporary files killed downloads left are removed afterwards.
  const ownFiles: string[] = [];
  const exclude: ExcludePredicate = (path, isDirectory) => {
    if (path === buildRoot || !isOwnFileName(basename(path))) return excluded(path, isDirectory);
    ownFiles.push(path);
    return true;
  };
  const progress = reporter.progress("Uploading");
  if (reporter.showsProgress) void totalSize(buildRoot, exclude).then((total) => progress.setTotal(total), () => undefined);

  const members = workdirMembers({
    buildRoot,
    exclude,
    overlays: request.overlays,
    onSkip: (path, reason) => reporter.warn(`Not uploading ${path}: ${SKIPPED[reason]}.`),
  });
  const archive = writeZip(members, {
    compression: uploadCompression,
    deflateLevel: UPLOAD_DEFLATE_LEVEL,
    onWritten: request.onWritten,
    onMember: (member: ZipMember) => reporter.file("zipping", member.path),
    onBytes: (bytes) => progress.advance(bytes),
  });
  try {
    const uploaded = await uploadStream(request.s3, request.target, archive, { signal: request.signal, onMultipart: request.onMultipart, onRetry: retryNotice(reporter, "S3") });
    await removeAbandonedPartials(ownFiles, (await liveHolder(buildRoot))?.token);
    return uploaded;
  } finally {
    archive.destroy();
    progress.done();
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
