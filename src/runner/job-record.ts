/**
 * Keeping a job's record during a run: written at submission (locally and as
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
import type { JobState } from "../aws/job-state.js";
import { getText, keysEndingWith, putText } from "../aws/s3-objects.js";
import type { S3Location } from "../aws/s3.js";
import type { BucketLocation } from "../config/bucket.js";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../state/atomic.js";
import { parseRecord, type JobRecord, type JobRecords } from "../state/records.js";
import type { Reporter } from "../ui/reporter.js";

/** Where the S3 copy of a run's record lives: beside its archive. */
export function s3RecordLocation(record: Pick<JobRecord, "bucket" | "archiveKey">): S3Location {
  return { bucket: record.bucket, key: record.archiveKey.replace(/\.zip$/, ".json") };
}

export async function saveNewRecord(record: JobRecord, records: JobRecords, s3: S3Client, reporter: Reporter): Promise<void> {
  const text = JSON.stringify(record, null, 2) + "\n";
  await Promise.all([
    records.write(record).catch((error: Error) => reporter.warn(`Could not keep a local record of job ${record.jobId}: ${error.message}`)),
    putText(s3, s3RecordLocation(record), text).catch((error: Error) => reporter.warn(`Could not store the record of job ${record.jobId} in S3: ${error.message}`)),
  ]);
}

/** The record of a job: the local one, else the one in the bucket (slower: it lists the bucket's records). */
export async function findRecord(jobId: string, records: JobRecords, s3: S3Client, bucket: BucketLocation): Promise<JobRecord | undefined> {
  const local = await records.read(jobId);
  if (local) return local;
  for await (const key of keysEndingWith(s3, bucket.bucket, bucket.prefix, ".json")) {
    const text = await getText(s3, { bucket: bucket.bucket, key });
    const record = text === undefined ? undefined : parseRecord(text);
    if (typeof record === "object" && record.jobId === jobId) return record;
  }
  return undefined;
}

/** Updates the local record when the job's status (or reason, or exit code) changes. */
export class RecordKeeper {
  private last = "";
  private warned = false;

  constructor(
    private readonly records: JobRecords,
    private readonly jobId: string,
    private readonly reporter: Reporter,
  ) {}

  async seen(job: JobState, extra: Partial<JobRecord> = {}): Promise<void> {
    const change: Partial<JobRecord> = { status: job.status, statusReason: job.reason, exitCode: job.exitCode, ...extra };
    const key = JSON.stringify(change);
    if (key === this.last) return;
    this.last = key;
    await this.records.update(this.jobId, change).catch((error: Error) => {
      if (this.warned) return;
      this.warned = true;
      this.reporter.warn(`Could not update the local record of job ${this.jobId}: ${error.message}`);
    });
  }
}

export interface JobInfo {
  jobId: string;
  runId?: string;
  status: string;
  exitStatus?: number;
  archive: string;
}

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
