// A re-run's archive assembled from ranges of the previous one plus the
// members sent (P6), checked without S3: the bytes copied are the previous
// archive's own, the rest is our writer continuing after them. Info-ZIP
// reads, tests and updates it as the job does (C104), our reader extracts it,
// and both give the files a full archive of the same tree gives.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { extractChanged } from "../../../src/archive/extract.js";
import { planReuse } from "../../../src/archive/reuse-plan.js";
import { reusableEntries } from "../../../src/archive/reusable-members.js";
import { workdirMembers } from "../../../src/archive/workdir-archive.js";
import type { ZipMember } from "../../../src/archive/zip-member.js";
import { centralRecord, readZipDirectory } from "../../../src/archive/zip-reader.js";
import { relocatedRecord } from "../../../src/archive/zip-records.js";
import { writeZip } from "../../../src/archive/zip-writer.js";
import { makeTree, scratchDir } from "./fixtures.js";
import { fileSource, infoZip, writeArchive } from "./zip-tools.js";

const SMALL_PARTS = { minPart: 1000, maxPart: 1 << 30, maxParts: 10_000, sentParts: 1, maxDeadShare: 0.9 };

async function walked(root: string): Promise<ZipMember[]> {
  const members: ZipMember[] = [];
  for await (const member of workdirMembers({ buildRoot: root, exclude: () => false })) members.push(member);
  return members;
}

/** The previous archive's copied ranges, then our writer's continuation: the object S3 would assemble. */
async function reassemble(previous: string, root: string, out: string): Promise<{ reused: string[]; sent: string[] }> {
  const source = await fileSource(previous);
  try {
    const directory = await readZipDirectory(source, { keepCentral: true });
    const members = await walked(root);
    const reusable = await reusableEntries(directory.entries, members, () => false);
    const plan = planReuse(directory.entries, (entry) => reusable.has(entry), SMALL_PARTS);
    if (plan.kind !== "incremental") throw new Error(`full upload: ${plan.reason}`);
    const copied = await Promise.all(plan.parts.map(({ start, end }) => source.read(start, end)));
    const records = plan.reused.map(({ entry, offset }) => relocatedRecord(centralRecord(directory, entry), offset));
    const reusedMembers = new Set(plan.reused.map(({ entry }) => reusable.get(entry)));
    const send = members.filter((member) => !reusedMembers.has(member));
    const rest = writeZip(Readable.from(send), { compression: () => "deflate", continues: { offset: plan.copiedBytes, records } });
    await pipeline(Readable.from((async function* () { yield* copied; yield* rest; })()), createWriteStream(out));
    return { reused: plan.reused.map(({ entry }) => entry.name), sent: send.map((member) => member.name) };
  } finally {
    await source.close();
  }
}

/** Every file below `dir`: relative name -> mode and contents. */
async function filesOf(dir: string, prefix = ""): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(files, await filesOf(dir, rel));
    else files[rel] = `${((await stat(join(dir, rel))).mode & 0o777).toString(8)} ${(await readFile(join(dir, rel))).toString("base64")}`;
  }
  return files;
}

describe("an archive reassembled from the previous one (P6)", () => {
  it("extracts with unzip and with our reader to the files a full archive gives; zip -T and zip -u accept it", async () => {
    const top = await scratchDir();
    const root = join(top, "build");
    await makeTree(root, {
      "Snakefile": "rule all:\n" + "  shell: 'true'\n".repeat(200),
      "data/genomes.fasta": ">a\n" + "ACGT".repeat(5000) + "\n",
      "data/random.bin": randomBytes(4000).toString("latin1"),
      "config/edited.yaml": "value: 1\n".repeat(300),
      "config/removed.yaml": "gone: true\n".repeat(300),
      "scripts/run.sh": "#!/bin/sh\necho run\n".repeat(100),
    });
    await chmod(join(root, "scripts/run.sh"), 0o755);
    const previous = join(top, "previous.zip");
    await writeArchive(previous, { buildRoot: root, exclude: () => false }, { compression: () => "deflate" });

    // Between the runs: one file edited, one removed, one added.
    await writeFile(join(root, "config/edited.yaml"), "value: 2\n".repeat(310));
    await rm(join(root, "config/removed.yaml"));
    await makeTree(root, { "config/added.yaml": "new: true\n" });

    const assembled = join(top, "assembled.zip");
    const { reused, sent } = await reassemble(previous, root, assembled);
    expect(reused.sort()).toEqual(["Snakefile", "data/genomes.fasta", "data/random.bin", "scripts/run.sh"]);
    expect(sent.filter((name) => !name.endsWith("/")).sort()).toEqual(["config/added.yaml", "config/edited.yaml"]);
    const full = join(top, "full.zip");
    await writeArchive(full, { buildRoot: root, exclude: () => false }, { compression: () => "deflate" });

    infoZip("zip", ["-T", assembled]);
    const fromFull = join(top, "from-full");
    const fromAssembled = join(top, "from-assembled");
    const ours = join(top, "ours");
    infoZip("unzip", ["-q", "-d", fromFull, full]);
    infoZip("unzip", ["-q", "-d", fromAssembled, assembled]);
    const expected = await filesOf(fromFull);
    expect(Object.keys(expected).sort()).toEqual(["Snakefile", "config/added.yaml", "config/edited.yaml", "data/genomes.fasta", "data/random.bin", "scripts/run.sh"]);
    expect(await filesOf(fromAssembled)).toEqual(expected);

    const source = await fileSource(assembled);
    await mkdir(ours);
    await extractChanged(source, { buildRoot: ours, wanted: () => true }).finally(() => source.close());
    expect(Object.keys(await filesOf(ours)).sort()).toEqual(Object.keys(expected).sort());
    for (const name of Object.keys(expected)) expect(await readFile(join(ours, name))).toEqual(await readFile(join(fromFull, name)));

    // The job's zip -u after the workflow wrote a result.
    await makeTree(fromAssembled, { "results/out.txt": "done\n" });
    infoZip("zip", ["-q", "-u", join(top, "assembled.zip"), "-r", "."], { cwd: fromAssembled });
    expect(infoZip("unzip", ["-Z1", assembled]).split("\n")).toContain("results/out.txt");
    infoZip("unzip", ["-tq", assembled]);
  });
});

describe("relocatedRecord", () => {
  /** A central record named `a` with these 32-bit size and offset fields and, when given, a ZIP64 extra field of these values. */
  function record(fields: { size: number; compressed: number; offset: number }, zip64: number[] = []): Buffer {
    const extra = zip64.length > 0 ? Buffer.alloc(4 + 8 * zip64.length) : Buffer.alloc(0);
    if (zip64.length > 0) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(8 * zip64.length, 2);
      zip64.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + 8 * i));
    }
    const buffer = Buffer.alloc(46 + 1 + extra.length);
    buffer.writeUInt32LE(0x02014b50, 0);
    buffer.writeUInt32LE(fields.compressed, 20);
    buffer.writeUInt32LE(fields.size, 24);
    buffer.writeUInt16LE(1, 28);
    buffer.writeUInt16LE(extra.length, 30);
    buffer.writeUInt32LE(fields.offset, 42);
    buffer.write("a", 46);
    extra.copy(buffer, 47);
    return buffer;
  }
  const MAGIC = 0xffffffff;

  it("moves the offset field of a classic record, and nothing else", () => {
    const before = record({ size: 10, compressed: 8, offset: 5000 });
    const after = relocatedRecord(before, 1234);
    expect(after.readUInt32LE(42)).toBe(1234);
    expect(Buffer.concat([after.subarray(0, 42), after.subarray(46)])).toEqual(Buffer.concat([before.subarray(0, 42), before.subarray(46)]));
  });

  it("moves the offset inside the ZIP64 extra field, after the sizes that are there too", () => {
    const after = relocatedRecord(record({ size: MAGIC, compressed: MAGIC, offset: MAGIC }, [2 ** 33, 2 ** 32 + 1, 2 ** 34]), 2 ** 32 + 7);
    expect(after.readUInt32LE(42)).toBe(MAGIC);
    expect([0, 1, 2].map((i) => Number(after.readBigUInt64LE(47 + 4 + 8 * i)))).toEqual([2 ** 33, 2 ** 32 + 1, 2 ** 32 + 7]);
    const offsetOnly = relocatedRecord(record({ size: 10, compressed: 8, offset: MAGIC }, [2 ** 34]), 99);
    expect(Number(offsetOnly.readBigUInt64LE(47 + 4))).toBe(99);
  });
});
