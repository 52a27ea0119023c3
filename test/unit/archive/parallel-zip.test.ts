// The upload archive as the upload writes it (members deflated in parallel,
// large ones in pieces, compressed formats stored) read back by Info-ZIP: it
// must pass `unzip -t`, unpack to the same bytes, survive the job side's
// `zip -u`, and come back through our own download.
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { uploadCompression, UPLOAD_DEFLATE_LEVEL } from "../../../src/archive/compression.js";
import { extractChanged } from "../../../src/archive/extract.js";
import type { WrittenMember, ZipMember } from "../../../src/archive/zip-member.js";
import { writeZip } from "../../../src/archive/zip-writer.js";
import { scratchDir } from "./fixtures.js";
import { fileSource, infoZip, writeArchive, zipinfoVerbose } from "./zip-tools.js";

const MiB = 1 << 20;

/** Genome-like text: long, repetitive with small differences, so it deflates well across 1 MiB seams. */
function fasta(bytes: number): string {
  const genome = Array.from({ length: 12_000 }, (_, i) => "ACGT"[(i * 7919) % 4]).join("");
  let text = "";
  for (let i = 0; text.length < bytes; i++) text += `>sample-${i}\n${genome.slice(0, 11_000 + (i % 500))}N${i}\n`;
  return text;
}

async function buildTree(): Promise<string> {
  const root = await scratchDir();
  const files: Record<string, string | Buffer> = {
    "data/sequences.fasta": fasta(3.5 * MiB), // four pieces
    "data/blob.bin": randomBytes(2 * MiB + 123), // large, does not compress: stored after its first piece
    "data/metadata.tsv.gz": randomBytes(200_000), // stored by its name
    "random.dat": randomBytes(100), // small, does not compress: stored
    "empty.txt": "",
  };
  for (let i = 0; i < 60; i++) files[`rules/r${i}.smk`] = `rule r${i}:\n    shell: "echo ${i}"\n`.repeat(1 + i * 20); // 30 B to 40 KB
  for (const [name, contents] of Object.entries(files)) {
    await mkdir(join(root, name, ".."), { recursive: true });
    await writeFile(join(root, name), contents);
  }
  return root;
}

async function writeUploadArchive(root: string, out: string): Promise<{ announced: string[]; written: WrittenMember[] }> {
  const announced: string[] = [];
  const written: WrittenMember[] = [];
  await writeArchive(
    out,
    { buildRoot: root, exclude: () => false },
    {
      compression: uploadCompression,
      deflateLevel: UPLOAD_DEFLATE_LEVEL,
      onMember: (member) => announced.push(member.name),
      onWritten: (member) => written.push(member),
    },
  );
  return { announced, written };
}

describe("the parallel upload archive and Info-ZIP", () => {
  it("passes unzip -t, keeps walk order and unpacks to the same bytes; each member has the method it should", async () => {
    const root = await buildTree();
    const out = join(await scratchDir(), "upload.zip");
    const { announced, written } = await writeUploadArchive(root, out);

    expect(infoZip("unzip", ["-t", out])).toMatch(/No errors detected in compressed data/);
    expect(infoZip("zipinfo", ["-1", out]).trim().split("\n")).toEqual(announced);

    const method = (name: string) => zipinfoVerbose(out, name)["compression method"];
    expect(method("data/sequences.fasta")).toMatch(/^deflated/);
    expect(method("rules/r59.smk")).toMatch(/^deflated/);
    expect(method("rules/r1.smk")).toMatch(/^deflated/);
    expect(method("data/blob.bin")).toBe("none (stored)");
    expect(method("data/metadata.tsv.gz")).toBe("none (stored)");
    expect(method("random.dat")).toBe("none (stored)");

    const job = await scratchDir();
    infoZip("unzip", ["-q", out], { cwd: job });
    for (const member of written) {
      const original = await readFile(member.member.path);
      // Buffer.equals: vitest's deep equality takes seconds per megabyte.
      expect((await readFile(join(job, member.member.name))).equals(original), member.member.name).toBe(true);
      expect(member.crc32).toBe(crc32(original));
      expect(member.size).toBe(original.length);
    }
    const sequences = written.find((member) => member.member.name === "data/sequences.fasta");
    expect(sequences?.method).toBe("deflate");
    expect(sequences?.compressedSize).toBeLessThan((sequences?.size ?? 0) / 20);
  }, 60_000);

  it("survives the job's zip -u, and our download brings back exactly what the job changed", async () => {
    const root = await buildTree();
    const work = await scratchDir();
    const archive = join(work, "workdir.zip");
    await writeUploadArchive(root, archive);

    // The job: unzip, change two files, add results/, zip -u (C104, C105).
    const job = await scratchDir();
    infoZip("unzip", ["-q", archive], { cwd: job });
    await appendFile(join(job, "data/sequences.fasta"), ">new\nACGT\n");
    await appendFile(join(job, "rules/r3.smk"), "# edited\n");
    await mkdir(join(job, "results"));
    await writeFile(join(job, "results/tree.json"), JSON.stringify({ nodes: Array.from({ length: 500 }, (_, i) => i) }));
    // zip -u replaces members whose file is newer, at the DOS time's 2 s resolution: the job runs later.
    const later = Date.now() / 1000 + 60;
    for (const name of ["data/sequences.fasta", "rules/r3.smk"]) await utimes(join(job, name), later, later);
    infoZip("zip", ["-q", "-u", archive, "-r", "."], { cwd: job });
    expect(infoZip("unzip", ["-t", archive])).toMatch(/No errors detected/);

    const source = await fileSource(archive);
    const extracted: string[] = [];
    const result = await extractChanged(source, { buildRoot: root, wanted: () => true, onExtract: (path) => extracted.push(path) });
    await source.close();
    expect(extracted.map((path) => path.slice(root.length + 1)).sort()).toEqual(["data/sequences.fasta", "results", "results/tree.json", "rules/r3.smk"]);
    expect(result.extracted).toBe(4);
    for (const name of ["data/sequences.fasta", "rules/r3.smk", "results/tree.json", "data/blob.bin"]) {
      expect((await readFile(join(root, name))).equals(await readFile(join(job, name))), name).toBe(true);
    }
    // Only the changed members and the directory were fetched, not the 2 MiB blob or the 3.5 MiB sequences' old copy.
    expect(source.fetched).toBeLessThan(200_000 + 16_384);
  }, 60_000);

  it("writes in member order however long each member takes to deflate", async () => {
    const root = await scratchDir();
    const members: ZipMember[] = [];
    for (let i = 0; i < 40; i++) {
      // Alternate slow (large, compressible) and instant (tiny) members.
      const contents = i % 2 === 0 ? fasta(300_000 + i * 1000) : `tiny ${i}\n`;
      const path = join(root, `m${i}.txt`);
      await writeFile(path, contents);
      members.push({ name: `m${i}.txt`, path, isDirectory: false, size: contents.length, mode: 0o644, mtime: new Date() });
    }
    const out = join(await scratchDir(), "order.zip");
    await writeArchive(
      out,
      (async function* () {
        yield* members;
      })(),
      { compression: () => "deflate" },
    );
    expect(infoZip("zipinfo", ["-1", out]).trim().split("\n")).toEqual(members.map((member) => member.name));
    expect(infoZip("unzip", ["-tq", out])).toMatch(/No errors detected/);
  });
});

describe("reading ahead past a large stored member", () => {
  it("deflates the members after it while it is still being sent, holding only their deflated bytes", async () => {
    const root = await scratchDir();
    const stored = randomBytes(12 * MiB);
    const genome = fasta(24 * MiB);
    await writeFile(join(root, "a.tar.gz"), stored);
    await writeFile(join(root, "b.fasta"), genome);
    const members: ZipMember[] = ["a.tar.gz", "b.fasta"].map((name) => ({ name, path: join(root, name), isDirectory: false, size: name === "b.fasta" ? genome.length : stored.length, mode: 0o644, mtime: new Date() }));
    let read = 0;
    const stream = writeZip(
      (async function* () {
        yield* members;
      })(),
      { compression: uploadCompression, onBytes: (bytes) => (read += bytes) },
    );
    const chunks: Buffer[] = [];
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    // The consumer (the upload, limited by the link) takes the first piece of the stored member, then waits.
    while (chunks.reduce((sum, chunk) => sum + chunk.length, 0) < MiB) chunks.push((await iterator.next()).value as Buffer);
    // Meanwhile the whole FASTA file is read and deflated, far beyond the 8 MiB read-ahead of file bytes.
    await vi.waitFor(() => expect(read).toBeGreaterThanOrEqual(genome.length), { timeout: 20_000, interval: 20 });
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) chunks.push(next.value as Buffer);
    const out = join(await scratchDir(), "ahead.zip");
    await writeFile(out, Buffer.concat(chunks));
    expect(infoZip("unzip", ["-tq", out])).toMatch(/No errors detected/);
    expect(infoZip("zipinfo", ["-1", out]).trim().split("\n")).toEqual(["a.tar.gz", "b.fasta"]);
  }, 60_000);
});

describe("uploadCompression", () => {
  const member = (name: string): ZipMember => ({ name, path: `/x/${name}`, isDirectory: false, size: 1, mode: 0o644, mtime: new Date() });
  it.each([
    ["data/sequences.fasta", "deflate"],
    ["results/tree.json", "deflate"],
    ["Snakefile", "deflate"],
    [".hidden", "deflate"],
    ["data/metadata.tsv.gz", "store"],
    ["data/sequences.FASTA.XZ", "store"],
    ["data/alignment.bam", "store"],
    ["data/reads.cram", "store"],
    ["figures/tree.png", "store"],
    ["report.pdf", "store"],
    ["data/x.zst", "store"],
    ["archive.zip", "store"],
  ])("%s is %s", (name, expected) => {
    expect(uploadCompression(member(name))).toBe(expected);
  });
});

describe("extractChanged with a record of the upload (knownUnchanged)", () => {
  it("trusts the record instead of reading the file, and reads files the record does not vouch for", async () => {
    const root = await scratchDir();
    await writeFile(join(root, "a.txt"), "original a\n");
    await writeFile(join(root, "b.txt"), "original b\n");
    const archive = join(await scratchDir(), "result.zip");
    const job = await scratchDir();
    await writeFile(join(job, "a.txt"), "job's a\n");
    await writeFile(join(job, "b.txt"), "job's b\n");
    infoZip("zip", ["-q", "-r", archive, "."], { cwd: job });

    const asked: [string, number][] = [];
    const source = await fileSource(archive);
    const result = await extractChanged(source, {
      buildRoot: root,
      wanted: () => true,
      knownUnchanged: (path, size) => {
        asked.push([path.slice(root.length + 1), size]);
        // Claims a.txt matches whatever the archive holds: so it is neither read nor replaced.
        return path.endsWith("a.txt");
      },
    });
    await source.close();
    expect(asked.sort()).toEqual([
      ["a.txt", 11],
      ["b.txt", 11],
    ]);
    expect(await readFile(join(root, "a.txt"), "utf8")).toBe("original a\n");
    expect(await readFile(join(root, "b.txt"), "utf8")).toBe("job's b\n");
    expect(result).toMatchObject({ extracted: 1, unchanged: 1 });
  });

  it("takes a file the record knows to hold other contents as changed, without reading it", async () => {
    const root = await scratchDir();
    const archive = join(await scratchDir(), "result.zip");
    const job = await scratchDir();
    await writeFile(join(job, "a.txt"), "same\n");
    infoZip("zip", ["-q", "-r", archive, "."], { cwd: job });
    // The local file holds the member's contents: read, it would count as unchanged.
    await writeFile(join(root, "a.txt"), "same\n");
    const source = await fileSource(archive);
    const result = await extractChanged(source, { buildRoot: root, wanted: () => true, knownUnchanged: () => "changed" });
    await source.close();
    expect(result).toMatchObject({ extracted: 1, unchanged: 0 });
  });
});
