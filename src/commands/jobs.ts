/**
 * `jobs`: the jobs this machine submitted, from their records, with live
 * statuses from AWS Batch (DescribeJobs, 100 ids a call); a job Batch no
 * longer knows has ended (src/runner/job-status.ts). By default the jobs
 * that still need attention (running, waiting, or finished with results not
 * yet downloaded); `--all` for every record; `--json` for scripts (a `job`
 * event each); `--prune`
 * removes the records of finished jobs whose results were downloaded.
 */
import { describeJobs } from "../aws/batch.js";
import { createAwsClients } from "../aws/clients.js";
import { describeAwsError } from "../aws/errors.js";
import { JobState } from "../aws/job-state.js";
import type { JobsRequest } from "../cli/request.js";
import { loadSettings } from "../config/load.js";
import { endpointsOf } from "../config/resolve.js";
import { resolvePaths } from "../config/paths.js";
import { describeStatus, isFinished, mayBeHiddenNewJob, needsAttention, waitedText } from "../runner/job-status.js";
import { recordedState } from "../runner/job-record.js";
import { retryNotice } from "../runner/notices.js";
import { JobRecords, recordsDirectory, type JobRecord } from "../state/records.js";
import type { CommandContext } from "./context.js";

export async function jobsCommand(request: JobsRequest, context: CommandContext): Promise<number> {
  const { io, reporter } = context;
  const records = new JobRecords(recordsDirectory(resolvePaths(io.env, io.homedir).home));
  const { records: all, corrupt } = await records.list();
  for (const { file, problem } of corrupt) reporter.warn(`Skipping the damaged job record ${file}: ${problem}. Delete it if it is of no use.`);

  if (request.prune) {
    const finished = all.filter((record) => !needsAttention(record));
    for (const record of finished) await records.remove(record.jobId);
    reporter.line(`Removed ${finished.length} record${finished.length === 1 ? "" : "s"} of finished jobs whose results were downloaded.`);
    return 0;
  }

  const refreshed = await refresh(all.filter((record) => !isFinished(record)), records, context);
  const current = all.map((record) => refreshed.get(record.jobId) ?? record);
  const shown = request.all ? current : current.filter(needsAttention);

  // With --json, one `job` event each (docs/json-events.md); people see the table.
  for (const record of shown) reporter.emit({ type: "job", jobId: record.jobId, status: describeStatus(record), record: { ...record } });
  if (shown.length === 0) {
    reporter.line(request.all ? "No jobs recorded." : "No jobs need attention (--all lists every recorded job).");
    return 0;
  }
  const now = Date.now();
  const rows = [["JOB ID", "STATUS", "SUBMITTED", "WAITED", "BUILD DIRECTORY"], ...shown.map((r) => [r.jobId, describeStatus(r), r.submittedAt.replace(/\.\d+Z$/, "Z"), waitedText(r, now), r.workingDir])];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  for (const row of rows) reporter.line(row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column] ?? 0) : cell)).join("  "));
  return 0;
}

/** Live statuses of unfinished jobs, region by region; the records are updated to match. */
async function refresh(unfinished: JobRecord[], records: JobRecords, context: CommandContext): Promise<Map<string, JobRecord>> {
  const updated = new Map<string, JobRecord>();
  if (unfinished.length === 0) return updated;
  const { io, reporter } = context;
  const endpoints = endpointsOf((await loadSettings({}, io.env, io.homedir)).settings);
  const regions = [...new Set(unfinished.map((record) => record.region))];
  for (const region of regions) {
    const ids = unfinished.filter((record) => record.region === region).map((record) => record.jobId);
    try {
      const batch = await createAwsClients({ region, endpoints }).batch();
      const details = await describeJobs(batch, ids, { onRetry: retryNotice(reporter, "AWS Batch") });
      for (const detail of details) {
        const job = new JobState(detail);
        const record = await records.update(job.id, recordedState(job));
        if (record) updated.set(record.jobId, record);
      }
      // Jobs AWS Batch no longer knows have ended (it forgets them days after).
      const forgotten = unfinished.filter((r) => r.region === region && !details.some((d) => d.jobId === r.jobId) && !mayBeHiddenNewJob(r, Date.now()));
      for (const { jobId } of forgotten) {
        const record = await records.update(jobId, { forgottenAt: new Date().toISOString() });
        if (record) updated.set(jobId, record);
      }
    } catch (error) {
      reporter.warn(`Could not refresh the status of jobs in ${region} (${describeAwsError(error)}); showing their last known status.`);
    }
  }
  return updated;
}
