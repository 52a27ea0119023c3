// The download's two plans (ranged GETs, one streaming GET) and the switch
// between them write the same files as each other, file by file.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { cp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GetMeter } from "../../../src/archive/download-plan.js";
import { extractChanged } from "../../../src/archive/extract.js";
import type { OpenStream } from "../../../src/archive/sequential-source.js";
import type { RangeSource } from "../../../src/archive/zip-reader.js";
import type { ZipMember } from "../../../src/archive/zip-member.js";
import { makeTree, scratchDir } from "./fixtures.js";
import { fileSource, writeArchive } from "./zip-tools.js";

const MTIME = new Date("2024-05-06T07:08:10Z");

interface Scenario {
  archive: string;
  /** The build directory before the download. */
  before: string;
  changed: number;
}

/**
 * An archive of `count` files of random bytes (so no member shrinks), with
 * `every`-th one changed locally (the others the same), a few new ones, a
 * directory, and optionally a member larger than the writer's 1 MiB.
 */
async function scenario(count: number, every: number, large: boolean): Promise<Scenario> {
  const src = await scratchDir();
  const before = await scratchDir();
  const members: ZipMember[] = [{ name: "results/", path: src, isDirectory: true, size: 0, mode: 0o755, mtime: MTIME }];
  let changed = 1;
  for (let i = 0; i < count; i++) {
    const name = `data/f${String(i).padStart(3, "0")}.bin`;
    const data = randomBytes(i % every === 0 ? 2048 : 8192);
    await writeFile(join(src, `m${i}`), data);
    members.push({ name, path: join(src, `m${i}`), isDirectory: false, size: data.length, mode: 0o644, mtime: MTIME });
    if (i % every === 0) {
      changed += 1;
      if (i % (every * 5) !== 0) await makeTree(before, { [name]: "old" });
    } else {
      await makeTree(before, { [name]: "" });
      await writeFile(join(before, name), data);
    }
  }
  if (large) {
    const data = randomBytes(3 << 19);
    await writeFile(join(src, "large"), data);
    members.push({ name: "results/large.bin", path: join(src, "large"), isDirectory: false, size: data.length, mode: 0o644, mtime: MTIME });
    changed += 1;
  }
  const archive = join(await scratchDir(), "results.zip");
  await writeArchive(archive, (async function* () {
    yield* members;
  })());
  return { archive, before, changed };
}

/** Streams of the archive file, in odd-sized chunks; counts what was opened. */
function fileStreams(path: string, opened: Array<[number, number]>): OpenStream {
  return async (start, end) => {
    opened.push([start, end]);
    return createReadStream(path, { start, end: end - 1, highWaterMark: 7001 });
  };
}

/** Every file and directory under `root`: contents and mtime. */
async function tree(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const name of (await readdir(root, { recursive: true })).sort()) {
    const path = join(root, name);
    const stats = await stat(path);
    found[name] = stats.isDirectory() ? "dir" : `${(await readFile(path)).toString("base64")} ${stats.mtimeMs}`;
  }
  return found;
}

/** A meter whose GETs so far say: a request costs `perGetMs`, responses flow at `bytesPerMs`. */
function meterSaying(perGetMs: number, bytesPerMs: number, now: () => number = () => 0): GetMeter {
  const meter = new GetMeter(now);
  meter.begin()({ bytes: 64 << 10, waitMs: perGetMs, totalMs: perGetMs + (64 << 10) / bytesPerMs });
  return meter;
}

async function download(setup: Scenario, plan: (archive: string) => { source: RangeSource; meter?: GetMeter; opened: Array<[number, number]> }) {
  const root = await scratchDir();
  await cp(setup.before, root, { recursive: true, preserveTimestamps: true });
  const { source, meter, opened } = plan(setup.archive);
  const result = await extractChanged(source, { buildRoot: root, wanted: () => true, meter, stream: fileStreams(setup.archive, opened) });
  return { result, files: await tree(root), opened };
}

describe("the download's plans write the same files", () => {
  it("ranged GETs, one streaming GET from the start, and ranged GETs when nothing was measured", async () => {
    const setup = await scenario(240, 4, true);
    const file = await fileSource(setup.archive);
    try {
      const ranged = await download(setup, () => ({ source: file, meter: meterSaying(0.01, 1), opened: [] }));
      expect(ranged.result.fetch).toMatchObject({ plan: "ranged", streamedBytes: 0 });
      expect(ranged.result.fetch?.switchedAt).toBeUndefined();
      expect(ranged.opened).toEqual([]);
      expect(ranged.result.extracted).toBe(setup.changed);

      const streaming = await download(setup, () => ({ source: file, meter: meterSaying(1000, 1e9), opened: [] }));
      expect(streaming.result.fetch).toMatchObject({ plan: "streaming", rangedGets: 0, streams: 1 });
      expect(streaming.opened).toHaveLength(1);
      expect(streaming.files).toEqual(ranged.files);

      const unmeasured = await download(setup, () => ({ source: file, opened: [] }));
      expect(unmeasured.result.fetch?.plan).toBe("ranged");
      expect(unmeasured.files).toEqual(ranged.files);
    } finally {
      await file.close();
    }
  });

  it("leaves ranged GETs that are slow for one streaming GET of the rest, at a group boundary", async () => {
    // 120 changed members of 2 KiB apart, each GET taking 200 ms and answered one at a time (as moto does);
    // responses flow at 2,200 bytes a millisecond, so the estimates first favour ranged GETs.
    const setup = await scenario(600, 5, false);
    const file = await fileSource(setup.archive);
    try {
      const plain = await download(setup, () => ({ source: file, opened: [] }));
      let now = 0;
      const meter = meterSaying(200, 2200, () => now);
      let line: Promise<unknown> = Promise.resolve();
      const slow: RangeSource = {
        size: file.size,
        read: async (start, end) => {
          const ended = meter.begin();
          const turn = line.then(() => new Promise((resolve) => setTimeout(resolve, 1)));
          line = turn;
          await turn;
          const bytes = await file.read(start, end);
          now += 200;
          ended({ bytes: bytes.length, waitMs: 200, totalMs: 200 + bytes.length / 2200 });
          return bytes;
        },
      };
      const switched = await download(setup, () => ({ source: slow, meter, opened: [] }));
      const fetch = switched.result.fetch;
      expect(fetch?.plan).toBe("streaming");
      expect(fetch?.switchedAt).toBeGreaterThanOrEqual(8);
      expect(fetch?.switchedAt).toBeLessThan((fetch?.groups ?? 0) - 1);
      expect(switched.opened).toHaveLength(1);
      expect(switched.files).toEqual(plain.files);
      expect(switched.result).toMatchObject({ extracted: plain.result.extracted, unchanged: plain.result.unchanged });
    } finally {
      await file.close();
    }
  });
});
