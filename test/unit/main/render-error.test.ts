import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ErrorWithNote, Interrupted, UserError } from "../../../src/errors.js";
import { renderError } from "../../../src/main.js";
import { jobUnaffected } from "../../../src/runner/messages.js";
import { createReporter } from "../../../src/ui/reporter.js";

function render(error: unknown): { status: number; stderr: string } {
  let stderr = "";
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((stderr += chunk.toString()), done()) });
  const reporter = createReporter({ stdout: new Writable({ write: (_c, _e, done) => done() }), stderr: sink, env: {} });
  return { status: renderError(error, reporter, {}), stderr };
}

describe("a failure once a job exists", () => {
  const id = "6116f3e3-9bc0-4769-99e3-adb71b4d82c0";
  const reattach = jobUnaffected(id, "/home/u/ncov");

  it.each([
    ["an expected error", new UserError("Could not write the --job-info file /x: EISDIR.", "Give --job-info a file."), 1, "Error: Could not write the --job-info file /x: EISDIR.\n\nGive --job-info a file."],
    ["an unexpected error", new TypeError("x is undefined"), 1, "An unexpected error occurred: TypeError: x is undefined"],
    ["an interruption", new Interrupted(130, "Interrupted: the download was stopped."), 130, "Interrupted: the download was stopped."],
  ])("renders %s as itself, then says the job is not affected and how to re-attach, last", (_name, failure, status, first) => {
    const rendered = render(new ErrorWithNote(failure, reattach));
    expect(rendered.status).toBe(status);
    expect(rendered.stderr.startsWith(first)).toBe(true);
    expect(rendered.stderr).toContain(`Job ${id} is not affected: it goes on (or has ended) in AWS Batch.`);
    expect(rendered.stderr.trimEnd().split("\n").slice(-2)).toEqual([`nextstrain-ts attach ${id}`, `nextstrain-ts build --aws-batch --attach ${id} /home/u/ncov`]);
  });
});
