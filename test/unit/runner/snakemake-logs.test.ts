// Reading the end of a workflow from its Snakemake log, for jobs whose exit
// status AWS Batch no longer keeps.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { showSnakemakeLogs, snakemakeOutcome } from "../../../src/runner/snakemake-logs.js";
import { createReporter } from "../../../src/ui/reporter.js";

const finished = `Building DAG of jobs...
[Mon Dec  1 10:00:00 2026]
rule all:
    jobid: 0
Finished job 0.
3 of 3 steps (100%) done
Complete log: .snakemake/log/2026-12-01T100000.000000.snakemake.log
`;
const failed = `Building DAG of jobs...
Error in rule count:
    jobid: 1
    output: results/counts.tsv
Shutting down, this might take some time.
Exiting because a job execution failed. Look above for error message
Complete log: .snakemake/log/2026-12-01T100000.000000.snakemake.log
`;

/** A writable that keeps what it is given. */
function collect(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe("snakemakeOutcome", () => {
  it.each([
    [finished, "finished"],
    ["Building DAG of jobs...\nNothing to be done (all requested files are present and up to date).\n", "finished"],
    [failed, "failed"],
    ["Building DAG of jobs...\nMissingInputException in rule count in file Snakefile, line 3:\n", "failed"],
    ["Building DAG of jobs...\n[Mon Dec  1 10:00:00 2026]\nrule count:\n", undefined], // cut short: nothing said
    ["", undefined],
  ])("%j -> %s", (text, outcome) => {
    expect(snakemakeOutcome(text)).toBe(outcome);
  });
});

describe("showSnakemakeLogs", () => {
  it("prints every log, oldest first, and tells what the newest says", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nextstrain-ts-smk-"));
    mkdirSync(join(dir, ".snakemake", "log"), { recursive: true });
    writeFileSync(join(dir, ".snakemake", "log", "2026-11-30T090000.000000.snakemake.log"), failed);
    writeFileSync(join(dir, ".snakemake", "log", "2026-12-01T100000.000000.snakemake.log"), finished);
    const out = collect();
    const outcome = await showSnakemakeLogs(dir, createReporter({ stdout: out.stream, stderr: collect().stream, env: {} }));
    expect(outcome).toEqual({ outcome: "finished", file: join(dir, ".snakemake", "log", "2026-12-01T100000.000000.snakemake.log") });
    expect(out.text().indexOf("Exiting because")).toBeLessThan(out.text().indexOf("3 of 3 steps"));
  });

  it("says when there is none", async () => {
    const out = collect();
    expect(await showSnakemakeLogs(mkdtempSync(join(tmpdir(), "nextstrain-ts-smk-")), createReporter({ stdout: out.stream, stderr: collect().stream, env: {} }))).toBeUndefined();
    expect(out.text()).toMatch(/^No Snakemake log files in .*\.snakemake\/log\.\n$/);
  });
});
