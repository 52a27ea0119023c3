/**
 * Attaching to a job AWS Batch has forgotten (it keeps ended jobs a few days)
 * while its record and archive are still in S3: say what is known of its end
 * and what is not, download its results, show its Snakemake log files (its
 * CloudWatch logs may be gone too), and exit 0 when its results are complete.
 *
 * When the job was last seen ended, its record holds the status and exit
 * code. Otherwise S3 tells what it can: the job's entrypoint uploads the
 * archive again under the same key once the workflow has run, whatever its
 * exit status, so an archive written after the submission (the time the
 * record beside it was stored, on S3's own clock) means the workflow ran to
 * its end and the results are complete; an archive still as uploaded means
 * it never got there. The exit status itself went with AWS Batch's record;
 * a Snakemake log that says the workflow failed makes the exit status 1.
 */
import type { BuildRoot } from "../archive/build-root.js";
import type { AwsClients } from "../aws/clients.js";
import { lastModified } from "../aws/s3-objects.js";
import { s3Url } from "../aws/s3.js";
import type { DownloadChoice } from "../cli/request.js";
import { UserError } from "../errors.js";
import { archiveRewritten, describeStatus, seenEnded } from "./job-status.js";
import type { JobRecord } from "../state/records.js";
import type { Reporter } from "../ui/reporter.js";
import type { SignalSource } from "./control.js";
import { downloadResults } from "./download.js";
import { s3RecordLocation, type RecordKeeper } from "./job-record.js";
import { showSnakemakeLogs } from "./snakemake-logs.js";

export interface ForgottenRequest {
  download: DownloadChoice;
  /** Where results go; undefined when attaching without a directory. */
  location?: BuildRoot;
}

export interface ForgottenDeps {
  aws: AwsClients;
  reporter: Reporter;
  signals: SignalSource;
}

export async function recoverForgotten(record: JobRecord, keeper: RecordKeeper, request: ForgottenRequest, deps: ForgottenDeps): Promise<number> {
  const { reporter } = deps;
  const s3 = await deps.aws.s3();
  const workdir = { bucket: record.bucket, key: record.archiveKey };
  const forgottenAt = record.forgottenAt ?? new Date().toISOString();
  const { location } = request;
  const download = async (): Promise<boolean> => {
    if (request.download === false || !location) return false;
    await downloadResults({ s3, workdir, buildRoot: location.buildRoot, spec: request.download, reporter, jobId: record.jobId, signals: deps.signals });
    return true;
  };
  const remember = (change: Partial<JobRecord>) => keeper.note({ forgottenAt, ...change });
  reporter.line(`AWS Batch no longer knows job ${record.jobId}: it forgets jobs a few days after they end.`);

  if (seenEnded(record)) {
    reporter.line(`Its record says it ended ${describeStatus(record)}.`);
    const downloaded = await download();
    await remember(downloaded ? { downloaded } : {});
    if (downloaded && location) await showSnakemakeLogs(location.workingDir, reporter);
    return record.exitCode ?? (record.status === "SUCCEEDED" ? 0 : 1);
  }

  reporter.line(`It was submitted at ${record.submittedAt} and last seen ${record.status}; what came after is known only from S3:`);
  const modified = await lastModified(s3, workdir);
  if (!modified) {
    throw new UserError(`The job's archive ${s3Url(workdir)} is gone: its results cannot be downloaded.`, "The bucket's lifecycle rule may have removed it.");
  }
  const submitted = (await lastModified(s3, s3RecordLocation(record))) ?? new Date(record.submittedAt);
  if (!archiveRewritten(modified, submitted)) {
    reporter.line(`its archive ${s3Url(workdir)} is still the one uploaded at submission (${modified.toISOString()}).`);
    reporter.line("So the job never uploaded results: its workflow did not run to its end (it may never have started, or was stopped).");
    reporter.line("Why is not known: AWS Batch kept the reason, and has forgotten it. There is nothing to download.");
    await remember({ end: "no-results", downloaded: true });
    return 1;
  }
  reporter.line(`the job uploaded its results to ${s3Url(workdir)} at ${modified.toISOString()}, after its submission.`);
  reporter.line("So its workflow ran to its end and its results are complete. Its exit status is not known: AWS Batch kept it, and has forgotten it.");
  const downloaded = await download();
  await remember({ end: "results-uploaded", ...(downloaded ? { downloaded } : {}) });
  const said = downloaded && location ? await showSnakemakeLogs(location.workingDir, reporter) : undefined;
  if (said?.outcome === "failed") {
    reporter.line(`Its Snakemake log ${said.file} says the workflow failed: exit status 1.`);
    return 1;
  }
  if (said?.outcome === "finished") reporter.line(`Its Snakemake log ${said.file} says every step finished.`);
  return 0;
}
