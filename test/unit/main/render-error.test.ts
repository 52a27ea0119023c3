import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { describeFailure, ErrorWithNote, InternalError, Interrupted, UserError } from "../../../src/errors.js";
import { renderError } from "../../../src/main.js";
import { cancelFailed, jobUnaffected } from "../../../src/runner/messages.js";
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

describe("every failure that is not expected is told as a probable bug, with where to report it", () => {
  const bug = /^An unexpected error occurred: .*\n\nThis is probably a bug in nextstrain-ts, not something you did\. Please report it at\n<https:\/\/[^>]+> with the command you ran and this output;\nrun it again with NEXTSTRAIN_DEBUG=1 to include the details\.\n$/;

  it.each([
    ["a TypeError", new TypeError("x is undefined")],
    ["an AWS service error", Object.assign(new Error("Internal"), { name: "ServerException", $metadata: { httpStatusCode: 500 } })],
    ["a broken invariant", new InternalError("parts out of order")],
    ["a thrown string", "boom"],
    ["undefined", undefined],
  ])("%s", (_name, error) => {
    const rendered = render(error);
    expect(rendered.status).toBe(1);
    expect(rendered.stderr).toMatch(bug);
    expect(describeFailure(error, false) + "\n").toBe(rendered.stderr);
  });

  it.each([
    ["a UserError", new UserError("The bucket is gone.", "Make it again."), "Error: The bucket is gone.\n\nMake it again."],
    ["an interruption", new Interrupted(143, "Terminated."), "Terminated."],
    ["a cancellation Batch refused", cancelFailed("job-1", Object.assign(new Error("Job is gone"), { name: "ClientException" })), "Error: Could not cancel job job-1: ClientException: Job is gone."],
  ])("but %s by its own words", (_name, error, first) => {
    expect(describeFailure(error, false).startsWith(first)).toBe(true);
    expect(describeFailure(error, false)).not.toContain("probably a bug");
  });
});
