import type { JobDetail } from "@aws-sdk/client-batch";
import { describe, expect, it } from "vitest";
import { isTerminal, JobState } from "../../../src/aws/job-state.js";
import { finalStatusLine, formatFixed1, formatLogLine, localUtcOffset, type UtcOffset } from "../../../src/runner/messages.js";

const job = (detail: Partial<JobDetail> = {}, container: JobDetail["container"] = {}) =>
  new JobState({
    jobId: "6116f3e3-9bc0-4769-99e3-adb71b4d82c0",
    jobName: "run",
    jobQueue: "q",
    jobDefinition: "d",
    status: "RUNNING",
    startedAt: undefined,
    container,
    ...detail,
  });

describe("JobState status classes", () => {
  it.each([
    ["SUBMITTED", true, false, false, false],
    ["PENDING", true, false, false, false],
    ["RUNNABLE", true, false, false, false],
    ["STARTING", true, false, false, false],
    ["RUNNING", false, true, false, false],
    ["SUCCEEDED", false, false, true, false],
    ["FAILED", false, false, true, true],
  ] as const)("%s: waiting %j, running %j, complete %j, failed %j", (status, waiting, running, complete, failed) => {
    const state = job({ status });
    expect([state.status, state.isWaiting, state.isRunning, state.isComplete, state.isFailed]).toStrictEqual([
      status,
      waiting,
      running,
      complete,
      failed,
    ]);
  });

  it("reads a missing status as UNKNOWN, in no class", () => {
    const state = job({ status: undefined });
    expect([state.status, state.isWaiting, state.isRunning, state.isComplete, state.isFailed]).toStrictEqual([
      "UNKNOWN",
      false,
      false,
      false,
      false,
    ]);
  });

  it.each([
    ["SUCCEEDED", true],
    ["FAILED", true],
    ["RUNNING", false],
    ["RUNNABLE", false],
    ["UNKNOWN", false],
  ])("isTerminal(%s) is %j, as isComplete says", (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
    expect(job({ status: status === "UNKNOWN" ? undefined : (status as JobDetail["status"]) }).isComplete).toBe(terminal);
  });

  it("exposes the job id", () => {
    expect(job().id).toBe("6116f3e3-9bc0-4769-99e3-adb71b4d82c0");
  });
});

describe("JobState container facts", () => {
  it("reads exit code and log stream, absent before the container starts", () => {
    expect([job().exitCode, job().logStreamName]).toStrictEqual([undefined, undefined]);
    const started = job({}, { exitCode: 3, logStreamName: "nextstrain-job/default/abc" });
    expect([started.exitCode, started.logStreamName]).toStrictEqual([3, "nextstrain-job/default/abc"]);
  });

  it.each([
    [undefined, "/aws/batch/job"],
    [{ logDriver: "awslogs" as const }, "/aws/batch/job"],
    [{ logDriver: "awslogs" as const, options: { "awslogs-region": "eu-west-1" } }, "/aws/batch/job"],
    [{ logDriver: "awslogs" as const, options: { "awslogs-group": "/custom/nextstrain" } }, "/custom/nextstrain"],
    [{ logDriver: "awslogs" as const, options: { "awslogs-group": "" } }, "/aws/batch/job"],
  ])("log group for %j is %s", (logConfiguration, group) => {
    expect(job({}, { logConfiguration }).logGroupName).toBe(group);
  });

  it("finds the remote workdir URL in the container environment (C72)", () => {
    const environment = [
      { name: "NEXTSTRAIN_ENVD_URL", value: "s3://b/x-env.d.zip" },
      { name: "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL", value: "s3://b/p/x.zip" },
    ];
    expect(job({}, { environment }).workdirUrl).toBe("s3://b/p/x.zip");
    expect(job({}, { environment: environment.slice(0, 1) }).workdirUrl).toBeUndefined();
    expect(job({}, undefined).workdirUrl).toBeUndefined();
  });
});

describe("JobState.reason (C82)", () => {
  it.each([
    [{ statusReason: "Essential container in task exited" }, { exitCode: 0 }, "exited 0"],
    [{ statusReason: "Essential container in task exited" }, {}, "exited"],
    [
      { statusReason: "Essential container in task exited" },
      { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" },
      "OutOfMemoryError: Container killed due to memory usage, exited 137",
    ],
    [{ statusReason: "stopped by user" }, {}, "stopped by user"],
    [{ statusReason: "stopped by user" }, { reason: "Task stopped" }, "Task stopped, stopped by user"],
    [{}, { reason: "CannotPullContainerError: x" }, "CannotPullContainerError: x"],
    [{ statusReason: "Host EC2 terminated." }, { exitCode: 1 }, "Host EC2 terminated."],
    [{ statusReason: "" }, { reason: "r" }, "r"],
    [{}, {}, undefined],
    [{ statusReason: "" }, { reason: "" }, undefined],
  ])("%j + container %j -> %j", (detail, container, reason) => {
    expect(job(detail, container).reason).toBe(reason);
  });

  it.each([
    [{ statusReason: "stopped by user" }, {}, true],
    [{ statusReason: "stopped by user" }, { reason: "Task stopped" }, false],
    [{ statusReason: "Stopped by user" }, {}, false],
    [{}, {}, false],
  ])("stoppedByUser for %j + %j is %j (C83)", (detail, container, stopped) => {
    expect(job(detail, container).stoppedByUser).toBe(stopped);
  });
});

describe("JobState.exitStatus (C90)", () => {
  it.each([
    ["SUCCEEDED", 0, 0],
    ["FAILED", 2, 2],
    ["FAILED", 137, 137],
    ["FAILED", 0, 0],
    ["FAILED", undefined, 1],
    ["SUCCEEDED", undefined, 0],
  ] as const)("%s with exit code %j -> %d", (status, exitCode, expected) => {
    expect(job({ status }, { exitCode }).exitStatus).toBe(expected);
  });
});

describe("finalStatusLine (C82, C115)", () => {
  const created = 1_700_000_000_000;
  const line = (elapsedMs: number | undefined, more: Partial<JobDetail> = {}, container = {}) =>
    finalStatusLine(
      job({ status: "SUCCEEDED", createdAt: created, stoppedAt: elapsedMs === undefined ? undefined : created + elapsedMs, ...more }, container),
      created + 60_000,
    );

  it("says how long and why", () => {
    expect(line(42 * 60_000, { status: "FAILED", statusReason: "Essential container in task exited" }, { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" })).toStrictEqual({
      label: "Job FAILED after 42.0 minutes",
      detail: "(OutOfMemoryError: Container killed due to memory usage, exited 137)",
    });
  });

  // Expected values were produced by Python's "%0.1f" on the same arithmetic.
  it.each([
    [15_000, "0.2"],
    [45_000, "0.8"],
    [75_000, "1.2"],
    [9_000, "0.1"],
    [3_000, "0.1"],
    [30_000, "0.5"],
    [93_000, "1.6"],
    [33_000, "0.6"],
    [81_000, "1.4"],
    [1_500, "0.0"],
  ])("%d ms -> %s minutes", (elapsedMs, minutes) => {
    expect(line(elapsedMs, { statusReason: "x" }).label).toBe(`Job SUCCEEDED after ${minutes} minutes`);
  });

  it("counts to now while the job has not stopped", () => {
    expect(line(undefined, { statusReason: "x" }).label).toBe("Job SUCCEEDED after 1.0 minutes");
  });

  it("prints nan without a creation time", () => {
    expect(line(0, { createdAt: undefined }).label).toBe("Job SUCCEEDED after nan minutes");
  });

  it("says so when there is no reason (instead of Python's None)", () => {
    expect(line(0).detail).toBe("(no reason given)");
  });
});

describe("formatFixed1 (C115)", () => {
  it.each([
    [0.25, "0.2"],
    [0.75, "0.8"],
    [1.25, "1.2"],
    [2.75, "2.8"],
    [0.05, "0.1"],
    [0.15, "0.1"],
    [0.35, "0.3"],
    [0.45, "0.5"],
    [0, "0.0"],
    [-0.25, "-0.2"],
    [-0.01, "-0.0"],
    [-0, "-0.0"],
    [1234567.25, "1234567.2"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ])("%d -> %s", (value, text) => {
    expect(formatFixed1(value)).toBe(text);
  });
});

/** The offset of an IANA time zone, through Intl, as a tester's stand-in for TZ. */
const zone =
  (timeZone: string): UtcOffset =>
  (epochMs) => {
    const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
      .formatToParts(epochMs)
      .find((part) => part.type === "timeZoneName")?.value;
    const match = /^GMT(?:([+-])(\d\d):(\d\d))?$/.exec(name ?? "");
    if (!match) throw new Error(`unexpected offset ${name}`);
    const minutes = Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
    return match[1] === "-" ? -minutes : minutes;
  };

describe("formatLogLine (C81)", () => {
  const at = (timestamp: number) => ({ message: "+ snakemake --cores=all", timestamp });

  // Expected values were produced by Python's datetime.fromtimestamp(round(ts / 1000)).astimezone().isoformat() with TZ set.
  it.each([
    ["UTC", 1700000000000, "2023-11-14T22:13:20+00:00"],
    ["UTC", 1700000000500, "2023-11-14T22:13:20+00:00"],
    ["UTC", 1700000001500, "2023-11-14T22:13:22+00:00"],
    ["UTC", 1700000000499, "2023-11-14T22:13:20+00:00"],
    ["UTC", 1700000000501, "2023-11-14T22:13:21+00:00"],
    ["Europe/Berlin", 1700000000000, "2023-11-14T23:13:20+01:00"],
    ["Europe/Berlin", 1690000000000, "2023-07-22T06:26:40+02:00"],
    ["Europe/Berlin", 1698539400000, "2023-10-29T02:30:00+02:00"],
    ["Europe/Berlin", 1698543000000, "2023-10-29T02:30:00+01:00"],
    ["America/New_York", 1700000001500, "2023-11-14T17:13:22-05:00"],
    ["America/New_York", 1690000000000, "2023-07-22T00:26:40-04:00"],
    ["Asia/Kolkata", 1700000000000, "2023-11-15T03:43:20+05:30"],
    ["Asia/Kathmandu", 1700000000501, "2023-11-15T03:58:21+05:45"],
    ["America/St_Johns", 1700000000000, "2023-11-14T18:43:20-03:30"],
    ["America/St_Johns", 1690000000000, "2023-07-22T01:56:40-02:30"],
    ["Pacific/Chatham", 1690000000000, "2023-07-22T17:11:40+12:45"],
  ])("%s, %d ms -> %s", (timeZone, timestamp, iso) => {
    expect(formatLogLine(at(timestamp), zone(timeZone))).toBe(`[batch] [${iso}] + snakemake --cores=all`);
  });

  it("falls back to the ingestion time", () => {
    expect(formatLogLine({ message: "m", ingestionTime: 1700000000000 }, zone("UTC"))).toBe("[batch] [2023-11-14T22:13:20+00:00] m");
  });

  it("prints the message alone without any time", () => {
    expect(formatLogLine({ message: "m" })).toBe("[batch] m");
    expect(formatLogLine({})).toBe("[batch] ");
  });

  it("uses the machine's time zone (TZ) by default", () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = "Asia/Kolkata";
      expect(formatLogLine(at(1700000000000))).toBe("[batch] [2023-11-15T03:43:20+05:30] + snakemake --cores=all");
      process.env.TZ = "America/New_York";
      expect(localUtcOffset(1690000000000)).toBe(-240);
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
