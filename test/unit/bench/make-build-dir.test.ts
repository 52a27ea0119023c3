// The benchmarks' build directory generator, on a tiny shape: the parts a
// profile names, what an upload must skip, fixed times, the same bytes from
// the same seed, and the compressibility each kind of file is there for.
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { makeBuildDir, type ProfileShape } from "../../bench/make-build-dir.js";

const TINY: ProfileShape = {
  smallFiles: 40, fastaFiles: 2, fastaMiB: [1, 2], fastaTotalMiB: 3,
  compressed: [["data/a.fasta.gz", 0.25], ["data/b.fasta.xz", 0.25]],
  gitObjects: 10, gitPackMiB: 1, snakemakeFiles: 10,
};

const scratch = mkdtempSync(path.join(tmpdir(), "make-build-dir-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(root, full), createHash("sha256").update(readFileSync(full)).digest("hex"));
    }
  };
  walk(root);
  return files;
}

const ratio = (file: string): number => {
  const data = readFileSync(file);
  return deflateRawSync(data, { level: 6 }).length / data.length;
};

describe("makeBuildDir", () => {
  const first = path.join(scratch, "first");
  const stats = makeBuildDir(first, TINY, 7);
  const files = tree(first);
  const names = [...files.keys()];

  it("makes the files the shape names, and reports them", () => {
    expect(stats.files).toEqual({ small: 40, fasta: 2, compressed: 2, excluded: 10 + 3 + 10 + 2 });
    expect(files.size).toBe(40 + 2 + 2 + 25);
    expect(names.filter((name) => /^(data\/metadata|auspice|defaults|rules|scripts)\/[a-z0-9-]+\/\w+_\d{4}\.(tsv|json|yaml|smk|py)$/.test(name))).toHaveLength(40);
    expect(names.filter((name) => name.startsWith("data/sequences/") && name.endsWith(".fasta"))).toHaveLength(2);
    expect(stats.uploadedBytes).toBe(stats.bytes.small + stats.bytes.fasta + stats.bytes.compressed);
    expect(stats.bytes.fasta).toBeGreaterThanOrEqual(3 * 1024 * 1024);
  });

  it("includes what an upload must skip", () => {
    expect(names).toEqual(expect.arrayContaining([".git/HEAD", ".git/config", ".git/objects/pack/pack-0001.pack", "environment.sh", "scripts/__pycache__/util.cpython-311.pyc"]));
    expect(names.filter((name) => /^\.git\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/.test(name))).toHaveLength(10);
    expect(names.filter((name) => /^\.snakemake\/(metadata|log|conda|incomplete|locks)\/entry_\d{4}\.json$/.test(name))).toHaveLength(10);
  });

  it("stamps every file and directory 2026-01-01T00:00:00Z", () => {
    const times = new Set<number>();
    const walk = (dir: string): void => {
      times.add(statSync(dir).mtimeMs);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(path.join(dir, entry.name));
        else times.add(statSync(path.join(dir, entry.name)).mtimeMs);
      }
    };
    walk(first);
    expect([...times]).toEqual([Date.UTC(2026, 0, 1)]);
  });

  it("gives the same bytes for the same seed, others for another", () => {
    const again = path.join(scratch, "again");
    makeBuildDir(again, TINY, 7);
    expect(tree(again)).toEqual(files);
    const other = path.join(scratch, "other");
    makeBuildDir(other, TINY, 8);
    const otherFiles = tree(other);
    expect(otherFiles.get("data/a.fasta.gz")).not.toBe(files.get("data/a.fasta.gz"));
  });

  it("makes FASTA that deflates to about 2%, text to about a fifth, and compressed files that do not shrink", () => {
    for (const name of names.filter((n) => n.endsWith(".fasta"))) expect(ratio(path.join(first, name))).toBeLessThan(0.03);
    const text = names.filter((n) => /\.(tsv|json|yaml|smk|py)$/.test(n) && !n.startsWith("."));
    const total = text.reduce((sum, n) => sum + statSync(path.join(first, n)).size, 0);
    const packed = text.reduce((sum, n) => sum + deflateRawSync(readFileSync(path.join(first, n)), { level: 6 }).length, 0);
    expect(packed / total).toBeGreaterThan(0.1);
    expect(packed / total).toBeLessThan(0.3);
    for (const name of ["data/a.fasta.gz", "data/b.fasta.xz"]) expect(ratio(path.join(first, name))).toBeGreaterThan(0.98);
    expect(readFileSync(path.join(first, "data/a.fasta.gz")).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(readFileSync(path.join(first, "data/b.fasta.xz")).subarray(0, 6)).toEqual(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  });

  it("refuses a directory that is not empty", () => {
    expect(() => makeBuildDir(first, TINY, 7)).toThrow(/exists and is not empty/);
  });
});
