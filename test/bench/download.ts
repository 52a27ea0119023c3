// P2: the download after a job that changed 5% of the files and added a
// results/ folder: ours (ranged GETs of the changed members) against
// `aws s3 cp` of the whole result archive followed by `unzip -o`, both from
// moto and from range-server.ts (which, like S3, reads only the bytes asked
// for). Each run starts from a fresh copy of the build directory. A counting
// proxy sits in front of the server for our side, so the bytes on the wire
// are known too. As in a real `build`, whose upload records the build
// directory's files, our side finds that record (written before each run,
// outside the timing) and so does not read the files it vouches for.
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { readZipDirectory } from "../../src/archive/zip-reader.js";
import { workdirMembers } from "../../src/archive/workdir-archive.js";
import { buildRootExcluder } from "../../src/runner/upload.js";
import { ArchiveRecords, FileFacts, type FileFact } from "../../src/state/archive-records.js";
import { fileSource } from "../unit/archive/zip-tools.js";
import { BUCKET, deleteObject, type BenchContext } from "./context.js";
import { ensureJobResult, type Dataset } from "./datasets.js";
import { max, measure, median, round } from "./measure.js";
import { startProxy } from "./proxy.js";
import { startRangeServer } from "./range-server.js";
import { STACK_REGION } from "../local-aws/stack.js";
import { MiB } from "./upload.js";

interface Sample {
  seconds: number;
  peakRssMB: number;
  stageSeconds?: number;
  bodyBytes?: number;
  wireBytes?: number;
  gets?: number;
  extracted?: number;
  fetch?: { plan: string; switchedAt?: number; rangedGets: number; streamedBytes: number };
}

export interface DownloadFigures {
  dataset: string;
  server: Server;
  archiveMB: number;
  changedFiles: number;
  /** Spans (local header, data, descriptor) of the members that differ, plus the central directory and end records. */
  neededBytes: number;
  /** What one 1-byte ranged GET of the result archive costs on this server (moto reads the whole object for each). */
  getMs: number;
  runs: Record<string, Sample[]>;
  median: Record<string, { seconds: number; peakRssMB: number; stageSeconds?: number; fetchedMB?: number; gets?: number }>;
  ratios: { bytesVsNeeded: number; timeVsBaseline: number };
  /** The plan our side ran, each run. */
  plans?: string[];
}

export type Server = "moto" | "range server";

export async function benchDownload(context: BenchContext, dataset: Dataset, server: Server): Promise<DownloadFigures> {
  const job = await ensureJobResult(dataset);
  const key = `bench/result-${dataset.name}.zip`;
  let endpoint = context.stack.motoEndpoint;
  let stop = () => deleteObject(context, key);
  if (server === "moto") {
    execFileSync("aws", ["--endpoint-url", endpoint, "s3", "cp", "--only-show-errors", job.archive, `s3://${BUCKET}/${key}`], { env: context.baselineEnv });
  } else {
    const ranges = await startRangeServer(BUCKET, key, job.archive);
    endpoint = ranges.endpoint;
    stop = () => ranges.close();
  }
  const neededBytes = await needed(job.archive, dataset.dir);
  const getMs = await rangedGetCost(endpoint, context.env, key);
  const uploaded = await uploadFacts(dataset);
  const archives = new ArchiveRecords(join(context.scratch, "archives"));
  const proxy = await startProxy(endpoint);
  const runs: Record<string, Sample[]> = { ours: [], "aws s3 cp + unzip -o": [] };
  const plans: string[] = [];
  try {
    for (let run = 0; run < context.runs; run++) {
      const local = join(context.scratch, "local");
      execFileSync("cp", ["-a", dataset.dir, local]);
      await archives.write(local, new FileFacts(uploaded));
      proxy.reset();
      const ours = await measure("node", [context.drivers.download, proxy.endpoint, BUCKET, key, local, archives.directory], { env: context.env });
      const answer = JSON.parse(ours.stdout.trim().split("\n").pop() ?? "{}") as Required<Pick<Sample, "stageSeconds" | "bodyBytes" | "gets" | "extracted" | "fetch">>;
      runs.ours?.push({ seconds: ours.seconds, peakRssMB: ours.peakRssMB, ...answer, wireBytes: proxy.counters.down });
      const plan = answer.fetch.switchedAt === undefined ? answer.fetch.plan : `ranged, then streaming from group ${answer.fetch.switchedAt} (${answer.fetch.rangedGets} ranged GETs)`;
      plans.push(plan);
      rmSync(local, { recursive: true, force: true });

      execFileSync("cp", ["-a", dataset.dir, local]);
      const archive = join(context.scratch, "result.zip");
      const script = `aws --endpoint-url "$1" s3 cp --only-show-errors "s3://${BUCKET}/${key}" "$2" && unzip -o -q "$2" -d "$3"`;
      const baseline = await measure("bash", ["-c", script, "baseline", endpoint, archive, local], { env: context.baselineEnv });
      runs["aws s3 cp + unzip -o"]?.push({ seconds: baseline.seconds, peakRssMB: baseline.peakRssMB, bodyBytes: statSync(archive).size });
      rmSync(archive, { force: true });
      rmSync(local, { recursive: true, force: true });
      console.error(`  download ${dataset.name} from ${server} run ${run + 1}: ours ${ours.seconds.toFixed(2)} s (${plan}, ${answer.gets} GETs, ${(answer.bodyBytes / MiB).toFixed(1)} MiB), baseline ${baseline.seconds.toFixed(2)} s`);
    }
  } finally {
    await proxy.close();
    await stop();
  }
  const summary: DownloadFigures["median"] = {};
  for (const [name, samples] of Object.entries(runs)) {
    const pick = (field: keyof Sample) => samples.map((sample) => sample[field]).filter((value): value is number => value !== undefined);
    summary[name] = {
      seconds: round(median(pick("seconds"))),
      peakRssMB: round(max(pick("peakRssMB"))),
      fetchedMB: round(median(pick("bodyBytes")) / MiB),
      ...(name === "ours" ? { stageSeconds: round(median(pick("stageSeconds"))), gets: median(pick("gets")) } : {}),
    };
  }
  const oursBytes = median(runs.ours?.map((sample) => sample.bodyBytes ?? 0) ?? []);
  return {
    dataset: dataset.name,
    server,
    archiveMB: round(statSync(job.archive).size / MiB),
    changedFiles: job.changed.length,
    neededBytes,
    getMs,
    runs,
    plans,
    median: summary,
    ratios: {
      bytesVsNeeded: round(oursBytes / neededBytes),
      timeVsBaseline: round((summary.ours?.seconds ?? Number.NaN) / (summary["aws s3 cp + unzip -o"]?.seconds ?? Number.NaN)),
    },
  };
}

/**
 * The record the upload of the build directory leaves (src/runner/upload.ts):
 * each uploaded file's member name, size, mtime and CRC-32. Made once per
 * dataset; `cp -a` keeps the sizes and mtimes it holds.
 */
async function uploadFacts(dataset: Dataset): Promise<FileFact[]> {
  const cached = `${dataset.dir}-upload-record.json`;
  if (!existsSync(cached)) {
    const facts = new FileFacts();
    for await (const member of workdirMembers({ buildRoot: dataset.dir, exclude: buildRootExcluder(dataset.dir, []) })) {
      if (!member.isDirectory) facts.add(member.name, member.size, member.mtime.getTime(), crc32(readFileSync(member.path)));
    }
    writeFileSync(cached, JSON.stringify(facts.list()));
  }
  return JSON.parse(readFileSync(cached, "utf8")) as FileFact[];
}

/** Median time of a 1-byte ranged GET of the object, from this process. */
async function rangedGetCost(endpoint: string, env: NodeJS.ProcessEnv, key: string): Promise<number> {
  const s3 = new S3Client({ endpoint, region: STACK_REGION, forcePathStyle: true, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? "", secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "" } });
  const times: number[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, Range: "bytes=0-0" }));
      await answer.Body?.transformToByteArray();
      times.push(performance.now() - started);
    }
  } finally {
    s3.destroy();
  }
  return round(median(times));
}

/** What a perfect download fetches: the central directory and end records, and every member whose CRC-32 differs locally. */
async function needed(archive: string, buildRoot: string): Promise<number> {
  const source = await fileSource(archive);
  try {
    const directory = await readZipDirectory(source);
    let bytes = source.size - directory.centralDirectoryOffset;
    for (const entry of directory.entries) {
      if (entry.name.startsWith("../") || entry.name === "./") continue;
      const path = join(buildRoot, entry.name);
      let local: number | undefined;
      try {
        local = entry.type === "directory" ? (statSync(path).isDirectory() ? 0 : undefined) : crc32(readFileSync(path));
      } catch {
        local = undefined;
      }
      if (local !== entry.crc32) bytes += entry.span.end - entry.span.start;
    }
    return bytes;
  } finally {
    await source.close();
  }
}
