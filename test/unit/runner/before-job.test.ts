import { AbortMultipartUploadCommand, DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ErrorWithNote, Interrupted, UserError } from "../../../src/errors.js";
import { BeforeJob } from "../../../src/runner/before-job.js";
import { createReporter } from "../../../src/ui/reporter.js";

const s3 = mockClient(S3Client);
const client = new S3Client({ region: "us-east-1" });
const archive = { bucket: "b", key: "run.zip" };
const envd = { bucket: "b", key: "run-env.d.zip" };

function setup() {
  let out = "";
  const stdout = new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString()), done()) });
  const signals = new EventEmitter();
  const beforeJob = new BeforeJob({ s3: client, reporter: createReporter({ stdout, stderr: stdout, env: {} }), signals, jobName: "run", queue: "q" });
  return { beforeJob, signals, output: () => out };
}

/** What never answers, as a request on a lost network (and work that ignores its signal). */
const hang = () => new Promise<never>(() => {});

beforeEach(() => s3.reset());
afterEach(() => vi.useRealTimers());

describe("before the job exists", () => {
  it("on a failure, removes what was uploaded and says so after the error", async () => {
    s3.on(DeleteObjectCommand).resolves({});
    const { beforeJob } = setup();
    const failure = beforeJob.run("the upload", async () => {
      beforeJob.holds({ kind: "object", location: archive });
      beforeJob.holds({ kind: "object", location: envd });
      throw new UserError("no luck");
    });
    const error = (await failure.catch((caught: unknown) => caught)) as ErrorWithNote;
    expect(error).toBeInstanceOf(ErrorWithNote);
    expect(error.failure).toEqual(new UserError("no luck"));
    expect(error.note).toEqual(["No job was submitted, so what was uploaded for it was removed from S3: s3://b/run.zip, s3://b/run-env.d.zip."]);
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key).sort()).toEqual(["run-env.d.zip", "run.zip"]);
  });

  it("on Control-C, stops waiting at once, and gives up the removal after 5 seconds, naming what may be left", async () => {
    vi.useFakeTimers();
    s3.on(AbortMultipartUploadCommand).callsFake(hang);
    const { beforeJob, signals, output } = setup();
    const run = beforeJob.run("the upload", async () => {
      beforeJob.holds({ kind: "upload", location: archive, uploadId: "u1" });
      return hang();
    });
    const settled = run.catch((caught: unknown) => caught);
    await vi.advanceTimersByTimeAsync(0);
    signals.emit("SIGINT");
    await vi.advanceTimersByTimeAsync(0);
    expect(output()).toContain("Stopping the upload: removing what was uploaded from S3 (at most 5 seconds; press Control-C again to leave it there)…");
    await vi.advanceTimersByTimeAsync(5000);
    const error = (await settled) as Interrupted;
    expect(error).toBeInstanceOf(Interrupted);
    expect(error.exitCode).toBe(130);
    expect(error.message).toContain("could not be removed (S3 did not answer within 5 seconds)");
    expect(error.message).toContain("  aws s3api abort-multipart-upload --bucket b --key run.zip --upload-id u1");
  });

  it("a second signal ends the removal at once, with that signal's exit status", async () => {
    s3.on(AbortMultipartUploadCommand).callsFake(hang);
    const { beforeJob, signals } = setup();
    const run = beforeJob.run("the upload", async () => {
      beforeJob.holds({ kind: "upload", location: archive, uploadId: "u1" });
      return hang();
    });
    const settled = run.catch((caught: unknown) => caught);
    await new Promise((resolve) => setImmediate(resolve));
    signals.emit("SIGINT");
    await new Promise((resolve) => setImmediate(resolve));
    signals.emit("SIGTERM");
    const error = (await settled) as Interrupted;
    expect(error.exitCode).toBe(143);
    expect(error.message).toContain("could not be removed (stopped again before S3 confirmed the removal)");
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });

  it("removes nothing when SubmitJob went unanswered: the job may exist; says how to look for it", async () => {
    const { beforeJob } = setup();
    beforeJob.holds({ kind: "object", location: archive });
    const lost = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = (await beforeJob.run("the submission", () => beforeJob.submit(() => Promise.reject(lost))).catch((caught: unknown) => caught)) as ErrorWithNote;
    expect(error.note.join("\n")).toContain("AWS Batch may or may not have created the job");
    expect(error.note).toContain("  aws batch list-jobs --job-queue q --filters name=JOB_NAME,values=run");
    expect(error.note).toContain("  aws s3 rm s3://b/run.zip");
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it("removes what was uploaded when Batch refused the job (a 4xx answer)", async () => {
    s3.on(DeleteObjectCommand).resolves({});
    const { beforeJob } = setup();
    beforeJob.holds({ kind: "object", location: archive });
    const refused = Object.assign(new Error("JobQueue q not found."), { name: "ClientException", $metadata: { httpStatusCode: 400 } });
    await expect(beforeJob.run("the submission", () => beforeJob.submit(() => Promise.reject(refused)))).rejects.toThrow(ErrorWithNote);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });
});
