// P3: cold start of `--help` and `--version` against `node -e 0`, alternated,
// and which packages a `--help` run loads (the AWS SDK must not be one).
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchContext } from "./context.js";
import { max, measure, median, round } from "./measure.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(REPO, "bin/nextstrain-ts.js");
const RUNS = 15;

export interface StartupFigures {
  median: Record<string, { ms: number; peakRssMB: number }>;
  overNode: { help: number; version: number };
  /** Packages under node_modules that `--help` loads. */
  helpLoads: string[];
}

const TRACE = join(dirname(fileURLToPath(import.meta.url)), "trace-modules.mjs");

export async function benchStartup(context: BenchContext): Promise<StartupFigures> {
  const commands: Record<string, string[]> = { "node -e 0": ["-e", "0"], "--help": [BIN, "--help"], "--version": [BIN, "--version"] };
  const samples: Record<string, { ms: number; peakRssMB: number }[]> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const [name, args] of Object.entries(commands)) {
      const measured = await measure("node", args, { env: context.env });
      (samples[name] ??= []).push({ ms: measured.seconds * 1000, peakRssMB: measured.peakRssMB });
    }
  }
  const summary: StartupFigures["median"] = {};
  for (const [name, list] of Object.entries(samples)) {
    summary[name] = { ms: round(median(list.map((sample) => sample.ms))), peakRssMB: round(max(list.map((sample) => sample.peakRssMB))) };
  }
  const traced = spawnSync("node", ["--import", TRACE, BIN, "--help"], { encoding: "utf8" });
  const packages = new Set<string>();
  for (const match of traced.stderr.matchAll(/LOADED \S*\/node_modules\/((?:@[^/]+\/)?[^/]+)/g)) if (match[1]) packages.add(match[1]);
  const ms = (name: string) => summary[name]?.ms ?? Number.NaN;
  return {
    median: summary,
    overNode: { help: round(ms("--help") - ms("node -e 0")), version: round(ms("--version") - ms("node -e 0")) },
    helpLoads: [...packages].sort(),
  };
}
