/** A complete job record for tests. */
import { RECORD_SCHEMA, type JobRecord } from "../../../src/state/records.js";

export function sampleRecord(jobId = "0b3c8f7e-1d2a-4c5b-9e6f-7a8b9c0d1e2f", extra: Partial<JobRecord> = {}): JobRecord {
  return {
    schema: RECORD_SCHEMA,
    jobId,
    runId: "6116f3e3-9bc0-4769-99e3-adb71b4d82c0",
    buildRoot: "/home/u/zika",
    workingDir: "/home/u/zika",
    remoteWorkdir: "/nextstrain/build",
    bucket: "nextstrain-jobs",
    archiveKey: "6116f3e3-9bc0-4769-99e3-adb71b4d82c0.zip",
    region: "us-east-1",
    queue: "nextstrain-job-queue",
    definition: "nextstrain-job",
    image: "nextstrain/base",
    command: ["/sbin/entrypoint-aws-batch", "env", "--chdir", "/nextstrain/build", "--", "snakemake"],
    submittedAt: "2026-11-21T20:00:00.000Z",
    status: "SUBMITTED",
    updatedAt: "2026-11-21T20:00:00.000Z",
    downloaded: false,
    ...extra,
  };
}
