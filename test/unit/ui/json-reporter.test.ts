import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { timedStage } from "../../../src/runner/stages.js";
import { createJsonReporter, jsonReporters } from "../../../src/ui/json-reporter.js";
import { emptySummary, summarise } from "../../../src/ui/run-summary.js";
import type { RunEvent } from "../../../src/ui/events.js";
import { parseEvents } from "../../helpers/events-schema.js";
import { runMain } from "../../helpers/io.js";

function sink(): Writable & { text: () => string; isTTY?: boolean } {
  const chunks: string[] = [];
  return Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk.toString()), done()) }), { text: () => chunks.join("") });
}

const T0 = Date.UTC(2026, 10, 21, 20, 45, 0);

describe("the JSON renderer (docs/json-events.md)", () => {
  it("writes each event as one line with v, type and time, and what people see as warning, error, log and file events", () => {
    const stdout = sink();
    const reporter = createJsonReporter({ stdout, now: () => T0 });
    reporter.stage("Nextstrain Run ID:", "r");
    reporter.line("for people only");
    reporter.emit({ type: "job-submitted", jobId: "j", runId: "r", queue: "q", definition: "d", archive: "s3://b/r.zip" }, { stage: "AWS Batch Job ID:", detail: "j" });
    reporter.emit({ type: "log", message: "hello", timestamp: T0 - 1000 }, { line: "[batch] [...] hello" });
    reporter.file("zipping", "/b/in.txt");
    reporter.file("unzipping", "/b/out.txt");
    reporter.warn("careful");
    reporter.error("Error: bad\n\nfix it", { message: "bad", hint: "fix it" });
    const lines = stdout.text().trimEnd().split("\n");
    expect(lines[0]).toBe('{"v":1,"type":"job-submitted","time":"2026-11-21T20:45:00.000Z","jobId":"j","runId":"r","queue":"q","definition":"d","archive":"s3://b/r.zip"}');
    expect(parseEvents(stdout.text()).map(({ time: _time, v: _v, ...rest }) => rest)).toEqual([
      expect.objectContaining({ type: "job-submitted" }),
      { type: "log", message: "hello", timestamp: "2026-11-21T20:44:59.000Z" },
      { type: "file-downloaded", path: "/b/out.txt" },
      { type: "warning", message: "careful" },
      { type: "error", message: "bad", hint: "fix it" },
    ]);
  });

  it("ends with a result that sums up the events before it", async () => {
    const stdout = sink();
    let now = T0;
    const reporter = createJsonReporter({ stdout, now: () => now });
    await timedStage("upload", { reporter, clock: { now: () => now, sleep: async () => {} } }, async (staged) => {
      const progress = staged.progress("Uploading");
      progress.advance(1000);
      progress.advance(24);
      now += 2500;
    });
    reporter.emit({ type: "job-submitted", jobId: "j", runId: "r", queue: "q", definition: "d", archive: "s3://b/r.zip" });
    reporter.emit({ type: "status", jobId: "j", status: "RUNNING" });
    reporter.emit({ type: "attempt", jobId: "j", attempt: 1, exitCode: 137, reason: "OutOfMemoryError" });
    reporter.emit({ type: "attempt", jobId: "j", attempt: 2, exitCode: 3 });
    reporter.emit({ type: "status", jobId: "j", status: "FAILED", exitCode: 3 });
    await expect(timedStage("download", { reporter, clock: { now: () => now, sleep: async () => {} } }, async () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
    reporter.emit({ type: "result", exitStatus: 3 });
    const events = parseEvents(stdout.text());
    expect(events.map((event) => event.type)).toEqual(["stage-started", "stage-ended", "job-submitted", "status", "attempt", "attempt", "status", "stage-started", "stage-ended", "result"]);
    expect(events[1]).toMatchObject({ stage: "upload", seconds: 2.5, ok: true, bytes: 1024 });
    expect(events[8]).toMatchObject({ stage: "download", seconds: 0, ok: false, bytes: 0 });
    expect(events.at(-1)).toEqual({
      v: 1,
      type: "result",
      time: "2026-11-21T20:45:02.500Z",
      exitStatus: 3,
      jobId: "j",
      status: "FAILED",
      exitCode: 3,
      attempts: 2,
      stages: { upload: 2.5, download: 0 },
      bytesUp: 1024,
      bytesDown: 0,
    });
  });

  it("sends people's text to stderr beside the JSON, or nowhere with --quiet", () => {
    for (const quiet of [false, true]) {
      const stdout = sink();
      const stderr = sink();
      const reporter = jsonReporters({ stdout, stderr, env: {}, quiet });
      reporter.emit({ type: "status", jobId: "j", status: "RUNNING" }, { stage: "Job now RUNNING" });
      reporter.warn("careful");
      expect(parseEvents(stdout.text()).map((event) => event.type)).toEqual(["status", "warning"]);
      expect(stderr.text()).toBe(quiet ? "" : "Job now RUNNING\n\ncareful\n\n");
    }
  });
});

describe("the result's summary", () => {
  const cases: [string, RunEvent[], object][] = [
    ["nothing happened", [], { attempts: 0, stages: {}, bytesUp: 0, bytesDown: 0 }],
    ["an attach to an ended job", [{ type: "job-attached", jobId: "j", status: "SUCCEEDED", archive: "s3://b/k" }], { jobId: "j", status: "SUCCEEDED" }],
    ["a stage twice adds up", [{ type: "stage-ended", stage: "watch", seconds: 1, ok: false }, { type: "stage-ended", stage: "watch", seconds: 2, ok: true }], { stages: { watch: 3 } }],
    ["an exit code is kept when a later status has none", [{ type: "status", jobId: "j", status: "FAILED", exitCode: 2 }, { type: "status", jobId: "j", status: "FAILED" }], { exitCode: 2 }],
  ];
  it.each(cases)("%s", (_name, events, expected) => {
    expect(events.reduce(summarise, emptySummary())).toMatchObject(expected);
  });
});

describe("--json at the process boundary", () => {
  it("renders an error as an error event, then the result, with the exit status unchanged", async () => {
    const result = await runMain(["build", "--aws-batch", "--json", "no-such-directory"], { cwd: "/" });
    expect(result.status).toBe(1);
    const events = parseEvents(result.stdout);
    expect(events.map((event) => event.type)).toEqual(["error", "result"]);
    expect(events[0]).toMatchObject({ message: "Build path 'no-such-directory' does not exist or is not a directory.", hint: "Perhaps your current working directory is different than you expect?" });
    expect(events[1]).toMatchObject({ exitStatus: 1, attempts: 0 });
    expect(result.stderr).toContain("Error: Build path 'no-such-directory' does not exist");
  });

  it("leaves command-line mistakes to people: they are found before --json is read (exit status 2)", async () => {
    const result = await runMain(["logs", "--json", "--since", "soon", "abc"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("argument --since: invalid duration: 'soon'");
  });
});
