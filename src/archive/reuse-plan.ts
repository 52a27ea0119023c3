/**
 * Which byte ranges of the previous run's archive a new archive can start
 * with, copied inside S3 (UploadPartCopy) rather than sent (P6;
 * docs/performance.md#re-runs).
 *
 * A member of the previous archive is reusable when the same file is still
 * there, unchanged (the caller decides: reusable-members.ts). The ranges
 * copied are runs of such members' spans; two runs closer than one part's
 * minimum are joined, the bytes between them (members that changed or are no
 * longer wanted) staying in the object as dead bytes that no central record
 * points at. Each copied part but the last of an upload must be at least
 * 5 MiB, at most 5 GiB, and an upload has at most 10,000 parts
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html); the
 * last part is always the one sent, so every copied range must reach the
 * minimum: a shorter run is not copied, its members are sent again. When
 * nothing is left to copy, or the dead bytes would be more than half of what
 * is copied, the plan is a full upload, with why.
 *
 * The new archive is the copied ranges one after the other, then the members
 * sent and the new central directory; a reused member's new offset is where
 * its range landed plus its place in that range.
 */
import { LOCAL_HEADER_SIZE } from "./zip-format.js";
import { nameBytes, type ZipEntry } from "./zip-reader.js";

export interface PartLimits {
  /** Smallest part but the last. */
  minPart: number;
  /** Largest part. */
  maxPart: number;
  /** Parts an upload may have, the sent ones included. */
  maxParts: number;
  /** Parts kept for the members sent and the central directory. */
  sentParts: number;
  /** Largest share of dead bytes in what is copied. */
  maxDeadShare: number;
}

const MiB = 1024 * 1024;

export const S3_PART_LIMITS: PartLimits = { minPart: 5 * MiB, maxPart: 5 * 1024 * MiB, maxParts: 10_000, sentParts: 1000, maxDeadShare: 0.5 };

/** A range [start, end) of the previous archive, copied as one part. */
export interface CopiedPart {
  start: number;
  end: number;
}

export interface ReusedMember {
  entry: ZipEntry;
  /** Where its local header lands in the new archive. */
  offset: number;
}

export type ReusePlan =
  | { kind: "incremental"; parts: CopiedPart[]; reused: ReusedMember[]; copiedBytes: number; deadBytes: number }
  | { kind: "full"; reason: string };

/** A stretch of the previous archive made of reusable members' spans, and the dead bytes between them. */
interface Run {
  start: number;
  end: number;
  members: ZipEntry[];
}

/** The plan for members of the previous archive that `reusable` accepts. */
export function planReuse(entries: readonly ZipEntry[], reusable: (entry: ZipEntry) => boolean, limits: PartLimits = S3_PART_LIMITS): ReusePlan {
  const runs = joinedRuns(entries, reusable, limits.minPart).filter((run) => run.end - run.start >= limits.minPart);
  if (runs.length === 0) return { kind: "full", reason: "too little of the previous archive is unchanged to copy it" };
  const parts = runs.flatMap((run) => splitRun(run, limits.maxPart));
  if (parts.length > limits.maxParts - limits.sentParts) return { kind: "full", reason: `the unchanged members lie in more than ${limits.maxParts - limits.sentParts} pieces` };

  const reused: ReusedMember[] = [];
  let copiedBytes = 0;
  let liveBytes = 0;
  for (const run of runs) {
    for (const entry of run.members) {
      reused.push({ entry, offset: copiedBytes + entry.span.start - run.start });
      liveBytes += memberBytes(entry);
    }
    copiedBytes += run.end - run.start;
  }
  const deadBytes = copiedBytes - liveBytes;
  if (deadBytes > limits.maxDeadShare * copiedBytes) {
    return { kind: "full", reason: `more than ${Math.round(limits.maxDeadShare * 100)}% of what would be copied is no longer wanted` };
  }
  return { kind: "incremental", parts, reused, copiedBytes, deadBytes };
}

/**
 * Runs of reusable members in archive order, joined across stretches of
 * other members shorter than `joinBelow`.
 */
function joinedRuns(entries: readonly ZipEntry[], reusable: (entry: ZipEntry) => boolean, joinBelow: number): Run[] {
  const runs: Run[] = [];
  const byOffset = [...entries].sort((a, b) => a.span.start - b.span.start);
  for (const entry of byOffset) {
    if (!reusable(entry)) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && entry.span.start - last.end < joinBelow) {
      last.end = entry.span.end;
      last.members.push(entry);
    } else runs.push({ start: entry.span.start, end: entry.span.end, members: [entry] });
  }
  return runs;
}

/** A run as parts of at most `maxPart` bytes, of about equal size (so none is too small). */
function splitRun(run: Run, maxPart: number): CopiedPart[] {
  const length = run.end - run.start;
  const count = Math.ceil(length / maxPart);
  const parts: CopiedPart[] = [];
  for (let i = 0; i < count; i++) {
    parts.push({ start: run.start + Math.floor((length * i) / count), end: run.start + Math.floor((length * (i + 1)) / count) });
  }
  return parts;
}

/**
 * The bytes of a member that a reader needs: local header, name and data.
 * (Its extra field and data descriptor, a few dozen bytes, count as dead:
 * the share is slightly overstated, never understated.)
 */
function memberBytes(entry: ZipEntry): number {
  return LOCAL_HEADER_SIZE + nameBytes(entry).length + entry.compressedSize;
}
