/**
 * Job records: what the tool knows about each job it submitted, kept in the
 * user's state directory ($NEXTSTRAIN_HOME/jobs/<job-id>.json) so a job can be
 * re-attached from its id alone, listed, and found again after AWS Batch has
 * forgotten it (Batch keeps finished jobs a few days; results stay in S3 for
 * as long as the bucket's lifecycle rule allows).
 *
 * Records are written atomically (a temporary file, fsync, rename), so a
 * crash at any point leaves the old record or the new one, never a torn one;
 * files are 0600 and the directory 0700, since records name buckets and
 * commands. Each carries a schema version.
 */
import { chmod, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "./atomic.js";

export const RECORD_SCHEMA = 1;

export interface JobRecord {
  schema: typeof RECORD_SCHEMA;
  jobId: string;
  runId: string;
  /** The uploaded directory, where results are downloaded. */
  buildRoot: string;
  /** The directory the user named (inside the build root). */
  workingDir: string;
  /** The job's working directory in the container. */
  remoteWorkdir: string;
  bucket: string;
  archiveKey: string;
  region: string;
  queue: string;
  definition: string;
  image: string;
  command: string[];
  submittedAt: string;
  /** The last status seen. */
  status: string;
  statusReason?: string;
  exitCode?: number;
  /** When its container started (the last attempt's), as AWS Batch says; none while it waits. */
  startedAt?: string;
  updatedAt: string;
  /** Whether the results of the finished job have been downloaded (or there were none to download). */
  downloaded: boolean;
  /** When AWS Batch was first found not to know the job any more: it has ended. */
  forgottenAt?: string;
  /** What S3 says of the end of a forgotten job that was last seen unfinished (see src/runner/job-status.ts). */
  end?: JobEnd;
}

export type JobEnd = "results-uploaded" | "no-results";
const JOB_ENDS: readonly string[] = ["results-uploaded", "no-results"] satisfies JobEnd[];

/** Job ids become file names: Batch's are UUIDs; anything else is not looked up locally. */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function recordsDirectory(nextstrainHome: string): string {
  return join(nextstrainHome, "jobs");
}

const STRING_FIELDS = ["jobId", "runId", "buildRoot", "workingDir", "remoteWorkdir", "bucket", "archiveKey", "region", "queue", "definition", "image", "submittedAt", "status", "updatedAt"] as const;

/** A record from its JSON text; a string saying what is wrong when it is not one. */
export function parseRecord(text: string): JobRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const record = value as Record<string, unknown>;
  if (record.schema !== RECORD_SCHEMA) return `schema ${JSON.stringify(record.schema)} is not ${RECORD_SCHEMA} (written by another version?)`;
  for (const field of STRING_FIELDS) if (typeof record[field] !== "string") return `"${field}" is missing or not text`;
  if (!Array.isArray(record.command) || !record.command.every((part) => typeof part === "string")) return `"command" is not a list of text`;
  if (typeof record.downloaded !== "boolean") return `"downloaded" is not true or false`;
  if (record.exitCode !== undefined && !Number.isInteger(record.exitCode)) return `"exitCode" is not a whole number`;
  if (record.forgottenAt !== undefined && typeof record.forgottenAt !== "string") return `"forgottenAt" is not text`;
  if (record.startedAt !== undefined && typeof record.startedAt !== "string") return `"startedAt" is not text`;
  if (record.end !== undefined && !JOB_ENDS.includes(record.end as string)) return `"end" is not one of ${JOB_ENDS.join(", ")}`;
  return record as unknown as JobRecord;
}

export interface CorruptRecord {
  file: string;
  problem: string;
}

export class JobRecords {
  constructor(readonly directory: string) {}

  fileOf(jobId: string): string | undefined {
    return JOB_ID.test(jobId) ? join(this.directory, `${jobId}.json`) : undefined;
  }

  /** The record of a job, undefined when there is none; a UserError when it is unreadable. */
  async read(jobId: string): Promise<JobRecord | undefined> {
    const file = this.fileOf(jobId);
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      // ENOTDIR: a file stands where the folder should be, so no record can be there.
      if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return undefined;
      throw new UserError(`Cannot read the job record ${file}: ${(error as Error).message}.`, "Fix its permissions, or delete it.");
    }
    const record = parseRecord(text);
    if (typeof record === "string") {
      throw new UserError(`The job record ${file} is damaged: ${record}.`, `Delete it (rm ${file}); attaching with a build directory still works while AWS Batch knows the job.`);
    }
    return record;
  }

  /** Writes a record atomically, readable by its owner only. */
  async write(record: JobRecord): Promise<void> {
    const file = this.fileOf(record.jobId);
    if (!file) throw new UserError(`Cannot keep a record of job "${record.jobId}": that is not an AWS Batch job id.`);
    await mkdir(this.directory, { recursive: true, mode: 0o700 }).catch(async (error: NodeJS.ErrnoException) => {
      throw ["EEXIST", "ENOTDIR"].includes(error.code ?? "") ? await this.notAFolder() : error;
    });
    await chmod(this.directory, 0o700);
    await writeFileAtomic(file, JSON.stringify(record, null, 2) + "\n", 0o600);
  }

  async update(jobId: string, change: Partial<JobRecord>): Promise<JobRecord | undefined> {
    const record = await this.read(jobId);
    if (!record) return undefined;
    const updated = { ...record, ...change, updatedAt: new Date().toISOString() };
    await this.write(updated);
    return updated;
  }

  async remove(jobId: string): Promise<void> {
    const file = this.fileOf(jobId);
    if (file) await rm(file, { force: true });
  }

  /** The error for a records folder that cannot be one because a file is in the way. */
  private async notAFolder(): Promise<UserError> {
    const isFile = await stat(this.directory).then((stats) => !stats.isDirectory(), () => false);
    return isFile
      ? new UserError(
          `The job records folder ${this.directory} is a file, not a folder.`,
          `Move it away or delete it (rm ${this.directory}): job records are kept in that folder. NEXTSTRAIN_HOME chooses another place.`,
        )
      : new UserError(`The job records folder ${this.directory} cannot be made: a file is in its path.`, "Move that file away, or choose another place with NEXTSTRAIN_HOME.");
  }

  /** Every record, oldest first, and the files that could not be read as records. */
  async list(): Promise<{ records: JobRecord[]; corrupt: CorruptRecord[] }> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return { records: [], corrupt: [] };
      if (code === "ENOTDIR") throw await this.notAFolder();
      throw new UserError(`Cannot read the job records folder ${this.directory}: ${(error as Error).message}.`, "Fix its permissions.");
    }
    const records: JobRecord[] = [];
    const corrupt: CorruptRecord[] = [];
    for (const name of names.filter((entry) => entry.endsWith(".json") && !entry.startsWith("."))) {
      const file = join(this.directory, name);
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        corrupt.push({ file, problem: `unreadable (${(error as Error).message})` });
        continue;
      }
      const parsed = parseRecord(text);
      if (typeof parsed === "string") corrupt.push({ file, problem: parsed });
      else records.push(parsed);
    }
    records.sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
    return { records, corrupt };
  }
}
