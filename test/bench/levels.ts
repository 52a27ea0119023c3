// How the deflate level was chosen (src/archive/compression.ts): ratio and
// single-thread speed of each zlib level on the dataset's kinds of files:
// the FASTA files (first 4 MiB of each) and the small text files.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import type { Dataset } from "./datasets.js";
import { round } from "./measure.js";

const LEVELS = [1, 3, 5, 6, 7, 9];
const SAMPLE = 4 << 20;

export interface LevelFigures {
  kind: string;
  MiB: number;
  byLevel: { level: number; ratio: number; MBps: number }[];
}

export function benchLevels(dataset: Dataset): LevelFigures[] {
  const fasta: Buffer[] = [];
  const text: Buffer[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith(".") || entry.name === "__pycache__") continue;
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".fasta")) fasta.push(readFileSync(path).subarray(0, SAMPLE));
      else if (/\.(tsv|json|yaml|smk|py)$/.test(entry.name) && statSync(path).size < 1 << 20) text.push(readFileSync(path));
    }
  };
  visit(dataset.dir);
  return [
    { kind: `FASTA (first 4 MiB of ${fasta.length} files)`, files: fasta },
    { kind: `small text files (${text.length})`, files: text },
  ].map(({ kind, files }) => {
    const bytes = files.reduce((sum, file) => sum + file.length, 0);
    return {
      kind,
      MiB: round(bytes / 2 ** 20),
      byLevel: LEVELS.map((level) => {
        const started = performance.now();
        const out = files.reduce((sum, file) => sum + deflateRawSync(file, { level }).length, 0);
        const seconds = (performance.now() - started) / 1000;
        return { level, ratio: round(out / bytes), MBps: round(bytes / 1e6 / seconds) };
      }),
    };
  });
}
