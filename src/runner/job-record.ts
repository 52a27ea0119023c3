/**
 * Keeping a job's record during a run: made at submission by newJobRecord
 * and written there (locally and as
 * `<prefix><run-id>.json` next to the archive in S3), updated as the job's
 * status changes and once its results are downloaded, and looked up again by
 * `attach` (locally first, then in the bucket). A record that cannot be
 * written is a warning, never a failure: the job is already running.
 *
 * Also the `--job-info` file for scripts: job id, run id and status as JSON,
 * whose place is checked before anything is uploaded.
 */
import { constants } from "node:fs";
import { access, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { containerWorkingDir, type BuildRoot } from "../archive/build-root.js";
import type { JobState } from "../aws/job-state.js";
import { getText, keysEndingWith, putText } from "../aws/s3-objects.js";
import type { S3Location } from "../aws/s3.js";
import type { BucketLocation } from "../config/bucket.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../state/atomic.js";
import { parseRecord, RECORD_SCHEMA, type JobRecord, type JobRecords } from "../state/records.js";
import type { Reporter } from "../ui/reporter.js";

/** Where the S3 copy of a run's record lives: beside its archive. */
export function s3RecordLocation(record: Pick<JobRecord, "bucket" | "archiveKey">): S3Location {
  return { bucket: record.bucket, key: record.archiveKey.replace(/\.zip$/, ".json") };
}

/** What a new record is made of: the submitted job and where its archive and results are. */
export interface NewRecord {
  jobId: string;
  runId: string;
  location: BuildRoot;
  archive: S3Location;
  region: string;
  queue: string;
  definition: string;
  image: string;
  command: string[];
  /** The submission time, ISO 8601. */
  at: string;
}

/** The one place a job record is made, at submission. */
export function newJobRecord(job: NewRecord): JobRecord {
  return {
    schema: RECORD_SCHEMA,
    jobId: job.jobId,
    runId: job.runId,
    buildRoot: job.location.buildRoot,
    workingDir: job.location.workingDir,
    remoteWorkdir: containerWorkingDir(job.location),
    bucket: job.archive.bucket,
    archiveKey: job.archive.key,
    region: job.region,
    queue: job.queue,
    definition: job.definition,
    image: job.image,
    command: job.command,
    submittedAt: job.at,
    status: "SUBMITTED",
    updatedAt: job.at,
    downloaded: false,
  };
}

export async function saveNewRecord(record: JobRecord, records: JobRecords, s3: S3Client, reporter: Reporter): Promise<void> {
  const text = JSON.stringify(record, null, 2) + "\n";
  await Promise.all([
    records.write(record).catch((error: Error) => reporter.warn(`Could not keep a local record of job ${record.jobId}: ${error.message}`)),
    putText(s3, s3RecordLocation(record), text).catch((error: Error) => reporter.warn(`Could not store the record of job ${record.jobId} in S3: ${error.message}`)),
  ]);
}

/** A job's record and where it was found: this machine's records, or the bucket's copy (never written locally). */
export interface FoundRecord {
  record: JobRecord;
  local: boolean;
}

/**
 * The record of a job: the local one (`local`, already read by the caller),
 * else the one in the bucket (slower: it lists the bucket's records).
 */
export async function findRecord(jobId: string, local: JobRecord | undefined, s3: S3Client, bucket: BucketLocation): Promise<FoundRecord | undefined> {
  if (local) return { record: local, local: true };
  for await (const key of keysEndingWith(s3, bucket.bucket, bucket.prefix, ".json")) {
    const text = await getText(s3, { bucket: bucket.bucket, key });
    const record = text === undefined ? undefined : parseRecord(text);
    if (typeof record === "object" && record.jobId === jobId) return { record, local: false };
  }
  return undefined;
}

/**
 * Keeps the local record of a job up to date while it is followed: read once
 * (or made at submission), written when the job's status, reason or exit code
 * changes and once its results are downloaded. A job with no local record is
 * not given one; a record that cannot be read or written is one warning.
 */
export class RecordKeeper {
  private last = "";
  private warned = false;

  /** `local`: the job's local record, none, or the error reading it gave. */
  constructor(
    private readonly records: JobRecords,
    private readonly jobId: string,
    private local: JobRecord | Error | undefined,
    private readonly reporter: Reporter,
  ) {}

  /** The record as last written; undefined when the job has none here. */
  get record(): JobRecord | undefined {
    return this.local instanceof Error ? undefined : this.local;
  }

  async seen(job: JobState, extra: Partial<JobRecord> = {}): Promise<void> {
    await this.note({ ...recordedState(job), ...extra });
  }

  async note(change: Partial<JobRecord>): Promise<void> {
    const key = JSON.stringify(change);
    if (key === this.last || this.local === undefined) return;
    this.last = key;
    try {
      if (this.local instanceof Error) throw this.local;
      const updated: JobRecord = { ...this.local, ...change, updatedAt: new Date().toISOString() };
      await this.records.write(updated);
      this.local = updated;
    } catch (error) {
      if (this.warned) return;
      this.warned = true;
      this.reporter.warn(`Could not update the local record of job ${this.jobId}: ${(error as Error).message}`);
    }
  }
}

/** What a record keeps of a job's state as Batch describes it. */
export function recordedState(job: JobState): Partial<JobRecord> {
  const started = job.detail.startedAt;
  return { status: job.status, statusReason: job.reason, exitCode: job.exitCode, ...(started !== undefined && { startedAt: new Date(started).toISOString() }) };
}

/** The --job-info file for scripts: what a record says of the job, and the run's exit status once it ended. */
export type JobInfo = Pick<JobRecord, "jobId" | "status"> & Partial<Pick<JobRecord, "runId">> & { exitStatus?: number; archive: string };

/** The --job-info file: written at submission and again when the run ends. */
export async function writeJobInfo(path: string, info: JobInfo): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(info, null, 2) + "\n", 0o644);
  } catch (error) {
    throw new UserError(`Could not write the --job-info file ${path}: ${(error as Error).message}.`, JOB_INFO_HINT);
  }
}

const JOB_INFO_HINT = "Give --job-info the path of a file that can be written (a missing directory is made).";

/** Refuses, before anything is uploaded, a --job-info place that cannot be written. */
export async function checkJobInfoPath(path: string): Promise<void> {
  const problem = await unwritable(path);
  if (problem !== undefined) throw new UserError(`--job-info ${path} ${problem}.`, JOB_INFO_HINT);
}

/**
 * Why a file cannot be written at `path`, or undefined. The file is replaced
 * by renaming a new one over it, and missing directories are made, so what
 * must be writable is the nearest directory that exists.
 */
async function unwritable(path: string): Promise<string | undefined> {
  if ((await stat(path).catch(() => undefined))?.isDirectory()) return "is a directory, not a file";
  let directory = dirname(path);
  for (;;) {
    const found = await stat(directory).catch((error: NodeJS.ErrnoException) => error);
    if (!(found instanceof Error)) {
      if (!found.isDirectory()) return `cannot be written: ${directory} is not a directory`;
      break;
    }
    // ENOENT: made when written; ENOTDIR: a file further up, found on the way.
    if ((found.code !== "ENOENT" && found.code !== "ENOTDIR") || dirname(directory) === directory) return `cannot be written: ${found.message}`;
    directory = dirname(directory);
  }
  try {
    await access(directory, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `cannot be written: ${code === "EROFS" ? `${directory} is on a read-only file system` : `no permission to write in ${directory}`}`;
  }
}
