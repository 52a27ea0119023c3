/**
 * Fetching the members a download needs with few requests (C87; quality bar
 * P2 in docs/performance.md): their spans are coalesced into groups, one ranged GET
 * per group, and several groups are fetched at once, ahead of the extraction.
 *
 * Coalescing trades bytes for requests: two groups are joined across a gap
 * of unneeded bytes only while all the gaps joined stay within a small share
 * of the needed bytes (smallest gaps first), so a download never fetches
 * much more than it needs, yet members that lie side by side (the job's new
 * results/ folder, a directory of changed files) come in one request.
 */
import type { RangeSource } from "./zip-reader.js";

export interface Span {
  start: number;
  /** Exclusive. */
  end: number;
}

export interface RangeGroup extends Span {
  /** Indexes of the spans it holds, in order. */
  members: number[];
}

export interface CoalesceOptions {
  /** Unneeded bytes fetched across gaps, as a fraction of the needed bytes (the spans and `alsoNeeded`). */
  wasteFraction: number;
  /** Bytes needed besides the spans (the central directory), which count towards the budget. */
  alsoNeeded?: number;
  /** A gap wider than this is never fetched. */
  maxGap: number;
  /** Groups are not joined beyond this size (one response is held in memory). */
  maxGroupBytes: number;
}

/**
 * 6% waste: with the 16 KiB tail read, a download stays within 1.1 times the
 * bytes it needs (P2).
 */
export const DEFAULT_COALESCE: CoalesceOptions = { wasteFraction: 0.06, maxGap: 1 << 20, maxGroupBytes: 8 << 20 };

/** Groups of `spans` (sorted by start, not overlapping), in order. */
export function coalesceSpans(spans: readonly Span[], options: CoalesceOptions = DEFAULT_COALESCE): RangeGroup[] {
  const count = spans.length;
  const at = (i: number): Span => spans[i] as Span;
  for (let i = 1; i < count; i++) {
    if (at(i).start < at(i - 1).end) throw new Error("spans must be sorted and must not overlap");
  }
  // Each run of joined spans is [first, last]; parent links lead to the run's root.
  const parent = Array.from({ length: count }, (_, i) => i);
  const first = Array.from({ length: count }, (_, i) => i);
  const last = Array.from({ length: count }, (_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    parent[i] = r;
    return r;
  };

  const needed = spans.reduce((sum, span) => sum + (span.end - span.start), options.alsoNeeded ?? 0);
  let budget = Math.floor(needed * options.wasteFraction);
  const gaps = Array.from({ length: Math.max(0, count - 1) }, (_, i) => ({ i, width: at(i + 1).start - at(i).end }));
  gaps.sort((a, b) => a.width - b.width || a.i - b.i);
  for (const { i, width } of gaps) {
    if (width > options.maxGap || width > budget) break;
    const left = root(i);
    const right = root(i + 1);
    const size = at(last[right] as number).end - at(first[left] as number).start;
    if (size > options.maxGroupBytes) continue;
    parent[right] = left;
    last[left] = last[right] as number;
    budget -= width;
  }

  const groups: RangeGroup[] = [];
  for (let i = 0; i < count; i++) {
    const r = root(i);
    const open = groups[groups.length - 1];
    if (open && root(open.members[0] as number) === r) {
      open.members.push(i);
      open.end = at(i).end;
    } else groups.push({ start: at(i).start, end: at(i).end, members: [i] });
  }
  return groups;
}

export interface PrefetchOptions {
  /** GETs in flight at once. */
  concurrency: number;
  /** Fetched bytes not yet used, at most (besides the group in use). */
  aheadBytes: number;
}

/**
 * Scattered small changes mean many small GETs, whose cost is the round trip:
 * 16 at once hide it (S3 serves far more per prefix).
 */
export const DEFAULT_PREFETCH: PrefetchOptions = { concurrency: 16, aheadBytes: 32 << 20 };

/**
 * A RangeSource over `source` that serves reads inside the groups from one
 * fetch per group, fetching the next groups ahead (in order) while earlier
 * ones are used. Call `release(group)` when a group is no longer needed.
 * Reads outside every group (and groups larger than maxGroupBytes, which
 * coalesceSpans leaves single) go straight to `source`.
 */
export class PrefetchingSource implements RangeSource {
  readonly size: number;
  private readonly fetched: (Promise<Buffer> | undefined)[];
  private next = 0;
  private inFlight = 0;
  private aheadBytes = 0;
  private readonly done: boolean[];

  constructor(
    private readonly source: RangeSource,
    private readonly groups: readonly RangeGroup[],
    private readonly options: PrefetchOptions & { maxGroupBytes: number } = { ...DEFAULT_PREFETCH, maxGroupBytes: DEFAULT_COALESCE.maxGroupBytes },
  ) {
    this.size = source.size;
    this.fetched = new Array<Promise<Buffer> | undefined>(groups.length);
    this.done = new Array<boolean>(groups.length).fill(false);
  }

  /** Groups started so far (fetched, being fetched, or skipped as too large): those before this index. */
  get started(): number {
    return this.next;
  }

  /** Starts fetching from `group` on (if not already): call before reading a group's members. */
  start(group: number): void {
    this.next = Math.max(this.next, group);
    this.fill();
  }

  async read(start: number, end: number): Promise<Buffer> {
    const index = this.groupOf(start, end);
    if (index === undefined) return this.source.read(start, end);
    this.start(index);
    const group = this.groups[index] as RangeGroup;
    const bytes = await (this.fetched[index] ?? this.fetch(index));
    return bytes.subarray(start - group.start, end - group.start);
  }

  /** The group's bytes are no longer needed. */
  release(group: number): void {
    if (this.done[group]) return;
    this.done[group] = true;
    const fetched = this.fetched[group];
    if (fetched) {
      this.fetched[group] = undefined;
      this.aheadBytes -= this.bytesOf(group);
    }
    this.fill();
  }

  /** No more groups are wanted (the download goes on another way): nothing more is fetched, and what was is dropped. */
  stop(): void {
    this.next = this.groups.length;
    this.fetched.fill(undefined);
    this.aheadBytes = 0;
  }

  private fill(): void {
    while (this.next < this.groups.length && this.inFlight < this.options.concurrency && this.aheadBytes < this.options.aheadBytes) {
      const index = this.next++;
      if (this.done[index] || this.fetched[index] || this.bytesOf(index) > this.options.maxGroupBytes) continue;
      void this.fetch(index).catch(() => undefined);
    }
  }

  private fetch(index: number): Promise<Buffer> {
    const group = this.groups[index] as RangeGroup;
    this.inFlight += 1;
    this.aheadBytes += this.bytesOf(index);
    const fetching = this.source.read(group.start, group.end).finally(() => {
      this.inFlight -= 1;
      this.fill();
    });
    this.fetched[index] = fetching;
    return fetching;
  }

  private bytesOf(index: number): number {
    const group = this.groups[index] as RangeGroup;
    return group.end - group.start;
  }

  /** The small group holding [start, end), by binary search. */
  private groupOf(start: number, end: number): number | undefined {
    let low = 0;
    let high = this.groups.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const group = this.groups[middle] as RangeGroup;
      if (start < group.start) high = middle - 1;
      else if (start >= group.end) low = middle + 1;
      else return end <= group.end && group.end - group.start <= this.options.maxGroupBytes && !this.done[middle] ? middle : undefined;
    }
    return undefined;
  }
}
