// P6: re-runs. A first run uploads the dataset (a full upload: nothing is
// recorded yet), which then stands for the previous run's result archive as
// a download records it. Then one small file is edited, then 5% of the
// files: each time the re-run's upload (copying the unchanged members inside
// S3) alternates with a full upload of the same tree (--full-upload), both
// from the same record. Bytes sent and copied come from the tool.
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCopyCommand } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { readZipDirectory } from "../../src/archive/zip-reader.js";
import { openObjectRanges } from "../../src/aws/s3.js";
import { ArchiveRecords } from "../../src/state/archive-records.js";
import { BUCKET, deleteObject, type BenchContext } from "./context.js";
import type { Dataset } from "./datasets.js";
import { max, measure, median, round } from "./measure.js";
import { startProxy } from "./proxy.js";
import { MiB, type Link } from "./upload.js";

interface Sample {
  seconds: number;
  stageSeconds: number;
  peakRssMB: number;
  sentBytes: number;
  copiedBytes: number;
  full: string | null;
}

export interface RerunScenario {
  name: string;
  editedFiles: number;
  /** The edited files deflated at level 6 (stored when that is not smaller), as the upload writes them. */
  editedCompressedMiB: number;
  runs: { incremental: Sample[]; full: Sample[] };
  median: Record<"incremental" | "full", { seconds: number; stageSeconds: number; peakRssMB: number; sentMiB: number; copiedMiB: number }>;
  /**
   * Wall time of the re-run over the full upload; bytes sent over the edited
   * files' compressed size, with and without the central directory (which a
   * re-run always sends whole).
   */
  ratios: { time: number; sentVsEdited: number; sentButCentralVsEdited: number };
  /** Why a run that should have copied did not (none expected). */
  fullReasons: string[];
}

export interface RerunFigures {
  dataset: string;
  link: string;
  firstRun: { seconds: number; sentMiB: number };
  /** The previous archive's central directory, about what every re-run sends besides the changed members. */
  centralDirectoryMiB: number;
  /**
   * The server's own cost of a copy: one multipart upload of the whole
   * previous archive as one UploadPartCopy, completed (median seconds). No
   * re-run against this server can be faster; S3 copies inside itself.
   */
  serverCopySeconds: number;
  scenarios: RerunScenario[];
}

/** The uploaded small text files of the tree (what people edit between runs), in name order. */
function textFiles(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if ([".git", ".snakemake", "__pycache__"].includes(entry.name) || entry.name.startsWith("environment")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.(tsv|json|yaml|smk|py)$/.test(entry.name) && statSync(path).size < 64 * 1024) found.push(path);
    }
  };
  visit(root);
  return found;
}

/** Appends a line to each file: a new file under the old name (the tree's files are hard links into the dataset). */
function edit(files: readonly string[]): number {
  let compressed = 0;
  for (const file of files) {
    const contents = Buffer.concat([readFileSync(file), Buffer.from(`# edited ${Date.now()}\n`)]);
    unlinkSync(file);
    writeFileSync(file, contents);
    compressed += Math.min(contents.length, deflateRawSync(contents, { level: 6 }).length);
  }
  return compressed;
}

export async function benchRerun(context: BenchContext, dataset: Dataset, link: Link): Promise<RerunFigures> {
  const proxy = link.rate ? await startProxy(context.stack.motoEndpoint, link.rate) : undefined;
  const endpoint = proxy?.endpoint ?? context.stack.motoEndpoint;
  const slug = link.name.replace(/\W+/g, "-");
  const tree = join(context.scratch, `rerun-${slug}`);
  const archivesDir = join(context.scratch, `rerun-records-${slug}`);
  execFileSync("cp", ["-al", dataset.dir, tree]);
  const previousKey = `bench/rerun-previous-${slug}.zip`;
  const driver = (key: string, mode: string) => measure("node", [context.drivers.rerun, endpoint, BUCKET, key, tree, archivesDir, mode], { env: context.env });
  const sample = async (key: string, mode: string): Promise<Sample> => {
    const run = await driver(key, mode);
    const answer = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as Omit<Sample, "seconds" | "peakRssMB">;
    return { seconds: run.seconds, peakRssMB: run.peakRssMB, ...answer };
  };
  try {
    const first = await sample(previousKey, "incremental");
    await driver(previousKey, "record-previous");
    const previous = await openObjectRanges(context.s3, { bucket: BUCKET, key: previousKey });
    const centralBytes = (await readZipDirectory(previous)).centralDirectorySize;
    const copySeconds: number[] = [];
    for (let run = 0; run < context.runs; run++) copySeconds.push(await serverCopy(context, previousKey, previous.size));
    const recordFile = new ArchiveRecords(archivesDir).fileOf(tree);
    const record = readFileSync(recordFile);
    const candidates = textFiles(tree);
    const plans = [
      { name: "one small file edited", files: candidates.slice(0, 1) },
      { name: "5% of files edited", files: candidates.filter((_, i) => i % Math.max(1, Math.round(candidates.length / (dataset.files * 0.05))) === 0).slice(0, Math.round(dataset.files * 0.05)) },
    ];
    const scenarios: RerunScenario[] = [];
    for (const plan of plans) {
      const compressed = edit(plan.files);
      const runs: RerunScenario["runs"] = { incremental: [], full: [] };
      for (let run = 0; run < context.runs; run++) {
        for (const mode of run % 2 === 0 ? (["incremental", "full"] as const) : (["full", "incremental"] as const)) {
          writeFileSync(recordFile, record); // each run starts from the previous run's record
          const key = `bench/rerun-${slug}-${mode}-${run}.zip`;
          runs[mode].push(await sample(key, mode));
          await deleteObject(context, key);
        }
        console.error(`  re-run ${dataset.name} ${link.name} ${plan.name} run ${run + 1}: incremental ${runs.incremental.at(-1)?.seconds.toFixed(2)} s, full ${runs.full.at(-1)?.seconds.toFixed(2)} s`);
      }
      scenarios.push(summarize(plan.name, plan.files.length, compressed, centralBytes, runs));
      // The next scenario starts from the same previous archive; these edits stay.
    }
    const firstRun = { seconds: round(first.seconds), sentMiB: round(first.sentBytes / MiB) };
    return { dataset: dataset.name, link: link.name, firstRun, centralDirectoryMiB: round(centralBytes / MiB), serverCopySeconds: round(median(copySeconds)), scenarios };
  } finally {
    await proxy?.close();
    await deleteObject(context, previousKey).catch(() => undefined);
    rmSync(tree, { recursive: true, force: true });
    rmSync(archivesDir, { recursive: true, force: true });
  }
}

/** Seconds the server takes to make a new object from the whole of `key` with one UploadPartCopy. */
async function serverCopy(context: BenchContext, key: string, size: number): Promise<number> {
  const target = `${key}-server-copy`;
  const started = performance.now();
  const { UploadId } = await context.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: target }));
  const copied = await context.s3.send(new UploadPartCopyCommand({ Bucket: BUCKET, Key: target, UploadId, PartNumber: 1, CopySource: `${BUCKET}/${key}`, CopySourceRange: `bytes=0-${size - 1}` }));
  await context.s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: target, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult?.ETag }] } }));
  const seconds = (performance.now() - started) / 1000;
  await deleteObject(context, target);
  return seconds;
}

function summarize(name: string, editedFiles: number, compressed: number, centralBytes: number, runs: RerunScenario["runs"]): RerunScenario {
  const of = (samples: Sample[]) => ({
    seconds: round(median(samples.map((s) => s.seconds))),
    stageSeconds: round(median(samples.map((s) => s.stageSeconds))),
    peakRssMB: round(max(samples.map((s) => s.peakRssMB))),
    sentMiB: round(median(samples.map((s) => s.sentBytes)) / MiB),
    copiedMiB: round(median(samples.map((s) => s.copiedBytes)) / MiB),
  });
  const medians = { incremental: of(runs.incremental), full: of(runs.full) };
  const sent = median(runs.incremental.map((s) => s.sentBytes));
  return {
    name,
    editedFiles,
    editedCompressedMiB: round(compressed / MiB),
    runs,
    median: medians,
    ratios: {
      time: round(medians.incremental.seconds / medians.full.seconds),
      sentVsEdited: round(sent / compressed),
      sentButCentralVsEdited: round((sent - centralBytes) / compressed),
    },
    fullReasons: runs.incremental.map((s) => s.full).filter((reason): reason is string => reason !== null),
  };
}
