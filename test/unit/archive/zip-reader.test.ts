import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dosDateTimeToUtcSeconds } from "../../../src/archive/dos-time.js";
import { nameBytes, openEntry, readZipDirectory, ZipFormatError, type RangeSource, type ZipEntry } from "../../../src/archive/zip-reader.js";
import { makeTree, scratchDir } from "./fixtures.js";
import { fileSource, infoZip, writeArchive, zipinfoVerbose } from "./zip-tools.js";

async function contents(source: RangeSource, entry: ZipEntry, chunkSize?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of openEntry(source, entry, chunkSize)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** "2024 Mar 10 08:34:56", as zipinfo prints DOS times, of fields read as UTC. */
function zipinfoTime(entry: ZipEntry): string {
  const d = new Date(dosDateTimeToUtcSeconds(entry.modified) * 1000);
  const month = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
  return `${d.getUTCFullYear()} ${month} ${d.getUTCDate()} ${d.toISOString().slice(11, 19)}`;
}

describe("readZipDirectory", () => {
  it("lists our archive's members with type, CRC-32, sizes, mode and DOS time as zipinfo sees them", async () => {
    const root = await scratchDir();
    await makeTree(root, { "a/b.txt": "hello\n", "run.sh": "#!/bin/sh\n" });
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: () => false });
    const source = await fileSource(out);
    const { entries } = await readZipDirectory(source);
    expect(entries.map((entry) => entry.name)).toEqual(infoZip("zipinfo", ["-1", out]).trim().split("\n"));
    for (const entry of entries) {
      const facts = zipinfoVerbose(out, entry.name);
      expect(entry.crc32.toString(16).padStart(8, "0")).toBe(facts["32-bit CRC value (hex)"]);
      expect(`${entry.uncompressedSize} bytes`).toBe(facts["uncompressed size"]);
      expect(zipinfoTime(entry)).toBe(facts["file last modified on (DOS date/time)"]);
      expect(entry.type).toBe(entry.name.endsWith("/") ? "directory" : "file");
      expect(entry.unixMode! & 0o170000).toBe(entry.type === "directory" ? 0o040000 : 0o100000);
    }
    expect(await contents(source, entries.find((entry) => entry.name === "a/b.txt")!)).toEqual(Buffer.from("hello\n"));
    await source.close();
  });

  /** A 300 KB member and a tiny one: the central directory fits in the last few hundred bytes. */
  async function twoMemberArchive(): Promise<string> {
    const root = await scratchDir();
    await makeTree(root, { "big.bin": "x".repeat(300_000), "small.txt": "s" });
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: () => false });
    return out;
  }

  it("fetches only the last 16 KiB when the central directory is in it", async () => {
    const source = await fileSource(await twoMemberArchive());
    await readZipDirectory(source);
    expect(source.reads).toEqual([[source.size - 16_384, source.size]]);
    await source.close();
  });

  it("reads the whole 64 KiB tail when a long archive comment hides the end record", async () => {
    const out = await twoMemberArchive();
    infoZip("zip", ["-z", out], { input: `${"c".repeat(30_000)}\n` });
    const source = await fileSource(out);
    const { entries } = await readZipDirectory(source);
    expect(entries.map((entry) => entry.name).sort()).toEqual(["./", "big.bin", "small.txt"]);
    expect(source.reads.slice(0, 2)).toEqual([
      [source.size - 16_384, source.size],
      [source.size - 65_633, source.size],
    ]);
    await source.close();
  });

  it("fetches a large central directory once, reusing the tail it already read", async () => {
    const root = await scratchDir();
    const files: Record<string, string> = { "big.bin": "x".repeat(100_000) };
    for (let i = 0; i < 1500; i++) files[`results/a-rather-long-directory-name/sample-${i}.json`] = "{}";
    await makeTree(root, files);
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: () => false });
    const source = await fileSource(out);
    const { entries, centralDirectoryOffset, centralDirectorySize } = await readZipDirectory(source);
    expect(entries).toHaveLength(1504);
    expect(centralDirectorySize).toBeGreaterThan(100_000);
    // Bytes fetched: the central directory and end record, nothing more.
    expect(source.fetched).toBe(source.size - centralDirectoryOffset);
    await source.close();
  });

  it("reads Info-ZIP archives: deflated members, symlink entries, a comment, forced ZIP64", async () => {
    const work = await scratchDir();
    await makeTree(work, { "tree/seq.fasta": "ACGT".repeat(10_000), "tree/empty.txt": "" });
    await symlink("seq.fasta", join(work, "tree/link"));
    infoZip("zip", ["-q", "-r", "-y", "-fz", "plain.zip", "tree"], { cwd: work });
    infoZip("zip", ["-q", "-z", "plain.zip"], { cwd: work, input: "a comment longer than eighty bytes, ".repeat(5) });
    expect(infoZip("unzip", ["-z", "plain.zip"], { cwd: work })).toContain("a comment longer than eighty bytes");
    const source = await fileSource(join(work, "plain.zip"));
    const { entries } = await readZipDirectory(source);
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    expect([...byName.keys()].sort()).toEqual(["tree/", "tree/empty.txt", "tree/link", "tree/seq.fasta"]);
    expect(byName.get("tree/link")!.type).toBe("symlink");
    expect(byName.get("tree/seq.fasta")!.method).toBe(8);
    expect((await contents(source, byName.get("tree/seq.fasta")!)).toString()).toBe("ACGT".repeat(10_000));
    expect((await contents(source, byName.get("tree/empty.txt")!)).length).toBe(0);
    await source.close();
  });

  it("reads exactly 65,535 entries from the classic end record alone, as Zip 3.0 writes them", async () => {
    // Zip 3.0 stores a count of 65,535 as 0xffff without ZIP64 records (checked
    // by hand with 65,535 directories); only the directory matters here, so the
    // archive is a central directory of directory entries and an end record.
    const count = 0xffff;
    const records = Array.from({ length: count }, (_, i) => {
      const name = Buffer.from(`d${i}/`);
      const record = Buffer.alloc(46 + name.length);
      record.writeUInt32LE(0x02014b50, 0);
      record.writeUInt16LE((3 << 8) | 30, 4);
      record.writeUInt16LE(10, 6);
      record.writeUInt16LE(name.length, 28);
      record.writeUInt32LE(((0o040755 << 16) | 0x10) >>> 0, 38);
      name.copy(record, 46);
      return record;
    });
    const central = Buffer.concat(records);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(count, 8);
    end.writeUInt16LE(count, 10);
    end.writeUInt32LE(central.length, 12);
    const path = join(await scratchDir(), "dirs.zip");
    await writeFile(path, Buffer.concat([central, end]));
    const source = await fileSource(path);
    const { entries } = await readZipDirectory(source);
    expect(entries).toHaveLength(count);
    expect(entries.every((entry) => entry.type === "directory")).toBe(true);
    expect(entries[count - 1]!.name).toBe(`d${count - 1}/`);
    await source.close();
  });

  it("keeps the bytes of a name that is not UTF-8, and of no other", async () => {
    const work = await scratchDir();
    const odd = Buffer.concat([Buffer.from("r"), Buffer.from([0xff]), Buffer.from(".txt")]);
    await writeFile(Buffer.concat([Buffer.from(`${work}/`), odd]), "odd");
    await makeTree(work, { "caf\u00e9.txt": "fine", "\uFFFD.txt": "a real U+FFFD" });
    infoZip("zip", ["-q", "-r", "names.zip", "."], { cwd: work });
    const source = await fileSource(join(work, "names.zip"));
    const { entries } = await readZipDirectory(source);
    await source.close();
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    expect(byName.get("r\uFFFD.txt")?.rawName).toEqual(odd);
    expect(byName.get("caf\u00e9.txt")?.rawName).toBeUndefined();
    expect(byName.get("\uFFFD.txt")?.rawName).toBeUndefined();
    expect(entries.map((entry) => nameBytes(entry).toString("latin1")).sort()).toEqual(["caf\xc3\xa9.txt", "r\xff.txt", "\xef\xbf\xbd.txt"]);
  });

  it("rejects a file that is not a ZIP archive", async () => {
    const path = join(await scratchDir(), "not.zip");
    await writeFile(path, "just text, no end record");
    const source = await fileSource(path);
    await expect(readZipDirectory(source)).rejects.toThrow(ZipFormatError);
    await source.close();
  });
});

describe("openEntry", () => {
  async function archive(files: Record<string, string>) {
    const root = await scratchDir();
    await makeTree(root, files);
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: () => false });
    const source = await fileSource(out);
    const { entries } = await readZipDirectory(source);
    source.reads.length = 0;
    source.fetched = 0;
    return { out, source, entry: (name: string) => entries.find((entry) => entry.name === name)! };
  }

  it("fetches exactly the member's span: local header, data and data descriptor", async () => {
    const { source, entry } = await archive({ "one.txt": "1".repeat(5000), "two.txt": "2".repeat(7000) });
    const two = entry("two.txt");
    expect(two.span.end - two.span.start).toBe(30 + "two.txt".length + 7000 + 16);
    expect((await contents(source, two)).toString()).toBe("2".repeat(7000));
    expect(source.reads).toEqual([[two.span.start, two.span.end]]);
    await source.close();
  });

  it("reads a member in chunks of the given size", async () => {
    const { source, entry } = await archive({ "data.txt": "0123456789".repeat(2500) });
    expect((await contents(source, entry("data.txt"), 4096)).toString()).toBe("0123456789".repeat(2500));
    expect(source.reads.length).toBe(Math.ceil((30 + 8 + 25_000) / 4096));
    await source.close();
  });

  it("fails on a CRC-32 mismatch", async () => {
    const { out, source, entry } = await archive({ "data.txt": "original contents" });
    const data = await readFile(out);
    const target = entry("data.txt");
    const at = target.span.start + 30 + "data.txt".length;
    data.writeUInt8(data.readUInt8(at) ^ 0xff, at);
    await writeFile(out, data);
    const damaged = await fileSource(out);
    await expect(contents(damaged, target)).rejects.toThrow(/data.txt is damaged in the archive/);
    await Promise.all([source.close(), damaged.close()]);
  });
});
