// The benchmark build directories, generated once and kept between runs in
// the temporary directory (`$TMPDIR/nextstrain-ts-bench/`):
//  - `small` and `large` from make-build-dir.ts (a synthetic pathogen build);
//  - `many`: 100,000 small text files in 1,000 directories (P5);
//  - for each, the result archive of a simulated job: the uploaded archive
//    unpacked, 5% of its files edited, a results/ folder added, and the
//    archive updated with Info-ZIP `zip -u`, as the job does.
import { execFileSync } from "node:child_process";
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { uploadCompression, UPLOAD_DEFLATE_LEVEL } from "../../src/archive/compression.js";
import { workdirMembers } from "../../src/archive/workdir-archive.js";
import { writeZip } from "../../src/archive/zip-writer.js";
import { buildRootExcluder } from "../../src/runner/upload.js";
import { makeBuildDir } from "./make-build-dir.js";

export type DatasetName = "small" | "large" | "many";

export const CACHE = join(tmpdir(), "nextstrain-ts-bench");
const SEED = 20260101;

export interface Dataset {
  name: DatasetName;
  dir: string;
  files: number;
  bytes: number;
}

export function ensureDataset(name: DatasetName): Dataset {
  // "-ts": not the directories an earlier generator left in the cache.
  const dir = join(CACHE, name === "many" ? `${name}-${SEED}` : `${name}-ts-${SEED}`);
  if (!existsSync(dir)) {
    mkdirSync(CACHE, { recursive: true });
    const partial = `${dir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    console.error(`generating the ${name} dataset in ${dir} (once)...`);
    if (name === "many") makeManyFiles(partial);
    else makeBuildDir(partial, name, SEED);
    renameSync(partial, dir);
  }
  return { name, dir, ...uploadedSize(dir) };
}

/** Files and bytes the upload takes (the generator's excluded parts left out). */
function uploadedSize(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const excluded = buildRootExcluder(root, []);
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (excluded(path, entry.isDirectory())) continue;
      if (entry.isDirectory()) visit(path);
      else {
        files += 1;
        bytes += statSync(path).size;
      }
    }
  };
  visit(root);
  return { files, bytes };
}

/** 100,000 text files of 200 B to 2 KB, deterministic. */
function makeManyFiles(root: string): void {
  let state = SEED;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const words = "align ancestral clade country date export filter frequencies host lineage mask metadata mutation refine region root sequences subsample traits translate tree".split(" ");
  for (let d = 0; d < 1000; d++) {
    const dir = join(root, `part-${String(d).padStart(3, "0")}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++) {
      const target = 200 + Math.floor(random() * 1800);
      let text = "";
      while (text.length < target) text += `${words[Math.floor(random() * words.length)]}\t${Math.floor(random() * 100000)}\n`;
      const path = join(dir, `file-${String(f).padStart(3, "0")}.tsv`);
      writeFileSync(path, text);
      utimesSync(path, 1767225600, 1767225600);
    }
  }
}

export interface JobResult {
  /** The result archive, as the job leaves it in S3. */
  archive: string;
  /** Files the job changed or added (names relative to the build root). */
  changed: string[];
}

/**
 * The job's result archive for a dataset, made once: our upload archive,
 * unpacked with `unzip`, 5% of the files edited (every 20th in walk order,
 * a line appended), a results/ folder added, and `zip -u` as the job runs it.
 */
export async function ensureJobResult(dataset: Dataset): Promise<JobResult> {
  const base = `${dataset.dir}-job`;
  const archive = `${base}.zip`;
  const changedList = `${base}.changed.json`;
  if (!existsSync(changedList)) {
    console.error(`simulating a job on the ${dataset.name} dataset (once)...`);
    rmSync(base, { recursive: true, force: true });
    mkdirSync(base, { recursive: true });
    const upload = `${base}.partial.zip`;
    await pipeline(
      writeZip(workdirMembers({ buildRoot: dataset.dir, exclude: buildRootExcluder(dataset.dir, []) }), {
        compression: uploadCompression,
        deflateLevel: UPLOAD_DEFLATE_LEVEL,
      }),
      createWriteStream(upload),
    );
    execFileSync("unzip", ["-q", "-o", upload], { cwd: base });
    const files = execFileSync("unzip", ["-Z1", upload], { encoding: "utf8", maxBuffer: 1 << 28 })
      .split("\n")
      .filter((name) => name !== "" && !name.endsWith("/"));
    const changed: string[] = [];
    files.forEach((name, i) => {
      if (i % 20 !== 7) return;
      appendFileSync(join(base, name), `# changed by the job ${i}\n`);
      changed.push(name);
    });
    const results = join(base, "results");
    mkdirSync(results, { recursive: true });
    for (let i = 0; i < 20; i++) {
      const name = `results/output-${i}.tsv`;
      writeFileSync(join(base, name), `strain\tvalue\n${"sample\t1\n".repeat(2000 * (i + 1))}`);
      changed.push(name);
    }
    // The job's edits are newer than the archive's times, as on Batch.
    execFileSync("zip", ["-q", "-u", upload, "-r", ".", "--exclude", ".snakemake/*"], { cwd: base });
    renameSync(upload, archive);
    rmSync(base, { recursive: true, force: true });
    writeFileSync(changedList, JSON.stringify(changed));
  }
  return { archive, changed: JSON.parse(readFileSync(changedList, "utf8")) as string[] };
}
