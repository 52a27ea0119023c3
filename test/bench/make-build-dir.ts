// A synthetic, deterministic pathogen build directory for the benchmarks:
//
//   tsx test/bench/make-build-dir.ts OUTDIR [--profile small|large] [--seed N]
//
// Profiles (sizes of what an upload sends, leaving out what it must skip):
//  - large, about 1 GiB: 5,000 small text files of 1-50 KB (metadata TSV,
//    Auspice JSON, YAML config, Snakemake rules, Python), 20 FASTA files of
//    20-50 MB (800 MB in all) of near-identical genomes, so very compressible,
//    and 4 already-compressed files (.xz and .gz, 12-45 MB, incompressible);
//  - small, about 50 MB: 500 small files, 2 FASTA files of 13 MB, one .gz of
//    8 MB.
// Both also hold what an upload must skip: .git/ (loose objects and a pack of
// random bytes), .snakemake/ (JSON in metadata/, log/, conda/, incomplete/,
// locks/), environment.sh and a __pycache__/.
//
// The same seed gives the same files and the same modification times
// (2026-01-01T00:00:00Z for files and directories), so runs and tools compare
// like with like. The .xz files come from the `xz` program (XZ Utils), as Node
// has no LZMA; everything else is made here.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export type Profile = "small" | "large";

const MiB = 1024 * 1024;
const FIXED_MTIME = 1767225600; // 2026-01-01T00:00:00Z

export interface ProfileShape {
  smallFiles: number;
  fastaFiles: number;
  fastaMiB: [number, number];
  fastaTotalMiB: number;
  /** Already-compressed files: name, about how many MiB compressed. */
  compressed: [string, number][];
  gitObjects: number;
  gitPackMiB: number;
  snakemakeFiles: number;
}

export const PROFILES: Record<Profile, ProfileShape> = {
  large: {
    smallFiles: 5000, fastaFiles: 20, fastaMiB: [20, 50], fastaTotalMiB: 800,
    compressed: [["data/sequences_open.fasta.xz", 45], ["data/metadata_open.tsv.gz", 35], ["data/nextclade_dataset.tar.gz", 25], ["data/alignment_cache.fasta.xz", 12]],
    gitObjects: 2000, gitPackMiB: 30, snakemakeFiles: 600,
  },
  small: {
    smallFiles: 500, fastaFiles: 2, fastaMiB: [13, 13], fastaTotalMiB: 26,
    compressed: [["data/sequences_open.fasta.gz", 8]],
    gitObjects: 200, gitPackMiB: 3, snakemakeFiles: 60,
  },
};

const COUNTRIES = ["USA", "Brazil", "India", "Kenya", "Germany", "Japan", "Peru", "Nigeria", "Vietnam", "France", "Canada", "Chile", "Uganda", "Spain", "China", "Mexico"];
const REGIONS = ["North America", "South America", "Asia", "Africa", "Europe", "Oceania"];
const HOSTS = ["Homo sapiens", "Gallus gallus", "Sus scrofa", "Bos taurus", "Anas platyrhynchos"];
const CLADES = ["1a", "1b", "2a", "2b", "3", "4.1", "4.2", "5a.2a", "5a.2a.1", "B.1.1.7", "XBB.1.5", "JN.1"];
const LINEAGES = ["h1n1", "h3n2", "vic", "yam", "rsv-a", "rsv-b", "mpox", "zika"];
const WORDS = (
  "build tree refine ancestral translate traits export filter subsample align mask clade frequencies metadata sequences " +
  "reference root coalescent timetree date inference region country division host segment lineage mutation"
).split(" ");
const BASES = Buffer.from("ACGT");

/** sfc32: a small, fast generator with a 128-bit state, seeded through splitmix32. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    [this.a, this.b, this.c, this.d] = [next(), next(), next(), next()];
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** In [0, 1). */
  random(): number {
    return this.uint32() / 2 ** 32;
  }

  /** An integer in [low, high], both included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low + 1));
  }

  uniform(low: number, high: number): number {
    return low + this.random() * (high - low);
  }

  choice<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  bytes(length: number): Buffer {
    const words = new Uint32Array(Math.ceil(length / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.uint32();
    return Buffer.from(words.buffer, 0, length);
  }

  /** Random bases: each byte of random data picks one of A, C, G, T. */
  bases(length: number): Buffer {
    const data = this.bytes(length);
    for (let i = 0; i < length; i++) data[i] = BASES[(data[i] as number) & 3] as number;
    return data;
  }
}

const strain = (rng: Random, i: number): string => `${rng.choice(COUNTRIES)}/${rng.int(1, 99999)}/${rng.int(2015, 2026)}_${i}`;
const pad = (n: number, width: number): string => String(n).padStart(width, "0");
const capitalize = (word: string): string => word[0]?.toUpperCase() + word.slice(1);

/** Nextstrain-style metadata: one sample a row. */
function tsv(rng: Random, target: number): string {
  const lines = ["strain\taccession\tdate\tregion\tcountry\tdivision\thost\tclade\tlength\tcoverage\tsubmitting_lab\tauthors"];
  let size = lines[0]?.length ?? 0;
  for (let i = 0; size < target; i++) {
    const row = [
      strain(rng, i), `OQ${rng.int(100000, 999999)}.1`, `${rng.int(2015, 2026)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`,
      rng.choice(REGIONS), rng.choice(COUNTRIES), `Division ${rng.int(1, 60)}`, rng.choice(HOSTS), rng.choice(CLADES),
      String(rng.int(9000, 30000)), rng.random().toFixed(4), `Lab ${rng.int(1, 400)}`,
      `${[0, 1, 2].map(() => capitalize(rng.choice(WORDS))).join(" ")} et al`,
    ].join("\t");
    lines.push(row);
    size += row.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

/** An Auspice-like tree: nodes with attributes and mutations. */
function auspiceJson(rng: Random, target: number): string {
  const children: object[] = [];
  for (let size = 0; size < target; size += 260) {
    children.push({
      name: strain(rng, children.length),
      node_attrs: {
        div: Math.round(rng.random() * 0.01 * 1e6) / 1e6,
        num_date: { value: Math.round((2015 + rng.random() * 11) * 1e4) / 1e4 },
        country: { value: rng.choice(COUNTRIES) },
        clade_membership: { value: rng.choice(CLADES) },
      },
      branch_attrs: { mutations: { nuc: Array.from({ length: rng.int(0, 6) }, () => `${rng.choice([..."ACGT"])}${rng.int(1, 30000)}${rng.choice([..."ACGT"])}`) } },
    });
  }
  return JSON.stringify({ version: "v2", meta: { title: "synthetic" }, tree: { children } }, null, 1);
}

type TextKind = "yaml" | "smk" | "py";

function textFile(rng: Random, target: number, kind: TextKind): string {
  const lines: string[] = [];
  for (let size = 0; size < target; ) {
    let line: string;
    if (kind === "yaml") line = `${rng.choice(WORDS)}_${rng.int(0, 99)}: ${rng.choice(WORDS)} ${rng.int(0, 10000)}`;
    else if (kind === "smk") {
      const word = rng.choice(WORDS);
      line = `rule ${word}_${rng.int(0, 999)}:\n    input: "results/${word}.json"\n    output: "results/${rng.choice(WORDS)}.json"\n    shell: "augur ${word} --input {input}"\n`;
    } else line = `def ${rng.choice(WORDS)}_${rng.int(0, 999)}(x):  # ${Array.from({ length: 6 }, () => rng.choice(WORDS)).join(" ")}\n    return x`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}

/** Whole records of near-identical genomes (about 0.2% of sites changed, some runs of N), one line each. */
function fasta(rng: Random, size: number, genomeLength: number): Buffer {
  const reference = rng.bases(genomeLength);
  const records: Buffer[] = [];
  for (let total = 0, i = 0; total < size; i++) {
    const sequence = Buffer.from(reference);
    for (let m = 0; m < genomeLength / 500; m++) sequence[Math.floor(rng.random() * genomeLength)] = BASES[rng.int(0, 3)] as number;
    if (rng.random() < 0.2) {
      const start = Math.floor(rng.random() * (genomeLength - 300));
      sequence.fill("N", start, start + rng.int(20, 300));
    }
    const record = Buffer.concat([Buffer.from(`>${strain(rng, i)}\n`), sequence, Buffer.from("\n")]);
    records.push(record);
    total += record.length;
  }
  return Buffer.concat(records);
}

/** Random-base FASTA, compressed: gzip level 1 (about 3.0x) or xz -0 (about 3.15x), sized to land near `mib` compressed. */
function compressedFile(rng: Random, name: string, mib: number): Buffer {
  const xz = name.endsWith(".xz");
  const records: Buffer[] = [];
  const count = Math.floor((mib * MiB * (xz ? 3.15 : 3.0)) / 60_000) + 1;
  for (let k = 0; k < count; k++) records.push(Buffer.from(`>r${k}\n`), rng.bases(60_000), Buffer.from("\n"));
  const raw = Buffer.concat(records);
  if (!xz) return gzipSync(raw, { level: 1 });
  try {
    return execFileSync("xz", ["-0", "-T1", "-c"], { input: raw, maxBuffer: raw.length });
  } catch (error) {
    throw new Error(`cannot make ${name} with xz (apt-get install -y xz-utils): ${(error as Error).message}`);
  }
}

export interface BuildDirStats {
  files: Record<"small" | "fasta" | "compressed" | "excluded", number>;
  bytes: Record<"small" | "fasta" | "compressed" | "excluded", number>;
  uploadedFiles: number;
  uploadedBytes: number;
}

/** Writes the build directory of a profile (or of any shape: tests use tiny ones) into `root`. */
export function makeBuildDir(root: string, profile: Profile | ProfileShape, seed: number): BuildDirStats {
  if (existsSync(root) && readdirSync(root).length > 0) throw new Error(`${root} exists and is not empty`);
  const shape = typeof profile === "string" ? PROFILES[profile] : profile;
  const rng = new Random(seed);
  const files = { small: 0, fasta: 0, compressed: 0, excluded: 0 };
  const bytes = { small: 0, fasta: 0, compressed: 0, excluded: 0 };
  const write = (kind: keyof typeof files, relative: string, data: string | Buffer): void => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
    utimesSync(file, FIXED_MTIME, FIXED_MTIME);
    files[kind] += 1;
    bytes[kind] += Buffer.byteLength(data);
  };

  // Small text files: 35% metadata, 25% Auspice JSON, 15% config, 15% rules, 10% scripts.
  const kinds: [number, string, (target: number) => string][] = [
    [0.35, "data/metadata/{r}/batch_{i}.tsv", (target) => tsv(rng, target)],
    [0.6, "auspice/{r}/tree_{i}.json", (target) => auspiceJson(rng, target)],
    [0.75, "defaults/{r}/config_{i}.yaml", (target) => textFile(rng, target, "yaml")],
    [0.9, "rules/{r}/rule_{i}.smk", (target) => textFile(rng, target, "smk")],
    [1, "scripts/{r}/script_{i}.py", (target) => textFile(rng, target, "py")],
  ];
  for (let i = 0; i < shape.smallFiles; i++) {
    const x = rng.random();
    const [, pattern, make] = kinds.find(([upTo]) => x <= upTo) ?? (kinds[kinds.length - 1] as (typeof kinds)[number]);
    const body = make(Math.floor(rng.uniform(1, 50) * 1024));
    write("small", pattern.replace("{r}", rng.choice(LINEAGES)).replace("{i}", pad(i, 4)), body);
  }

  // Large FASTA files, scaled to the profile's total.
  const [low, high] = shape.fastaMiB;
  const sizes = Array.from({ length: shape.fastaFiles }, () => rng.uniform(low, high));
  const scale = shape.fastaTotalMiB / sizes.reduce((sum, size) => sum + size, 0);
  sizes.forEach((size, i) => {
    const mib = Math.min(high, Math.max(low, size * scale));
    const genome = rng.choice([10_700, 13_500, 15_200, 29_903]);
    write("fasta", `data/sequences/${["h1n1", "h3n2", "rsv-a", "mpox", "zika"][i % 5]}_${pad(i, 2)}.fasta`, fasta(rng, Math.floor(mib * MiB), genome));
  });

  for (const [name, mib] of shape.compressed) write("compressed", name, compressedFile(rng, name, mib));

  // What an upload must leave out.
  for (let i = 0; i < shape.gitObjects; i++) {
    const hash = rng.bytes(20).toString("hex");
    write("excluded", `.git/objects/${hash.slice(0, 2)}/${hash.slice(2)}`, gzipSync(textFile(rng, rng.int(500, 8000), "py")));
  }
  write("excluded", ".git/objects/pack/pack-0001.pack", rng.bytes(shape.gitPackMiB * MiB));
  write("excluded", ".git/HEAD", "ref: refs/heads/main\n");
  write("excluded", ".git/config", "[core]\n\tbare = false\n");
  for (let i = 0; i < shape.snakemakeFiles; i++) {
    const sub = rng.choice(["metadata", "log", "conda", "incomplete", "locks"]);
    write("excluded", `.snakemake/${sub}/entry_${pad(i, 4)}.json`, auspiceJson(rng, rng.int(2000, 40000)));
  }
  write("excluded", "environment.sh", "export SECRET_TOKEN=not-a-real-secret\n");
  write("excluded", "scripts/__pycache__/util.cpython-311.pyc", rng.bytes(4096));

  // Directory times last: writing into a directory changes its time.
  const stampDirs = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) stampDirs(path.join(dir, entry.name));
    utimesSync(dir, FIXED_MTIME, FIXED_MTIME);
  };
  stampDirs(root);
  const uploadedFiles = files.small + files.fasta + files.compressed;
  const uploadedBytes = bytes.small + bytes.fasta + bytes.compressed;
  return { files, bytes, uploadedFiles, uploadedBytes };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { profile: { type: "string", default: "large" }, seed: { type: "string", default: "20260101" } },
  });
  const [outdir] = positionals;
  if (outdir === undefined || (values.profile !== "small" && values.profile !== "large")) {
    console.error("usage: tsx test/bench/make-build-dir.ts OUTDIR [--profile small|large] [--seed N]");
    process.exit(2);
  }
  const stats = makeBuildDir(path.resolve(outdir), values.profile, Number(values.seed));
  console.log(JSON.stringify({ outdir: path.resolve(outdir), profile: values.profile, seed: Number(values.seed), ...stats, uploadedMiB: Math.round((stats.uploadedBytes / MiB) * 10) / 10 }));
}
