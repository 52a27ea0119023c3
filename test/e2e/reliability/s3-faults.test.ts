// R1: transient S3 faults during upload and download are retried and the
// result is the same as without them; a lost connection resumes without
// resending stored parts; an interrupted upload leaves nothing in S3.
import { cpSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIRST_PART_SIZE } from "../../../src/aws/s3.js";
import type { RecordedCall } from "../../local-aws/faults.js";
import { localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, writeFiles } from "../build/fixtures.js";
import { ABSENT_IMAGE, contents, getObject, multipartUploads, objectKeys, ownKey, runIdOf, snapshot, writeRandomFile } from "./helpers.js";

const { control } = localAws();

const MiB = 1024 * 1024;
const FIXED_TIME = new Date("2026-01-02T03:04:06Z");

/** About 51 MiB that does not compress (9 parts of 6 MiB), 60 small files, one job script; fixed mtimes. */
function bigTree(prefix: string): string {
  const dir = path.join(scratchDir(prefix), "build");
  mkdirSync(path.join(dir, "data"), { recursive: true });
  for (let i = 0; i < 3; i++) writeRandomFile(path.join(dir, "data", `blob${i}.bin`), 17 * MiB + i * 4099, `blob${i}`);
  const small: Record<string, string> = {};
  for (let i = 0; i < 60; i++) small[`config/part${i}.tsv`] = `row\t${i}\n`.repeat(i * 7 + 1);
  writeFiles(dir, {
    ...small,
    "run.sh": "#!/bin/sh\nset -e\nmkdir -p results\nfor i in $(seq 1 40); do seq 1 $((i * 250)) > results/r$i.txt; done\necho changed > config/part3.tsv\n",
  });
  touchAll(dir);
  return dir;
}

function touchAll(dir: string): void {
  for (const name of snapshot(dir).keys()) utimesSync(path.join(dir, name), FIXED_TIME, FIXED_TIME);
  utimesSync(dir, FIXED_TIME, FIXED_TIME);
}

const isFault = (call: RecordedCall) => typeof call.outcome !== "number" || call.outcome >= 500;

function faultCounts(calls: RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls.filter(isFault)) counts[String(call.outcome)] = (counts[String(call.outcome)] ?? 0) + 1;
  return counts;
}

/** UploadPart calls per part number, and how many of them S3 stored. */
function partsSent(calls: RecordedCall[]): Map<number, { calls: number; stored: number }> {
  const parts = new Map<number, { calls: number; stored: number }>();
  for (const call of calls) {
    if (call.operation !== "UploadPart" || call.partNumber === undefined) continue;
    const part = parts.get(call.partNumber) ?? { calls: 0, stored: 0 };
    part.calls += 1;
    if (call.outcome === 200) part.stored += 1;
    parts.set(call.partNumber, part);
  }
  return parts;
}

describe("R1: S3 faults during upload and download", () => {
  it("uploads a byte-identical archive through 5xx, SlowDown and a reset mid-body, and says so at most once", async () => {
    const dir = bigTree("r1-upload");
    const clean = await nextstrainTs([...SCRIPT, "--image", ABSENT_IMAGE, dir]);
    expect(clean.status, clean.stderr).toBe(1);

    const { accessKeyId, env } = ownKey("r1-upload");
    await control.addFault({ kind: "server-error", service: "s3", operation: "UploadPart", after: 1, count: 1, accessKeyId });
    await control.addFault({ kind: "reset", service: "s3", operation: "UploadPart", after: 3, count: 1, accessKeyId });
    await control.addFault({ kind: "throttle", service: "s3", operation: "UploadPart", after: 5, count: 1, accessKeyId });
    await control.addFault({ kind: "server-error", service: "s3", operation: "CompleteMultipartUpload", count: 1, accessKeyId });
    // The first run's results were downloaded, so a re-run would copy its archive: this one sends every part (P6).
    const faulty = await nextstrainTs([...SCRIPT, "--full-upload", "--image", ABSENT_IMAGE, dir], { env });
    expect(faulty.status, faulty.stderr).toBe(1);

    const calls = await control.calls(accessKeyId);
    expect(faultCounts(calls)).toEqual({ "500": 2, "503": 1, reset: 1 });
    // Deterministic: the same tree gives the same bytes, faults or not.
    const [expected, got] = await Promise.all([getObject(`${runIdOf(clean.stdout)}.zip`), getObject(`${runIdOf(faulty.stdout)}.zip`)]);
    expect(got.length).toBeGreaterThan(50 * MiB);
    expect(got.equals(expected)).toBe(true);
    // Bounded: each part stored once, and each of the 3 UploadPart faults cost exactly one more call.
    const parts = partsSent(calls);
    for (const [, part] of parts) expect(part).toMatchObject({ stored: 1 });
    expect([...parts.values()].reduce((sum, part) => sum + part.calls, 0)).toBe(parts.size + 3);
    // The SDK's own quick retries absorb these: never a notice per attempt.
    expect((faulty.stderr.match(/S3 did not answer/g) ?? []).length).toBeLessThanOrEqual(1);
    expect(faulty.stdout.match(/zipping: .*blob0\.bin/g)).toHaveLength(1);
    // Two uploads of 51 MiB, one through faults: longer than the default minute on a loaded machine.
  }, 120_000);

  it("downloads the same tree with S3 faults on every kind of call as without them", async () => {
    const first = bigTree("r1-download");
    const second = path.join(path.dirname(first), "copy");
    cpSync(first, second, { recursive: true, preserveTimestamps: true });
    const clean = await nextstrainTs([...SCRIPT, first]);
    expect(clean.status, clean.stderr).toBe(0);

    // The key comes from a credentials file, not the environment, so the tool does
    // not forward it to the job: the job's own S3 calls (with the stack's key, and
    // their number depending on timing) neither meet these faults nor shift them.
    const { accessKeyId } = ownKey("r1-download");
    const credentials = path.join(path.dirname(first), "credentials");
    writeFileSync(credentials, `[default]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = local-aws-secret\n`);
    const env = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SHARED_CREDENTIALS_FILE: credentials };
    await control.addFault({ kind: "server-error", service: "s3", fraction: 0.1, accessKeyId });
    await control.addFault({ kind: "reset", service: "s3", operation: "GetObject", after: 1, count: 2, accessKeyId });
    await control.addFault({ kind: "throttle", service: "s3", operation: "HeadObject", count: 1, accessKeyId });
    // With the SDK's own retries off, every fault reaches the tool's retry layer.
    const faulty = await nextstrainTs([...SCRIPT, second], { env: { ...env, AWS_MAX_ATTEMPTS: "1" } });
    expect(faulty.status, faulty.stderr).toBe(0);

    const counts = faultCounts(await control.calls(accessKeyId));
    expect(counts.reset).toBe(2);
    expect(counts["503"]).toBe(1);
    expect(counts["500"]).toBeGreaterThanOrEqual(1);
    expect(contents(snapshot(second))).toEqual(contents(snapshot(first)));
    expect(faulty.stdout).toContain(`unzipping: ${path.join(second, "results", "r40.txt")}`);
    // One notice for the upload, one for the download: not one per retry.
    expect(faulty.stderr.match(/S3 did not answer/g)).toHaveLength(2);
    // Two whole builds of a large tree, one under faults: on a loaded machine, with the
    // other end-to-end files running beside it, they take longer than the default minute.
  }, 120_000);

  it("resumes after the connection is lost for 30 s mid-upload, without resending stored parts", async () => {
    const dir = bigTree("r1-blackout");
    const { accessKeyId, env } = ownKey("r1-blackout");
    await control.addFault({ kind: "blackout", service: "s3", operation: "UploadPart", after: 3, durationMs: 30_000, accessKeyId });
    const result = await nextstrainTs([...SCRIPT, "--image", ABSENT_IMAGE, dir], { env: { ...env, AWS_MAX_ATTEMPTS: "1" }, timeoutMs: 110_000 });
    expect(result.status, result.stderr).toBe(1);
    expect(result.durationMs).toBeGreaterThan(30_000);

    const calls = await control.calls(accessKeyId);
    expect(calls.filter((c) => c.outcome === "blackout").length).toBeGreaterThanOrEqual(1);
    const parts = partsSent(calls);
    const archive = await getObject(`${runIdOf(result.stdout)}.zip`);
    expect(parts.size).toBe(Math.ceil(archive.length / FIRST_PART_SIZE));
    expect(parts.size).toBeGreaterThan(4);
    for (const [, part] of parts) expect(part.stored).toBe(1);
    // Parts stored before the blackout went once; only those caught in it went again.
    const resent = [...parts].filter(([, part]) => part.calls > 1).map(([n]) => n);
    expect(resent.length).toBeGreaterThanOrEqual(1);
    expect(resent.length).toBeLessThanOrEqual(4);
    expect(parts.get(1)?.calls).toBe(1);
    expect(await objectKeys(`${runIdOf(result.stdout)}.zip`)).toHaveLength(1);
    expect(result.stderr.match(/S3 did not answer/g)).toHaveLength(1);
  }, 120_000);

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s during the upload aborts the multipart upload, leaves no object and exits %i (R1)", async (signal, status) => {
    const dir = bigTree(`r1-${signal}`);
    const { accessKeyId, env } = ownKey(signal);
    await control.addFault({ kind: "delay", service: "s3", operation: "UploadPart", delayMs: 3000, accessKeyId });
    const running = startNextstrainTs([...SCRIPT, dir], { env });
    const [, runId] = await running.waitFor(/Nextstrain Run ID: (\S+)/);
    await running.waitFor(/zipping: .*blob1\.bin/);
    // Wait until the multipart upload exists.
    for (let tries = 0; (await multipartUploads(runId as string)).length === 0; tries++) {
      expect(tries).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running.child.kill(signal);
    const result = await running.done;
    expect(result.status).toBe(status);
    expect(result.stderr).toContain("Interrupted: the upload was stopped and nothing was left in S3.");
    expect(await multipartUploads(runId as string)).toEqual([]);
    expect(await objectKeys(runId as string)).toEqual([]);
    const calls = await control.calls(accessKeyId);
    expect(calls.some((c) => c.operation === "AbortMultipartUpload" && c.outcome === 204)).toBe(true);
  });
});
