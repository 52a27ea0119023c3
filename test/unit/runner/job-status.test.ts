// What a job's record says about it (for `jobs`, `--prune` and `attach`), and
// what S3 says of the end of a job AWS Batch has forgotten.
import { describe, expect, it } from "vitest";
import { archiveRewritten, describeStatus, isFinished, mayBeHiddenNewJob, needsAttention } from "../../../src/runner/job-status.js";
import { sampleRecord } from "../state/fixtures.js";

describe("a record's status", () => {
  it.each([
    [{ status: "RUNNING" }, false, true, "RUNNING"],
    [{ status: "SUCCEEDED", exitCode: 0 }, true, true, "SUCCEEDED (exit 0)"],
    [{ status: "SUCCEEDED", exitCode: 0, downloaded: true }, true, false, "SUCCEEDED (exit 0)"],
    [{ status: "FAILED", exitCode: 3, downloaded: true }, true, false, "FAILED (exit 3)"],
    // AWS Batch has forgotten the job: it has ended, whatever its last status seen.
    [{ status: "SUBMITTED", forgottenAt: "2026-11-30T00:00:00.000Z" }, true, true, "ENDED (forgotten by AWS Batch; last seen SUBMITTED)"],
    [{ status: "RUNNING", forgottenAt: "2026-11-30T00:00:00.000Z", end: "results-uploaded", downloaded: true }, true, false, "ENDED (results uploaded; exit status unknown)"],
    [{ status: "RUNNABLE", forgottenAt: "2026-11-30T00:00:00.000Z", end: "no-results", downloaded: true }, true, false, "ENDED (no results uploaded)"],
    [{ status: "FAILED", exitCode: 1, forgottenAt: "2026-11-30T00:00:00.000Z", downloaded: true }, true, false, "FAILED (exit 1)"],
  ] as const)("%j: finished %s, needs attention %s, shown as %s", (fields, finished, attention, shown) => {
    const record = sampleRecord(undefined, fields);
    expect(isFinished(record)).toBe(finished);
    expect(needsAttention(record)).toBe(attention);
    expect(describeStatus(record)).toBe(shown);
  });
});

describe("archiveRewritten: whether the job uploaded its results after it was submitted", () => {
  const submitted = new Date("2026-12-01T10:00:00.400Z");
  it.each([
    ["2026-12-01T10:05:00.000Z", true],
    ["2026-12-01T10:00:01.000Z", true],
    // S3 keeps whole seconds: the same second as the submission proves nothing.
    ["2026-12-01T10:00:00.000Z", false],
    ["2026-12-01T09:59:59.000Z", false],
  ])("archive last modified %s -> %s", (modified, expected) => {
    expect(archiveRewritten(new Date(modified), submitted)).toBe(expected);
  });
});

describe("mayBeHiddenNewJob: AWS Batch may not list a job just submitted", () => {
  const record = sampleRecord(undefined, { submittedAt: "2026-12-01T10:00:00.000Z" });
  it.each([
    [Date.parse("2026-12-01T10:00:30.000Z"), true],
    [Date.parse("2026-12-01T10:04:59.000Z"), true],
    [Date.parse("2026-12-01T10:05:01.000Z"), false],
    [Date.parse("2026-12-08T10:00:00.000Z"), false],
  ])("at %s: %s", (now, expected) => {
    expect(mayBeHiddenNewJob(record, now)).toBe(expected);
  });
});
