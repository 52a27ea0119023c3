// P1: the upload of a build directory, ours against `zip -r -0` / `zip -r -1`
// followed by `aws s3 cp`, on plain loopback and through shaped links. The
// variants alternate within each run so that a busy moment of the machine
// hits them alike.
import { readFileSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { BUCKET, deleteObject, type BenchContext } from "./context.js";
import type { Dataset } from "./datasets.js";
import { max, measure, median, round } from "./measure.js";
import { startProxy } from "./proxy.js";

export interface Link {
  name: string;
  /** Bytes per second; undefined for plain loopback (straight to moto). */
  rate?: number;
}

export const MiB = 1024 * 1024;

interface Sample {
  seconds: number;
  peakRssMB: number;
  stageSeconds?: number;
  archiveBytes?: number;
  /** CPU time of our upload process (user and system, every thread): reading, CRC-32, deflating, sending. */
  cpuSeconds?: number;
  /** CPU time moto spent meanwhile, receiving and storing. */
  motoCpuSeconds?: number;
  /** CPU time of this process meanwhile: the throttling proxy, when there is one. */
  proxyCpuSeconds?: number;
}

export interface UploadFigures {
  dataset: string;
  link: string;
  runs: Record<string, Sample[]>;
  median: Record<string, { seconds: number; peakRssMB: number; stageSeconds?: number; archiveMB?: number }>;
  ratios: { oursVsZip0: number; oursVsZip1: number };
  /**
   * What the machine allows (P1): the archive's bytes over the link's rate,
   * and our upload's CPU time spread over the cores; the larger bounds the
   * upload. `oursVsLimit`: our wall time over it. On this machine moto and
   * the proxy share the cores: `serverCpuSeconds` is their CPU time, and
   * `boundSeconds` the larger of the link's time and everyone's CPU time
   * over the cores, which no upload here can beat.
   */
  limit?: { linkSeconds?: number; cpuSeconds: number; cores: number; seconds: number; oursVsLimit: number; serverCpuSeconds: number; boundSeconds: number; oursVsBound: number };
}

/** The baselines skip what the tool skips, so both send the same files. */
const ZIP_EXCLUDES = [".git/*", ".snakemake/*", "environment*", "*/__pycache__/*", "*.pyc"];

/** User and system CPU seconds of a process so far (Linux), 0 when it cannot be read. */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second); the name in field 2 may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export async function benchUpload(context: BenchContext, dataset: Dataset, link: Link, baselines = true): Promise<UploadFigures> {
  const proxy = link.rate ? await startProxy(context.stack.motoEndpoint, link.rate) : undefined;
  const endpoint = proxy?.endpoint ?? context.stack.motoEndpoint;
  const runs: Record<string, Sample[]> = baselines ? { ours: [], "zip -0 + aws s3 cp": [], "zip -1 + aws s3 cp": [] } : { ours: [] };
  try {
    for (let run = 0; run < context.runs; run++) {
      const key = `bench/upload-${dataset.name}-${run}.zip`;
      const motoAtStart = processCpuSeconds(context.stack.motoPid);
      const benchAtStart = process.cpuUsage();
      const ours = await measure("node", [context.drivers.upload, endpoint, BUCKET, key, dataset.dir], { env: context.env });
      const bench = process.cpuUsage(benchAtStart);
      const motoCpuSeconds = processCpuSeconds(context.stack.motoPid) - motoAtStart;
      const answer = JSON.parse(ours.stdout.trim().split("\n").pop() ?? "{}") as { stageSeconds: number; archiveBytes: number; cpuSeconds: number };
      runs.ours?.push({
        seconds: ours.seconds,
        peakRssMB: ours.peakRssMB,
        stageSeconds: answer.stageSeconds,
        archiveBytes: answer.archiveBytes,
        cpuSeconds: answer.cpuSeconds,
        motoCpuSeconds,
        proxyCpuSeconds: (bench.user + bench.system) / 1e6,
      });
      await deleteObject(context, key);

      for (const level of baselines ? [0, 1] : []) {
        const archive = join(context.scratch, `baseline-${level}.zip`);
        const script = `zip -r -${level} -q "$1" . -x ${ZIP_EXCLUDES.map((pattern) => `'${pattern}'`).join(" ")} && aws --endpoint-url "$2" s3 cp --only-show-errors "$1" "s3://${BUCKET}/${key}" && stat -c %s "$1"`;
        const baseline = await measure("bash", ["-c", script, "baseline", archive, endpoint], { cwd: dataset.dir, env: context.baselineEnv });
        runs[`zip -${level} + aws s3 cp`]?.push({ seconds: baseline.seconds, peakRssMB: baseline.peakRssMB, archiveBytes: Number(baseline.stdout.trim()) });
        rmSync(archive, { force: true });
        await deleteObject(context, key);
      }
      console.error(`  upload ${dataset.name} ${link.name} run ${run + 1}: ${Object.entries(runs).map(([name, samples]) => `${name} ${samples.at(-1)?.seconds.toFixed(2)} s`).join(", ")}`);
    }
  } finally {
    await proxy?.close();
  }
  const summary: UploadFigures["median"] = {};
  for (const [name, samples] of Object.entries(runs)) {
    const stage = samples.map((sample) => sample.stageSeconds).filter((value): value is number => value !== undefined);
    summary[name] = {
      seconds: round(median(samples.map((sample) => sample.seconds))),
      peakRssMB: round(max(samples.map((sample) => sample.peakRssMB))),
      ...(stage.length > 0 ? { stageSeconds: round(median(stage)) } : {}),
      archiveMB: round(median(samples.map((sample) => sample.archiveBytes ?? 0)) / MiB),
    };
  }
  const seconds = (name: string) => summary[name]?.seconds ?? Number.NaN;
  const ours = runs.ours ?? [];
  const cores = availableParallelism();
  const cpuSeconds = median(ours.map((sample) => sample.cpuSeconds ?? Number.NaN));
  const linkSeconds = link.rate ? median(ours.map((sample) => sample.archiveBytes ?? 0)) / link.rate : undefined;
  const limitSeconds = Math.max(linkSeconds ?? 0, cpuSeconds / cores);
  const serverCpuSeconds = median(ours.map((sample) => (sample.motoCpuSeconds ?? 0) + (link.rate ? (sample.proxyCpuSeconds ?? 0) : 0)));
  const boundSeconds = Math.max(linkSeconds ?? 0, (cpuSeconds + serverCpuSeconds) / cores);
  const limit = {
    ...(linkSeconds === undefined ? {} : { linkSeconds: round(linkSeconds) }),
    cpuSeconds: round(cpuSeconds),
    cores,
    seconds: round(limitSeconds),
    oursVsLimit: round(seconds("ours") / limitSeconds),
    serverCpuSeconds: round(serverCpuSeconds),
    boundSeconds: round(boundSeconds),
    oursVsBound: round(seconds("ours") / boundSeconds),
  };
  return {
    limit,
    dataset: dataset.name,
    link: link.name,
    runs,
    median: summary,
    ratios: {
      oursVsZip0: round(seconds("ours") / seconds("zip -0 + aws s3 cp")),
      oursVsZip1: round(seconds("ours") / seconds("zip -1 + aws s3 cp")),
    },
  };
}
