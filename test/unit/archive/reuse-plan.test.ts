// The plan of a re-run's upload (P6): which ranges of the previous archive are
// copied as parts, within S3's part limits, and when the upload is a full one.
import { describe, expect, it } from "vitest";
import { planReuse, S3_PART_LIMITS, type PartLimits } from "../../../src/archive/reuse-plan.js";
import type { ZipEntry } from "../../../src/archive/zip-reader.js";

/** Members one after the other, of these span lengths, all bytes live (header 30, name 2, data); names m0, m1, …. */
function archive(lengths: number[]): ZipEntry[] {
  let at = 0;
  return lengths.map((length, i) => {
    const entry = { name: `m${i}`, type: "file", crc32: 0, compressedSize: length - 32, uncompressedSize: length, method: 8, modified: { date: 0, time: 0 }, unixMode: 0o100644, localHeaderOffset: at, span: { start: at, end: at + length }, centralAt: 0 } satisfies ZipEntry;
    at += length;
    return entry;
  });
}

/** Small limits: parts of 100 to 1,000 bytes, at most 10 parts (2 kept for the sent ones). */
const LIMITS: PartLimits = { minPart: 100, maxPart: 1000, maxParts: 10, sentParts: 2, maxDeadShare: 0.5 };
const all = () => true;
const except = (...names: string[]) => (entry: ZipEntry) => !names.includes(entry.name);

describe("planReuse", () => {
  it("copies one run of unchanged members as one part, offsets unchanged", () => {
    const plan = planReuse(archive([60, 60, 60]), all, LIMITS);
    expect(plan).toMatchObject({ kind: "incremental", parts: [{ start: 0, end: 180 }], copiedBytes: 180, deadBytes: 0 });
    if (plan.kind !== "incremental") throw new Error("not incremental");
    expect(plan.reused.map(({ entry, offset }) => [entry.name, offset])).toEqual([["m0", 0], ["m1", 60], ["m2", 120]]);
  });

  it("joins runs across a changed member shorter than a part, keeping its bytes as dead ones", () => {
    const plan = planReuse(archive([80, 50, 80]), except("m1"), LIMITS);
    expect(plan).toMatchObject({ kind: "incremental", parts: [{ start: 0, end: 210 }] });
    if (plan.kind !== "incremental") throw new Error("not incremental");
    expect(plan.reused.map(({ offset }) => offset)).toEqual([0, 130]);
  });

  it("skips a changed stretch of a part or more, and places the next run after the previous one", () => {
    const plan = planReuse(archive([150, 100, 150]), except("m1"), LIMITS);
    expect(plan).toMatchObject({ kind: "incremental", parts: [{ start: 0, end: 150 }, { start: 250, end: 400 }], copiedBytes: 300 });
    if (plan.kind !== "incremental") throw new Error("not incremental");
    expect(plan.reused.map(({ offset }) => offset)).toEqual([0, 150]);
  });

  it("sends again the members of a run shorter than a part", () => {
    const plan = planReuse(archive([150, 200, 50]), except("m1"), LIMITS);
    expect(plan).toMatchObject({ kind: "incremental", parts: [{ start: 0, end: 150 }] });
    if (plan.kind !== "incremental") throw new Error("not incremental");
    expect(plan.reused.map(({ entry }) => entry.name)).toEqual(["m0"]);
  });

  it("splits a run longer than a part into parts of about equal size", () => {
    const plan = planReuse(archive([700, 700, 700]), all, LIMITS);
    expect(plan).toMatchObject({ kind: "incremental", parts: [{ start: 0, end: 700 }, { start: 700, end: 1400 }, { start: 1400, end: 2100 }] });
  });

  it("uploads everything when nothing is unchanged, or too little to make a part", () => {
    expect(planReuse(archive([60, 60]), () => false, LIMITS)).toMatchObject({ kind: "full", reason: expect.stringContaining("too little") });
    expect(planReuse(archive([60, 60]), except("m1"), LIMITS)).toMatchObject({ kind: "full" });
  });

  it("uploads everything when more than half of what would be copied is dead", () => {
    // m1 and m3 (40 bytes each) are kept; the 90-byte m2 between them has changed.
    const plan = planReuse(archive([50, 40, 90, 40]), except("m0", "m2"), LIMITS);
    expect(plan).toMatchObject({ kind: "full", reason: expect.stringContaining("50%") });
  });

  it("uploads everything when the unchanged members lie in more pieces than an upload can have", () => {
    const lengths = Array.from({ length: 19 }, (_, i) => (i % 2 === 0 ? 120 : 110));
    const kept = (entry: ZipEntry) => Number(entry.name.slice(1)) % 2 === 0;
    expect(planReuse(archive(lengths), kept, LIMITS)).toMatchObject({ kind: "full", reason: expect.stringContaining("more than 8 pieces") });
  });

  it("follows S3's limits by default: parts of 5 MiB to 5 GiB, 10,000 in all", () => {
    expect(S3_PART_LIMITS).toMatchObject({ minPart: 5 * 1024 * 1024, maxPart: 5 * 1024 ** 3, maxParts: 10_000, maxDeadShare: 0.5 });
  });
});
