/**
 * What this machine knows of a build directory's files and of its last
 * result archive in S3, kept beside the job records
 * ($NEXTSTRAIN_HOME/archives/<digest of the build root>.json, 0600, written
 * atomically, versioned), so the next run can upload only what changed (P6):
 *
 *  - the files as last uploaded or downloaded: member name, size, mtime and
 *    CRC-32. A file whose size and mtime still match is taken to hold that
 *    CRC-32 without being read, the quick check `zip -u` and rsync make; a
 *    file rewritten within the same millisecond at the same size escapes it.
 *  - the result archive the last download read: where it is, its ETag and
 *    size. The next upload copies members from it only while S3 still
 *    answers with that ETag and size.
 *
 * A record that cannot be read or written is ignored (the upload is then a
 * full one): it only ever saves work.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";

export const ARCHIVE_RECORD_SCHEMA = 1;

/** An S3 object as seen at a moment: where it is, and its ETag and size then. */
export interface SeenObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
}

/** One file: [member name, size, mtime in whole ms, CRC-32]. */
export type FileFact = [name: string, size: number, mtimeMs: number, crc32: number];

export interface ArchiveRecord {
  schema: typeof ARCHIVE_RECORD_SCHEMA;
  buildRoot: string;
  /** The result archive the last download read; none after an upload (its archive is the job's to change). */
  archive?: SeenObject;
  files: FileFact[];
  updatedAt: string;
}

export function archivesDirectory(nextstrainHome: string): string {
  return join(nextstrainHome, "archives");
}

/** The record of a build root's files: answers whether a file is known to hold a CRC-32. */
export class FileFacts {
  private readonly byName = new Map<string, FileFact>();

  constructor(facts: readonly FileFact[] = []) {
    for (const fact of facts) this.byName.set(fact[0], fact);
  }

  /** True when the record says a file of this name, size and mtime holds this CRC-32. */
  vouches(name: string, size: number, mtimeMs: number, crc32: number): boolean {
    const fact = this.byName.get(name);
    return fact !== undefined && fact[1] === size && fact[2] === Math.trunc(mtimeMs) && fact[3] === crc32;
  }

  add(name: string, size: number, mtimeMs: number, crc32: number): void {
    this.byName.set(name, [name, size, Math.trunc(mtimeMs), crc32]);
  }

  /** The fact of a name, if any. */
  get(name: string): FileFact | undefined {
    return this.byName.get(name);
  }

  /** Takes a fact as it is (one of another FileFacts: shared, not copied). */
  keep(fact: FileFact): void {
    this.byName.set(fact[0], fact);
  }

  list(): FileFact[] {
    return [...this.byName.values()];
  }
}

export class ArchiveRecords {
  constructor(readonly directory: string) {}

  fileOf(buildRoot: string): string {
    return join(this.directory, `${createHash("sha256").update(buildRoot).digest("hex").slice(0, 32)}.json`);
  }

  /** The record of a build root; undefined when there is none, or it cannot be read or is of another version. */
  async read(buildRoot: string): Promise<ArchiveRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(this.fileOf(buildRoot), "utf8")) as Partial<ArchiveRecord>;
      if (record.schema !== ARCHIVE_RECORD_SCHEMA || record.buildRoot !== buildRoot || !Array.isArray(record.files)) return undefined;
      return record as ArchiveRecord;
    } catch {
      return undefined;
    }
  }

  async write(buildRoot: string, files: FileFacts, archive?: SeenObject): Promise<void> {
    const record: ArchiveRecord = { schema: ARCHIVE_RECORD_SCHEMA, buildRoot, ...(archive ? { archive } : {}), files: files.list(), updatedAt: new Date().toISOString() };
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.fileOf(buildRoot), JSON.stringify(record) + "\n", 0o600);
  }
}
