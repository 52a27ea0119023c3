/**
 * Showing a workflow's Snakemake log files (`.snakemake/log/*.snakemake.log`
 * in its working directory), for jobs whose CloudWatch logs may be gone.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Reporter } from "../ui/reporter.js";

export async function showSnakemakeLogs(workingDir: string, reporter: Reporter): Promise<void> {
  const directory = join(workingDir, ".snakemake", "log");
  const names = await readdir(directory).catch(() => [] as string[]);
  const logs = names.filter((name) => name.endsWith(".log")).sort();
  if (logs.length === 0) {
    reporter.line(`No Snakemake log files in ${directory}.`);
    return;
  }
  for (const name of logs) {
    const file = join(directory, name);
    reporter.stage(`Snakemake log ${file}:`);
    for (const line of (await readFile(file, "utf8")).replace(/\n$/, "").split("\n")) reporter.log(line);
  }
}
