/**
 * `logs <job-id>`: a job's log, whether or not this machine submitted it.
 *
 * From CloudWatch Logs while it has the stream: the latest attempt's, or the
 * one `--attempt` names (AWS Batch lists each ended attempt with its own
 * stream), from `--since` ago on, and with `--follow` until the job ends.
 * CloudWatch keeps a stream only as long as its log group's retention
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html),
 * and AWS Batch forgets a job a few days after it ends; then this says so
 * and prints the Snakemake log files (`.snakemake/log/*.log`) from the run's
 * results archive in S3, read with ranged requests (src/archive/member-text.ts).
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import type { JobDetail } from "@aws-sdk/client-batch";
import { readMemberTexts } from "../archive/member-text.js";
import { readZipDirectory } from "../archive/zip-reader.js";
import { describeJob } from "../aws/batch.js";
import type { AwsClients } from "../aws/clients.js";
import { JobState } from "../aws/job-state.js";
import { LogFollower } from "../aws/logs.js";
import { lastModified } from "../aws/s3-objects.js";
import { openObjectRanges, parseS3ObjectUrl, s3Url, type S3Location } from "../aws/s3.js";
import { systemClock, type Clock } from "../aws/retry.js";
import type { BucketLocation } from "../config/bucket.js";
import { UserError } from "../errors.js";
import type { JobRecords } from "../state/records.js";
import type { Reporter } from "../ui/reporter.js";
import { showLogEvent, statusPollDelay } from "./follow.js";
import { showLogFile } from "./snakemake-logs.js";
import { findRecord } from "./job-record.js";

export interface LogsOptions {
  jobId: string;
  follow: boolean;
  sinceMs?: number;
  attempt?: number;
  /** The bucket setting: where the records of jobs submitted elsewhere are looked for. */
  bucket: BucketLocation;
}

export interface LogsDeps {
  aws: AwsClients;
  records: JobRecords;
  reporter: Reporter;
  /** For every wait; the system clock by default. */
  clock?: Clock;
}

/** The Snakemake log files of an archive: `.snakemake/log/*.log` in any directory. */
export const SNAKEMAKE_LOG = /(^|\/)\.snakemake\/log\/[^/]+\.log$/;

export async function showJobLogs(options: LogsOptions, deps: LogsDeps): Promise<number> {
  const { reporter, aws } = deps;
  const batch = await aws.batch();
  const detail = await describeJob(batch, options.jobId);
  if (!detail) {
    const found = await findRecord(options.jobId, await deps.records.read(options.jobId), await aws.s3(), options.bucket);
    if (!found) {
      throw new UserError(
        `Invalid or unknown job id ${options.jobId} (in region ${aws.region}).`,
        "Check the id (the \"AWS Batch Job ID\" line printed at submission) and the region. AWS Batch forgets jobs a few days after they end;\n" +
          "no record of this job was found either (in this machine's job records, or in the bucket setting's records).",
      );
    }
    reporter.line(`AWS Batch no longer knows job ${options.jobId}: it forgets jobs a few days after they end, and its CloudWatch log stream is not known.`);
    return showArchiveLogs({ bucket: found.record.bucket, key: found.record.archiveKey }, deps);
  }
  const job = new JobState(detail);
  const stream = streamOf(detail, options.attempt);
  if (stream === undefined && !(options.follow && !job.isComplete)) {
    reporter.line(`Job ${options.jobId} has no log${options.attempt ? ` for attempt ${options.attempt}` : ""}: it is ${job.status}, and its container ${job.isComplete ? "never started" : "has not started yet"}.`);
    return 0;
  }
  const seen = await printStream({ batch, jobId: options.jobId, group: job.logGroupName, stream, options }, deps);
  if (seen) return 0;
  if (!job.isComplete) {
    reporter.line(`Job ${options.jobId} is ${job.status} and its log stream ${job.logGroupName}/${stream} has no lines yet (--follow waits for them).`);
    return 0;
  }
  reporter.line(`CloudWatch Logs no longer has the log stream ${job.logGroupName}/${stream} of job ${options.jobId}: its log group's retention may have expired.`);
  const workdir = job.workdirUrl ? parseS3ObjectUrl(job.workdirUrl) : undefined;
  if (!workdir) throw new UserError(`Job ${options.jobId} names no results archive (NEXTSTRAIN_AWS_BATCH_WORKDIR_URL), so its log cannot be read from one.`);
  return showArchiveLogs(workdir, deps);
}

/** The log stream of the attempt (1 is the first), else of the latest one; undefined when it has none (yet). */
export function streamOf(detail: JobDetail, attempt: number | undefined): string | undefined {
  const attempts = detail.attempts ?? [];
  if (attempt === undefined) return detail.container?.logStreamName;
  if (attempt <= attempts.length) return attempts[attempt - 1]?.container?.logStreamName;
  const complete = detail.status === "SUCCEEDED" || detail.status === "FAILED";
  // The attempt under way is not listed yet: its stream is the job's.
  if (attempt === attempts.length + 1 && !complete) return detail.container?.logStreamName;
  throw new UserError(
    `Job ${detail.jobId} has no attempt ${attempt}: AWS Batch lists ${attempts.length} ended attempt${attempts.length === 1 ? "" : "s"}${complete ? "" : " and one under way"}.`,
    `Give --attempt a number from 1 to ${complete ? attempts.length : attempts.length + 1}, or leave it out for the latest attempt.`,
  );
}

interface StreamRequest {
  batch: BatchClient;
  jobId: string;
  group: string;
  /** Undefined while the job has not started: looked up again while following. */
  stream: string | undefined;
  options: LogsOptions;
}

/** Prints the stream (following it until the job ends, with --follow); false when CloudWatch does not have it. */
async function printStream(request: StreamRequest, deps: LogsDeps): Promise<boolean> {
  const { reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  let stream = request.stream;
  // Following a job that has not started: wait for its stream.
  while (stream === undefined) {
    await clock.sleep(statusPollDelay(clock.now() - started));
    const detail = await describeJob(request.batch, request.jobId);
    if (!detail) return false;
    stream = streamOf(detail, request.options.attempt);
    if (stream === undefined && new JobState(detail).isComplete) return true;
  }
  const follower = new LogFollower({
    client: await deps.aws.logs(),
    group: request.group,
    stream,
    startTime: request.options.sinceMs === undefined ? undefined : clock.now() - request.options.sinceMs,
    onEvent: (event) => showLogEvent(reporter, event),
    clock: deps.clock,
  });
  // Without --follow, read what there is and stop.
  if (!request.options.follow) return (await follower.readToEnd()).streamSeen;
  const result = await follower.follow(untilEnded(request, deps));
  return result.streamSeen;
}

/** Resolves once the job has ended (or AWS Batch no longer knows it). */
async function untilEnded(request: StreamRequest, deps: LogsDeps): Promise<void> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  for (;;) {
    const detail = await describeJob(request.batch, request.jobId);
    if (!detail || new JobState(detail).isComplete) return;
    await clock.sleep(statusPollDelay(clock.now() - started));
  }
}

/** The Snakemake log files in the results archive, or why there are none. */
async function showArchiveLogs(workdir: S3Location, deps: LogsDeps): Promise<number> {
  const { reporter } = deps;
  const s3 = await deps.aws.s3();
  if (!(await lastModified(s3, workdir))) {
    throw new UserError(`The job's results archive ${s3Url(workdir)} is gone too: there is no log left to show.`, "The bucket's lifecycle rule may have removed it.");
  }
  const source = await openObjectRanges(s3, workdir);
  const logs = (await readZipDirectory(source)).entries.filter((entry) => entry.type === "file" && SNAKEMAKE_LOG.test(entry.name));
  if (logs.length === 0) {
    reporter.line(`The results archive ${s3Url(workdir)} holds no Snakemake log file (.snakemake/log/*.log): the job may not have run Snakemake, or not uploaded its results.`);
    return 1;
  }
  reporter.line(`Showing the Snakemake log files of the results archive ${s3Url(workdir)} instead:`);
  const texts = await readMemberTexts(source, logs);
  for (const { name, text } of texts.sort((a, b) => a.name.localeCompare(b.name))) showLogFile(reporter, name, text);
  return 0;
}
