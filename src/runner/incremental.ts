/**
 * Whether a re-run's upload can start with the previous run's archive (P6;
 * docs/performance.md#re-runs): the archive the last download read must still
 * be in S3 with the ETag and size recorded then (HeadObject), and readable;
 * its unchanged members (reusable-members.ts) are then copied inside S3 and
 * only the others sent (reuse-plan.ts). Anything else is a full upload, with
 * the reason the output gives.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { relocatedRecord } from "../archive/zip-records.js";
import { planReuse, type CopiedPart } from "../archive/reuse-plan.js";
import { reusableEntries } from "../archive/reusable-members.js";
import type { ZipMember } from "../archive/zip-member.js";
import { centralRecord, readZipDirectory, type ZipDirectory, type ZipEntry } from "../archive/zip-reader.js";
import type { RetryHooks } from "../aws/retry.js";
import { headObject, openObjectRanges, s3Url, type S3Location } from "../aws/s3.js";
import type { ArchiveRecord, FileFacts, SeenObject } from "../state/archive-records.js";

/** How the upload goes: everything sent, or the previous archive's unchanged members copied and the rest sent. */
export type UploadChoice = { kind: "full"; reason: string } | IncrementalUpload;

export interface IncrementalUpload {
  kind: "incremental";
  previous: SeenObject;
  /** Ranges of the previous archive copied, in order, as the first parts. */
  parts: CopiedPart[];
  copiedBytes: number;
  /** The members to write and send, in walk order. */
  send: ZipMember[];
  /** The copied members: each member with its CRC-32, and its central record at its new offset. */
  reused: { member: ZipMember; crc32: number; record: Buffer }[];
}

type ReadHooks = Pick<RetryHooks, "onRetry" | "signal">;

/** The previous run's archive as S3 holds it: as recorded, and its central directory with the records' bytes. */
export interface PreviousArchive {
  seen: SeenObject;
  directory: ZipDirectory;
}

/** The previous run's archive, as the record names it, if S3 still holds it unchanged; else why not. */
export async function openPrevious(s3: S3Client, record: ArchiveRecord | undefined, hooks: ReadHooks): Promise<PreviousArchive | string> {
  if (record === undefined) return "no earlier run of this directory is recorded";
  const seen = record.archive;
  if (seen === undefined) return "the results of the last run from this directory were not downloaded";
  const location: S3Location = { bucket: seen.bucket, key: seen.key };
  try {
    const head = await headObject(s3, location, hooks);
    if (head === undefined) return `the previous run's archive ${s3Url(location)} is gone`;
    if (head.etag !== seen.etag || head.size !== seen.size) return `the previous run's archive ${s3Url(location)} changed since its results were downloaded`;
    const source = await openObjectRanges(s3, location, hooks, head);
    return { seen, directory: await readZipDirectory(source, { keepCentral: true }) };
  } catch (error) {
    // Reusing it only saves work: anything in the way (a damaged archive, no access to it) means a full upload, unless the user stopped.
    if (hooks.signal?.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    return `the previous run's archive ${s3Url(location)} cannot be read (${detail})`;
  }
}

/** The upload of `members` given the previous archive: which members are copied, which sent. */
export async function chooseUpload(previous: PreviousArchive, members: readonly ZipMember[], facts: FileFacts): Promise<UploadChoice> {
  const { directory } = previous;
  const vouch = (member: ZipMember, crc32: number) => facts.vouches(member.name, member.size, member.mtime.getTime(), crc32);
  const reusable = await reusableEntries(directory.entries, members, vouch);
  const plan = planReuse(directory.entries, (entry: ZipEntry) => reusable.has(entry));
  if (plan.kind === "full") return plan;
  const reused = plan.reused.map(({ entry, offset }) => ({
    member: reusable.get(entry) as ZipMember,
    crc32: entry.crc32,
    record: relocatedRecord(centralRecord(directory, entry), offset),
  }));
  const copied = new Set(reused.map(({ member }) => member));
  return {
    kind: "incremental",
    previous: previous.seen,
    parts: plan.parts,
    copiedBytes: plan.copiedBytes,
    send: members.filter((member) => !copied.has(member)),
    reused,
  };
}
