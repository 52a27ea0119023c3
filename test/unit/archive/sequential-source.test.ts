import { describe, expect, it } from "vitest";
import { MAX_REOPENS, SequentialSource, type OpenStream } from "../../../src/archive/sequential-source.js";

const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

interface Opened {
  start: number;
  end: number;
  /** Chunks pulled from this stream. */
  pulled: number;
}

/** Streams of DATA in chunks of `chunk` bytes; `fail(opened, chunkIndex)` may throw or end the stream early. */
function streams(chunk = 64, fail?: (opened: Opened, index: number) => "throw" | "end" | undefined): { open: OpenStream; opened: Opened[] } {
  const opened: Opened[] = [];
  const open: OpenStream = async (start, end) => {
    const record: Opened = { start, end, pulled: 0 };
    opened.push(record);
    return (async function* () {
      for (let at = start, index = 0; at < end; at += chunk, index++) {
        const what = fail?.(record, index);
        if (what === "throw") throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        if (what === "end") return;
        record.pulled += 1;
        yield new Uint8Array(DATA.subarray(at, Math.min(end, at + chunk)));
      }
    })();
  };
  return { open, opened };
}

describe("SequentialSource", () => {
  it("serves increasing reads from one stream, dropping the bytes between them", async () => {
    const { open, opened } = streams();
    const source = new SequentialSource(DATA.length, open, { start: 100, end: 900 });
    expect(await source.read(100, 110)).toEqual(DATA.subarray(100, 110));
    expect(await source.read(110, 300)).toEqual(DATA.subarray(110, 300));
    expect(await source.read(555, 556)).toEqual(DATA.subarray(555, 556));
    expect(await source.read(700, 900)).toEqual(DATA.subarray(700, 900));
    expect(opened).toEqual([{ start: 100, end: 900, pulled: 13 }]);
    expect([source.opens, source.streamedBytes]).toEqual([1, 800]);
  });

  it("pulls nothing before a read asks, and no more than the read needs (backpressure)", async () => {
    const { open, opened } = streams(64);
    const source = new SequentialSource(DATA.length, open, { start: 0, end: 1000 });
    expect(opened).toEqual([]);
    await source.read(0, 10);
    expect(opened[0]?.pulled).toBe(1);
    await source.read(10, 64);
    expect(opened[0]?.pulled).toBe(1);
    await source.read(64, 200);
    expect(opened[0]?.pulled).toBe(4);
  });

  it("refuses a read before one already served, or beyond the span", async () => {
    const { open } = streams();
    const source = new SequentialSource(DATA.length, open, { start: 0, end: 500 });
    await source.read(100, 200);
    await expect(source.read(150, 160)).rejects.toThrow(/sequential read at 150 after 200/);
    await expect(source.read(400, 501)).rejects.toThrow(/beyond the streamed span/);
  });

  it("reopens from where it is after a failure mid-stream, and the bytes are the same", async () => {
    const { open, opened } = streams(64, (stream, index) => (stream.start === 0 && index === 3 ? "throw" : undefined));
    const source = new SequentialSource(DATA.length, open, { start: 0, end: 1000 });
    expect(await source.read(0, 100)).toEqual(DATA.subarray(0, 100));
    expect(await source.read(150, 1000)).toEqual(DATA.subarray(150, 1000));
    expect(opened.map(({ start, end }) => [start, end])).toEqual([
      [0, 1000],
      [192, 1000],
    ]);
    expect(source.opens).toBe(2);
  });

  it("reopens a stream that ends short, and fails once reopening gets nowhere", async () => {
    const short = streams(64, (stream, index) => (stream.start === 0 && index === 2 ? "end" : undefined));
    const once = new SequentialSource(DATA.length, short.open, { start: 0, end: 1000 });
    expect(await once.read(0, 1000)).toEqual(DATA);
    expect(short.opened.map(({ start }) => start)).toEqual([0, 128]);

    const never = streams(64, (_stream, index) => (index === 1 ? "end" : undefined));
    const source = new SequentialSource(DATA.length, never.open, { start: 0, end: 1000 });
    await expect(source.read(0, 1000)).rejects.toThrow(/the stream ended at byte/);
    expect(never.opened).toHaveLength(1 + MAX_REOPENS);
  });

  it("fails with the stream's error after the reopens, and at once when stopped or when opening fails", async () => {
    const broken = streams(64, (_stream, index) => (index === 0 ? "throw" : undefined));
    await expect(new SequentialSource(DATA.length, broken.open, { start: 0, end: 1000 }).read(0, 10)).rejects.toThrow(/socket hang up/);
    expect(broken.opened).toHaveLength(1 + MAX_REOPENS);

    const stopped = new AbortController();
    const failing = streams(64, (_stream, index) => (index === 1 ? (stopped.abort(), "throw") : undefined));
    const source = new SequentialSource(DATA.length, failing.open, { start: 0, end: 1000 }, stopped.signal);
    await expect(source.read(0, 1000)).rejects.toThrow(/socket hang up/);
    expect(failing.opened).toHaveLength(1);

    const refused: OpenStream = () => Promise.reject(new Error("access denied"));
    await expect(new SequentialSource(DATA.length, refused, { start: 0, end: 10 }).read(0, 10)).rejects.toThrow(/access denied/);
  });

  it("closes the stream when done early", async () => {
    let returned = false;
    const open: OpenStream = async () => ({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: new Uint8Array(10) }),
        return: async () => ((returned = true), { done: true, value: undefined }),
      }),
    });
    const source = new SequentialSource(100, open, { start: 0, end: 100 });
    await source.read(0, 5);
    await source.close();
    expect(returned).toBe(true);
  });
});
