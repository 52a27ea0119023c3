// The benchmark results as JSON (everything, every run) and as Markdown
// tables (medians and ratios), with the targets of docs/performance.md.
import type { DownloadFigures } from "./download.js";
import type { LevelFigures } from "./levels.js";
import type { LogFigures } from "./logs.js";
import type { Machine } from "./machine.js";
import type { RerunFigures } from "./rerun.js";
import type { StartupFigures } from "./startup.js";
import type { UploadFigures } from "./upload.js";

export interface Results {
  dataset: string;
  runs: number;
  date: string;
  machine: Machine;
  datasetSize?: { files: number; MiB: number };
  levels?: LevelFigures[];
  startup?: StartupFigures;
  upload: UploadFigures[];
  /** P6: re-runs after small edits, against a full upload of the same tree. */
  rerun: RerunFigures[];
  download: DownloadFigures[];
  logs?: LogFigures;
  /** P5: 100,000 small files (upload, then download). */
  scale: (UploadFigures | DownloadFigures)[];
  minutes?: number;
}

const table = (header: string[], rows: (string | number | undefined)[][]): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.map((cell) => cell ?? "").join(" | ")} |`)].join("\n");

export function renderMarkdown(results: Results): string {
  const { machine } = results;
  const parts: string[] = [
    `# Benchmark results: ${results.dataset} dataset`,
    "",
    `${results.date}; ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB memory, Node ${machine.node}; load average at the end ${machine.loadAverage.join(" ")}; ${results.runs} runs per figure (medians; peak RSS is the largest of the runs); ${results.minutes ?? "?"} minutes in all.`,
    results.datasetSize ? `Dataset: ${results.datasetSize.files} files, ${results.datasetSize.MiB} MiB uploaded.` : "",
  ];
  if (results.levels) {
    parts.push("", "## Deflate levels (one thread)", "");
    const levels = results.levels[0]?.byLevel.map((entry) => entry.level) ?? [];
    parts.push(table(["files", "MiB", ...levels.map((level) => `level ${level}: ratio, MB/s`)], results.levels.map((figures) => [figures.kind, figures.MiB, ...figures.byLevel.map((entry) => `${entry.ratio}, ${entry.MBps}`)])));
  }
  if (results.upload.length > 0) {
    parts.push("", "## Upload (P1)", "");
    const rows = results.upload.flatMap((figures) =>
      Object.entries(figures.median).map(([name, m]) => [figures.link, name, m.seconds, m.stageSeconds, m.archiveMB, m.peakRssMB, name === "ours" ? `${figures.ratios.oursVsZip0} / ${figures.ratios.oursVsZip1}` : ""]),
    );
    parts.push(table(["link", "method", "wall s", "stage s", "archive MiB", "peak RSS MB", "ours ÷ zip -0, ÷ zip -1"], rows));
    const limits = results.upload.filter((figures) => figures.limit !== undefined);
    if (limits.length > 0) {
      parts.push("", "What the machine allows (P1): the larger of the archive over the link's rate and our upload's CPU time over the cores. moto and the proxy share these cores: the bound counts their CPU time too.", "");
      parts.push(
        table(
          ["link", "archive ÷ rate s", "our CPU s ÷ cores", "limit s", "ours s", "ours ÷ limit", "moto + proxy CPU s", "bound s (all CPU ÷ cores, or the link)", "ours ÷ bound"],
          limits.map((figures) => {
            const limit = figures.limit as NonNullable<UploadFigures["limit"]>;
            return [
              figures.link,
              limit.linkSeconds ?? "",
              `${limit.cpuSeconds} ÷ ${limit.cores}`,
              limit.seconds,
              figures.median.ours?.seconds,
              limit.oursVsLimit,
              limit.serverCpuSeconds ?? "",
              limit.boundSeconds ?? "",
              limit.oursVsBound ?? "",
            ];
          }),
        ),
      );
    }
  }
  if ((results.rerun ?? []).length > 0) parts.push("", "## Re-runs (P6)", "", rerunTable(results.rerun));
  for (const figures of results.download) parts.push("", `## Download (P2), from ${figures.server}`, "", downloadTable(figures));
  if (results.startup) {
    const { startup } = results;
    parts.push("", "## Start-up (P3)", "");
    parts.push(table(["command", "median ms", "peak RSS MB"], Object.entries(startup.median).map(([name, m]) => [name, m.ms, m.peakRssMB])));
    parts.push("", `Over \`node -e 0\`: --help +${startup.overNode.help} ms, --version +${startup.overNode.version} ms. Packages loaded by --help: ${startup.helpLoads.join(", ") || "none"}.`);
  }
  if (results.logs) {
    const { logs } = results;
    parts.push("", "## Log following (P4)", "");
    parts.push(
      table(
        ["lines", "printed", "latency median ms", "p95 ms", "max ms", "flowing: calls / s", "idle: s per call", "peak RSS MB"],
        [[logs.lines, logs.printed, logs.latencyMs.median, logs.latencyMs.p95, logs.latencyMs.max, `${logs.flowing.callsPerSecond} (${logs.flowing.calls} in ${logs.flowing.seconds} s)`, `${logs.idle.secondsPerCall} (${logs.idle.calls} in ${logs.idle.seconds} s)`, logs.peakRssMB]],
      ),
    );
  }
  if (results.scale.length > 0) {
    parts.push("", "## 100,000 small files (P5)", "");
    for (const figures of results.scale) {
      if ("link" in figures) {
        const ours = figures.median.ours;
        parts.push(table(["upload", "wall s", "stage s", "archive MiB", "peak RSS MB"], [["ours, loopback", ours?.seconds, ours?.stageSeconds, ours?.archiveMB, ours?.peakRssMB]]), "");
      } else parts.push(downloadTable(figures), "");
    }
  }
  return `${parts.join("\n")}\n`;
}

function downloadTable(figures: DownloadFigures): string {
  const rows = Object.entries(figures.median).map(([name, m]) => [name, m.seconds, m.stageSeconds, m.fetchedMB, m.gets, m.peakRssMB]);
  return [
    `Result archive ${figures.archiveMB} MiB; the job changed or added ${figures.changedFiles} files; changed members plus central directory: ${(figures.neededBytes / 2 ** 20).toFixed(2)} MiB. One 1-byte ranged GET of it from ${figures.server}: ${figures.getMs} ms.`,
    "",
    table(["method", "wall s", "stage s", "fetched MiB", "GETs", "peak RSS MB"], rows),
    "",
    `Bytes fetched ÷ needed: ${figures.ratios.bytesVsNeeded}; time ÷ baseline: ${figures.ratios.timeVsBaseline}.`,
    ...(figures.plans ? ["", `Our plan, each run: ${figures.plans.join("; ")}.`] : []),
  ].join("\n");
}

function rerunTable(figures: readonly RerunFigures[]): string {
  const rows = figures.flatMap((link) => [
    [link.link, "first run (full, nothing recorded)", "", "", link.firstRun.seconds, "", link.firstRun.sentMiB, "", "", "", ""],
    ...link.scenarios.flatMap((scenario) =>
      (["incremental", "full"] as const).map((mode) => {
        const m = scenario.median[mode];
        const ratios = mode === "incremental" ? [scenario.ratios.time, `${scenario.ratios.sentVsEdited} (${scenario.ratios.sentButCentralVsEdited})`] : ["", ""];
        return [link.link, scenario.name, `${scenario.editedFiles} (${scenario.editedCompressedMiB} MiB deflated)`, mode === "incremental" ? "re-run" : "--full-upload", m.seconds, m.stageSeconds, m.sentMiB, m.copiedMiB, m.peakRssMB, ...ratios];
      }),
    ),
  ]);
  const reasons = figures.flatMap((link) => link.scenarios.flatMap((scenario) => scenario.fullReasons.map((reason) => `${link.link}, ${scenario.name}: a re-run fell back to a full upload (${reason})`)));
  const central = figures.map((link) => `${link.link}: ${link.centralDirectoryMiB} MiB`).join(", ");
  const copies = figures.map((link) => `${link.link}: ${link.serverCopySeconds ?? "?"} s`).join(", ");
  const header = ["link", "scenario", "files edited", "upload", "wall s", "stage s", "sent MiB", "copied MiB", "peak RSS MB", "time ÷ full", "sent ÷ edited (without the central directory)"];
  return [
    table(header, rows),
    "",
    `Central directory of the previous archive (sent whole by every re-run): ${central}.`,
    `The server's own cost of copying the whole previous archive into a new object (one UploadPartCopy, completed; a bound on any re-run here): ${copies}.`,
    ...reasons.map((line) => `\n${line}`),
  ].join("\n");
}
