// Choosing the log stream of an attempt, and the options of `logs`.
import type { JobDetail } from "@aws-sdk/client-batch";
import { describe, expect, it } from "vitest";
import { parseAttempt, parseDuration } from "../../../src/cli/output-options.js";
import { streamOf } from "../../../src/runner/job-logs.js";

const ended = (stream: string) => ({ container: { logStreamName: stream } });
const retried: JobDetail = { jobId: "j", status: "RUNNING", attempts: [ended("s1"), ended("s2")], container: { logStreamName: "s3" } } as JobDetail;
const done: JobDetail = { jobId: "j", status: "FAILED", attempts: [ended("s1"), ended("s2")], container: { logStreamName: "s2" } } as JobDetail;

describe("streamOf", () => {
  it.each<[string, JobDetail, number | undefined, string | undefined]>([
    ["the latest attempt by default", retried, undefined, "s3"],
    ["an ended attempt", retried, 1, "s1"],
    ["the attempt under way, not yet listed", retried, 3, "s3"],
    ["the last attempt of an ended job", done, 2, "s2"],
    ["a job that has not started", { jobId: "j", status: "RUNNABLE" } as JobDetail, undefined, undefined],
  ])("%s", (_name, detail, attempt, stream) => {
    expect(streamOf(detail, attempt)).toBe(stream);
  });

  it("refuses an attempt the job has not had, saying which there are", () => {
    expect(() => streamOf(done, 3)).toThrow("Job j has no attempt 3: AWS Batch lists 2 ended attempts.");
    expect(() => streamOf(retried, 4)).toThrow("Job j has no attempt 4: AWS Batch lists 2 ended attempts and one under way.");
  });
});

describe("logs options", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["1.5h", 5_400_000],
    ["2d", 172_800_000],
  ])("--since %s", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "10", "m", "-1h", "1w"])("--since %j is a usage error", (text) => {
    expect(() => parseDuration(text)).toThrow(`argument --since: invalid duration: '${text}'`);
  });

  it("--attempt takes 1 or more", () => {
    expect(parseAttempt("2")).toBe(2);
    expect(() => parseAttempt("0")).toThrow("argument --attempt: invalid value: '0'");
  });
});
