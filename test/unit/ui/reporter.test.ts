import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createReporter, describeProgress } from "../../../src/ui/reporter.js";

function streams(tty: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk.toString()), done()) }), { isTTY: tty, columns: 120 });
  const stderr = new Writable({ write: (chunk: Buffer, _e, done) => (err.push(chunk.toString()), done()) });
  return { stdout, stderr, out: () => out.join(""), err: () => err.join("") };
}

describe("reporter (C92, C93)", () => {
  it("writes plain lines without a terminal: every per-file line, no colour, no progress", () => {
    const io = streams(false);
    const reporter = createReporter({ stdout: io.stdout, stderr: io.stderr, env: {} });
    reporter.stage("AWS Batch Job ID:", "abc");
    reporter.file("zipping", "/b/x");
    const progress = reporter.progress("Uploading", 100);
    progress.advance(50);
    progress.done();
    reporter.warn("careful");
    expect(io.out()).toBe("AWS Batch Job ID: abc\nzipping: /b/x\n");
    expect(io.err()).toBe("\ncareful\n\n");
    expect(reporter.showsProgress).toBe(false);
  });

  it("makes labels bold on a terminal and replaces per-file lines with a progress line", () => {
    const io = streams(true);
    const reporter = createReporter({ stdout: io.stdout, stderr: io.stderr, env: {}, now: () => 0 });
    reporter.stage("Submitting job");
    reporter.file("zipping", "/b/x");
    reporter.progress("Uploading", 100).done();
    expect(io.out()).toContain("\u001b[1mSubmitting job\u001b[0m\n");
    expect(io.out()).not.toContain("zipping:");
    expect(io.out()).toContain("Uploading");
  });

  it("prints per-file lines on a terminal too when verbose", () => {
    const io = streams(true);
    createReporter({ stdout: io.stdout, stderr: io.stderr, env: {}, verbose: true }).file("unzipping", "/b/y");
    expect(io.out()).toContain("unzipping: /b/y\n");
  });

  it("honours NO_COLOR on a terminal", () => {
    const io = streams(true);
    createReporter({ stdout: io.stdout, stderr: io.stderr, env: { NO_COLOR: "1" } }).stage("Submitting job");
    expect(io.out()).toBe("Submitting job\n");
  });
});

describe("progress text", () => {
  it.each([
    [0, 1024 ** 3, 0, "Uploading  0 B / 1.0 GiB"],
    [512 * 1024 ** 2, 1024 ** 3, 10_000, "Uploading  512.0 MiB / 1.0 GiB  51.2 MiB/s  ETA 10s"],
    [3 * 1024 ** 2, undefined, 1000, "Uploading  3.0 MiB  3.0 MiB/s"],
  ])("%d of %s bytes after %d ms", (bytes, total, elapsed, text) => {
    expect(describeProgress("Uploading", bytes, total, elapsed)).toBe(text);
  });
});
