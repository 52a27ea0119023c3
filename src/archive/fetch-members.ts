/**
 * Fetching the changed members and handing them to the writer, in archive
 * order (extract.ts): by the plan download-plan.ts chooses, ranged GETs of
 * coalesced groups (fetch-plan.ts) or one streaming GET of the span
 * (sequential-source.ts), switching from the first to the second at a group
 * boundary when the ranged GETs turn out slow.
 *
 * Members are read in order, one after the other, but written several at
 * once: a small member's bytes are read whole and its file written while
 * the next ones are read; a large one is written as it is read, the small
 * ones before it still being written meanwhile.
 */
import { choosePlan, shouldSwitch, type GetMeter, type PlanName } from "./download-plan.js";
import { DEFAULT_COALESCE, DEFAULT_PREFETCH, PrefetchingSource, type RangeGroup } from "./fetch-plan.js";
import { SequentialSource, type OpenStream } from "./sequential-source.js";
import type { RangeSource, ZipEntry } from "./zip-reader.js";

export interface FetchOptions {
  /** Opens a streaming read of the archive; without it, only ranged GETs are made. */
  stream?: OpenStream;
  /** The GETs of the ranged source so far (its tail and central directory reads), timed. */
  meter?: GetMeter;
  signal?: AbortSignal;
}

/** Which plan ran, and what each part of it fetched. */
export interface FetchReport {
  /** The plan that fetched the last members: "streaming" also after a switch. */
  plan: PlanName;
  /** Whether the download began with ranged GETs and switched to streaming, and at which group (of `groups`). */
  switchedAt?: number;
  groups: number;
  rangedGets: number;
  rangedBytes: number;
  /** Bytes the streaming GET moved (skipped ones included), and the streams opened (reopens after failures included). */
  streamedBytes: number;
  streams: number;
}

/** Writes one member from a source holding its span. */
export type WriteMember = (source: RangeSource, entry: ZipEntry) => Promise<void>;

/** Members this small are read whole and written while the next ones are read. */
const SMALL_MEMBER = 1 << 20;
/** Members written at once: enough to keep the thread pool's file-system calls busy. */
const WRITERS = 8;

/** Fetches the members of `groups` (indexes into `entries`) and writes each; answers how. */
export async function fetchMembers(source: RangeSource, groups: readonly RangeGroup[], entries: readonly ZipEntry[], write: WriteMember, options: FetchOptions): Promise<FetchReport> {
  const meter = options.meter;
  const report: FetchReport = { plan: firstPlan(groups, options), groups: groups.length, rangedGets: 0, rangedBytes: 0, streamedBytes: 0, streams: 0 };
  const writers = new Writers(write, WRITERS);
  const before = { gets: meter?.gets ?? 0, bytes: meter?.bytes ?? 0, busyMs: meter?.busyMs ?? 0 };
  let index = 0;
  try {
    if (report.plan === "ranged") {
      const fetcher = new PrefetchingSource(source, groups, { ...DEFAULT_PREFETCH, maxGroupBytes: DEFAULT_COALESCE.maxGroupBytes });
      try {
        for (; index < groups.length; index++) {
          if (index > 0 && switchNow(groups, { index, started: fetcher.started }, before, options)) break;
          fetcher.start(index);
          for (const member of (groups[index] as RangeGroup).members) await writers.add(fetcher, entries[member] as ZipEntry);
          fetcher.release(index);
        }
      } finally {
        fetcher.stop();
        report.rangedGets = (meter?.gets ?? 0) - before.gets;
        report.rangedBytes = (meter?.bytes ?? 0) - before.bytes;
      }
      if (index < groups.length) report.switchedAt = index;
    }
    if (index < groups.length && options.stream) {
      report.plan = "streaming";
      await streamFrom(source.size, groups.slice(index), entries, writers, options.stream, report, options.signal);
    }
  } finally {
    await writers.settle();
  }
  writers.throwIfFailed();
  return report;
}

function firstPlan(groups: readonly RangeGroup[], options: FetchOptions): PlanName {
  const cost = options.meter?.cost();
  if (options.stream === undefined || cost === undefined || groups.length === 0) return "ranged";
  const rangedBytes = groups.reduce((sum, group) => sum + group.end - group.start, 0);
  const spanBytes = (groups[groups.length - 1] as RangeGroup).end - (groups[0] as RangeGroup).start;
  return choosePlan({ ...cost, groups: groups.length, rangedBytes, concurrency: DEFAULT_PREFETCH.concurrency, spanBytes }).plan;
}

/**
 * Whether the ranged GETs so far say one streaming GET of what remains (from
 * group `at.index`, the first not written, on) is much quicker than fetching
 * the groups not yet started (from `at.started` on).
 */
function switchNow(groups: readonly RangeGroup[], at: { index: number; started: number }, before: { gets: number; busyMs: number }, options: FetchOptions): boolean {
  const { meter, stream } = options;
  const cost = meter?.cost();
  if (stream === undefined || meter === undefined || cost === undefined) return false;
  return shouldSwitch({
    ...cost,
    groupsFetched: meter.gets - before.gets,
    busyMs: meter.busyMs - before.busyMs,
    unfetchedGroups: groups.length - at.started,
    remainingSpanBytes: (groups[groups.length - 1] as RangeGroup).end - (groups[at.index] as RangeGroup).start,
  });
}

async function streamFrom(size: number, groups: readonly RangeGroup[], entries: readonly ZipEntry[], writers: Writers, open: OpenStream, report: FetchReport, signal?: AbortSignal): Promise<void> {
  const span = { start: (groups[0] as RangeGroup).start, end: (groups[groups.length - 1] as RangeGroup).end };
  const stream = new SequentialSource(size, open, span, signal);
  try {
    for (const group of groups) for (const member of group.members) await writers.add(stream, entries[member] as ZipEntry);
  } finally {
    report.streamedBytes = stream.streamedBytes;
    report.streams = stream.opens;
    await stream.close();
  }
}

/** Up to `limit` members being written at once; the first failure stops the adding, once the others have ended. */
class Writers {
  private readonly running = new Set<Promise<void>>();
  private failed = false;
  private failure: unknown;

  constructor(
    private readonly write: WriteMember,
    private readonly limit: number,
  ) {}

  /** Reads the member from `source` (now, in order) and writes it: a small one in the background, a large one before answering. */
  async add(source: RangeSource, entry: ZipEntry): Promise<void> {
    this.throwIfFailed();
    const { start, end } = entry.span;
    if (end - start > SMALL_MEMBER) return this.write(source, entry);
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.throwIfFailed();
    const bytes = await source.read(start, end);
    const held: RangeSource = { size: source.size, read: async (from, to) => bytes.subarray(from - start, to - start) };
    const writing = this.write(held, entry).catch((error: unknown) => {
      if (!this.failed) [this.failed, this.failure] = [true, error];
    });
    const tracked = writing.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Waits for every member being written. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }
}
