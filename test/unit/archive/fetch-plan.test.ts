// Coalescing the spans of changed members into ranged GETs, and fetching the
// groups ahead with a bounded number in flight (P2).
import { describe, expect, it } from "vitest";
import { coalesceSpans, PrefetchingSource, type CoalesceOptions, type Span } from "../../../src/archive/fetch-plan.js";
import type { RangeSource } from "../../../src/archive/zip-reader.js";

const spans = (...pairs: [number, number][]): Span[] => pairs.map(([start, end]) => ({ start, end }));
const wide: CoalesceOptions = { wasteFraction: 0.1, maxGap: 1 << 20, maxGroupBytes: 1 << 30 };

describe("coalesceSpans", () => {
  it.each<[string, Span[], CoalesceOptions, [number, number, number[]][]]>([
    ["nothing to fetch", [], wide, []],
    ["one span", spans([10, 20]), wide, [[10, 20, [0]]]],
    ["adjacent spans cost nothing to join", spans([0, 100], [100, 200], [200, 300]), { ...wide, wasteFraction: 0 }, [[0, 300, [0, 1, 2]]]],
    // 1,000 needed bytes, 10% = 100 bytes of gaps: the 30 and 60 gaps fit, the 90 one no longer does.
    [
      "smallest gaps first, within the waste budget",
      spans([0, 250], [340, 590], [620, 870], [930, 1180]),
      wide,
      [
        [0, 250, [0]],
        [340, 1180, [1, 2, 3]],
      ],
    ],
    [
      "bytes needed besides the spans (the central directory) widen the budget",
      spans([0, 250], [340, 590], [620, 870], [930, 1180]),
      { ...wide, alsoNeeded: 800 },
      [[0, 1180, [0, 1, 2, 3]]],
    ],
    ["a gap wider than maxGap is never joined", spans([0, 1000], [1100, 2000]), { ...wide, maxGap: 99 }, [[0, 1000, [0]], [1100, 2000, [1]]]],
    [
      "groups stop at maxGroupBytes",
      spans([0, 100], [100, 200], [200, 300], [300, 400]),
      { ...wide, maxGroupBytes: 200 },
      [
        [0, 200, [0, 1]],
        [200, 400, [2, 3]],
      ],
    ],
    ["a span larger than maxGroupBytes stays alone", spans([0, 500], [500, 510]), { ...wide, maxGroupBytes: 100 }, [[0, 500, [0]], [500, 510, [1]]]],
  ])("%s", (_name, input, options, expected) => {
    expect(coalesceSpans(input, options).map((group) => [group.start, group.end, group.members])).toEqual(expected);
  });

  it("never fetches more than the waste budget beyond the needed bytes", () => {
    // 200 members of 1,000 bytes with random gaps up to 50,000 bytes.
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const input: Span[] = [];
    let at = 0;
    for (let i = 0; i < 200; i++) {
      at += Math.floor(random() * 50_000);
      input.push({ start: at, end: at + 1000 });
      at += 1000;
    }
    const groups = coalesceSpans(input, { wasteFraction: 0.05, maxGap: 1 << 20, maxGroupBytes: 1 << 30 });
    const fetched = groups.reduce((sum, group) => sum + group.end - group.start, 0);
    expect(fetched).toBeLessThanOrEqual(200_000 * 1.05);
    expect(groups.length).toBeLessThan(200);
    expect(groups.flatMap((group) => group.members)).toEqual(input.map((_, i) => i));
  });

  it("rejects spans out of order", () => {
    expect(() => coalesceSpans(spans([100, 200], [0, 50]), wide)).toThrow(/sorted/);
  });
});

/** A source over 0..size-1 (byte i = i mod 256) that records reads and lets the test finish them. */
function slowSource(size: number) {
  const reads: [number, number][] = [];
  const pending: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const source: RangeSource = {
    size,
    read(start, end) {
      reads.push([start, end]);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) =>
        pending.push(() => {
          inFlight -= 1;
          resolve(Buffer.from(Array.from({ length: end - start }, (_, i) => (start + i) % 256)));
        }),
      );
    },
  };
  const settle = async () => {
    while (pending.length > 0) {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { source, reads, settle, maxInFlight: () => maxInFlight };
}

describe("PrefetchingSource", () => {
  const groups = [
    { start: 0, end: 100, members: [0, 1] },
    { start: 200, end: 300, members: [2] },
    { start: 400, end: 500, members: [3] },
    { start: 600, end: 700, members: [4] },
  ];

  it("fetches each group once, ahead and at most `concurrency` at a time, and serves reads from it", async () => {
    const { source, reads, settle, maxInFlight } = slowSource(1000);
    const fetcher = new PrefetchingSource(source, groups, { concurrency: 2, aheadBytes: 1 << 20, maxGroupBytes: 1 << 20 });
    fetcher.start(0);
    expect(reads).toEqual([
      [0, 100],
      [200, 300],
    ]);
    const first = fetcher.read(10, 20);
    const second = fetcher.read(50, 60);
    await settle();
    expect([...(await first)]).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
    expect([...(await second)]).toEqual(Array.from({ length: 10 }, (_, i) => 50 + i));
    expect(reads).toEqual([
      [0, 100],
      [200, 300],
      [400, 500],
      [600, 700],
    ]);
    expect(maxInFlight()).toBe(2);
  });

  it("holds back while `aheadBytes` are fetched and unused, and goes on as groups are released", async () => {
    const { source, reads, settle } = slowSource(1000);
    const fetcher = new PrefetchingSource(source, groups, { concurrency: 4, aheadBytes: 150, maxGroupBytes: 1 << 20 });
    fetcher.start(0);
    await settle();
    expect(reads).toHaveLength(2);
    fetcher.release(0);
    await settle();
    expect(reads).toHaveLength(3);
  });

  it("reads outside the groups, and groups over maxGroupBytes, go straight to the source", async () => {
    const { source, reads, settle } = slowSource(1000);
    const fetcher = new PrefetchingSource(source, [{ start: 0, end: 500, members: [0] }], { concurrency: 4, aheadBytes: 1 << 20, maxGroupBytes: 100 });
    fetcher.start(0);
    expect(reads).toEqual([]);
    const direct = fetcher.read(10, 30);
    const outside = fetcher.read(700, 710);
    await settle();
    expect((await direct).length).toBe(20);
    expect((await outside)[0]).toBe(700 % 256);
    expect(reads).toEqual([
      [10, 30],
      [700, 710],
    ]);
  });
});
