/**
 * Showing a workflow's Snakemake log files (`.snakemake/log/*.snakemake.log`
 * in its working directory), for jobs whose CloudWatch logs may be gone, and
 * what the newest says of the workflow's end, for jobs whose exit status
 * AWS Batch no longer keeps.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Reporter } from "../ui/reporter.js";

export type SnakemakeOutcome = "finished" | "failed";

/**
 * What a Snakemake log says of the run's end: "finished" when it did every
 * step or had nothing to do, "failed" when a job or the workflow itself
 * failed, undefined when it says neither (cut short: killed, out of memory).
 */
export function snakemakeOutcome(log: string): SnakemakeOutcome | undefined {
  if (/^(Exiting because a job execution failed|Error in rule |\w+(Error|Exception)\b)/m.test(log)) return "failed";
  if (/^\d+ of \d+ steps \(100%\) done$|^Nothing to be done\b/m.test(log)) return "finished";
  return undefined;
}

/** A log file under its name: each line as people read it, and as a `log` event naming the file. */
export function showLogFile(reporter: Reporter, file: string, text: string): void {
  reporter.stage(`Snakemake log ${file}:`);
  for (const line of text.replace(/\n$/, "").split("\n")) reporter.emit({ type: "log", message: line, file }, { line });
}

/** Prints every log file, oldest first; what the newest says, if anything. */
export async function showSnakemakeLogs(workingDir: string, reporter: Reporter): Promise<{ outcome: SnakemakeOutcome; file: string } | undefined> {
  const directory = join(workingDir, ".snakemake", "log");
  const names = await readdir(directory).catch(() => [] as string[]);
  const logs = names.filter((name) => name.endsWith(".log")).sort();
  if (logs.length === 0) {
    reporter.line(`No Snakemake log files in ${directory}.`);
    return undefined;
  }
  let text = "";
  for (const name of logs) {
    const file = join(directory, name);
    text = await readFile(file, "utf8");
    showLogFile(reporter, file, text);
  }
  const newest = join(directory, logs.at(-1) as string);
  const outcome = snakemakeOutcome(text);
  return outcome === undefined ? undefined : { outcome, file: newest };
}
