// `npm run bench`: the performance benchmarks (docs/performance.md). Never
// part of `npm test`.
//
//   npm run bench                         # small dataset, 5 runs each
//   npm run bench -- --dataset large      # large dataset, 3 runs each
//   npm run bench -- --only upload,startup --runs 2   # keeps the other sections' last figures
//   npm run bench -- --only download --download-from "range server"
//
// Starts the local AWS stack (moto), generates the datasets once into the
// temporary directory, and writes test/bench/results/<dataset>.json and .md.
import { S3Client } from "@aws-sdk/client-s3";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { resolveHostTools } from "../local-aws/host-tools.js";
import { startLocalAws, STACK_REGION } from "../local-aws/stack.js";
import { bundleDrivers } from "./bundle.js";
import type { BenchContext } from "./context.js";
import { ensureDataset, type DatasetName } from "./datasets.js";
import { benchDownload, type Server } from "./download.js";
import { benchLevels } from "./levels.js";
import { benchLogs } from "./logs.js";
import { describeMachine } from "./machine.js";
import { renderMarkdown, type Results } from "./report.js";
import { benchStartup } from "./startup.js";
import { benchRerun } from "./rerun.js";
import { benchUpload, MiB, type Link } from "./upload.js";

const SECTIONS = ["levels", "upload", "rerun", "download", "startup", "logs", "scale"] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: "small" },
    runs: { type: "string" },
    only: { type: "string" },
    "download-from": { type: "string", default: "range server,moto" },
  },
});
const datasetName = values.dataset as DatasetName;
if (datasetName !== "small" && datasetName !== "large") throw new Error("--dataset must be small or large");
const runs = Number(values.runs ?? (datasetName === "large" ? 3 : 5));
// The 100,000-file section does not depend on the dataset: it runs with the
// small one, which keeps the large run within about 15 minutes.
const only = new Set((values.only?.split(",") ?? SECTIONS.filter((section) => datasetName === "small" || section !== "scale")) as Section[]);
for (const section of only) if (!SECTIONS.includes(section)) throw new Error(`unknown section ${section}; choose from ${SECTIONS.join(", ")}`);

// Through 5 MiB/s the large dataset's uncompressed baseline alone would take
// 10 minutes a run, so that link is measured on the small dataset only.
const LINKS: Link[] = [{ name: "loopback" }, { name: "20 MiB/s", rate: 20 * MiB }, ...(datasetName === "small" ? [{ name: "5 MiB/s", rate: 5 * MiB }] : [])];

// The SDK's notice about Node 20 support is for maintainers, not for these figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const servers = values["download-from"].split(",") as Server[];
for (const server of servers) if (server !== "moto" && server !== "range server") throw new Error("--download-from takes moto and/or range server");

const out = join(dirname(fileURLToPath(import.meta.url)), "results");
const resultFile = join(out, `${datasetName}.json`);
const started = Date.now();
const fresh: Results = { dataset: datasetName, runs, date: new Date().toISOString(), machine: describeMachine(), upload: [], rerun: [], download: [], scale: [] };
// With --only, the other sections' figures of the last run are kept.
const earlier = values.only !== undefined && existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, "utf8")) as Results) : undefined;
const results: Results = earlier
  ? { ...earlier, ...fresh, upload: only.has("upload") ? [] : earlier.upload, rerun: only.has("rerun") ? [] : (earlier.rerun ?? []), download: earlier.download, scale: only.has("scale") ? [] : earlier.scale }
  : fresh;
const dataset = ensureDataset(datasetName);
results.datasetSize = { files: dataset.files, MiB: Math.round(dataset.bytes / MiB) };
const scratch = mkdtempSync(join(tmpdir(), "nextstrain-ts-bench-run-"));
const drivers = await bundleDrivers();
const tools = await resolveHostTools();
const stack = await startLocalAws();
const s3 = new S3Client({ endpoint: stack.motoEndpoint, region: STACK_REGION, forcePathStyle: true, credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY } });
const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, AWS_ENDPOINT_URL: stack.motoEndpoint };
const context: BenchContext = { stack, drivers, env, baselineEnv: { ...env, PATH: tools.jobPath }, runs, s3, scratch };
try {
  if (only.has("levels")) results.levels = benchLevels(dataset);
  if (only.has("startup")) results.startup = await benchStartup(context);
  if (only.has("upload")) for (const link of LINKS) results.upload.push(await benchUpload(context, dataset, link));
  // Through 5 MiB/s a full upload of the large dataset takes minutes a run: loopback and 20 MiB/s only.
  if (only.has("rerun")) for (const link of LINKS.slice(0, 2)) results.rerun.push(await benchRerun(context, dataset, link));
  if (only.has("download")) {
    for (const server of servers) {
      const figures = await benchDownload(context, dataset, server);
      results.download = [...results.download.filter((earlier) => earlier.server !== server), figures];
    }
  }
  if (only.has("logs")) results.logs = await benchLogs(context);
  if (only.has("scale")) {
    const many = ensureDataset("many");
    // From the range server only: through moto, each of the thousands of small GETs re-reads the whole object.
    results.scale.push(await benchUpload({ ...context, runs: Math.min(runs, 3) }, many, { name: "loopback" }, false));
    results.scale.push(await benchDownload({ ...context, runs: Math.min(runs, 3) }, many, "range server"));
  }
} finally {
  s3.destroy();
  await stack.stop();
  rmSync(scratch, { recursive: true, force: true });
}
results.minutes = Math.round((Date.now() - started) / 600) / 100;
results.machine.loadAverage = describeMachine().loadAverage;
mkdirSync(out, { recursive: true });
writeFileSync(resultFile, `${JSON.stringify(results, null, 2)}\n`);
const markdown = renderMarkdown(results);
writeFileSync(join(out, `${datasetName}.md`), markdown);
process.stdout.write(markdown);
