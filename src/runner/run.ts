/**
 * A build on AWS Batch, stage by stage, as the Nextstrain CLI runs it
 * (docs/architecture.md#stages): upload the build directory, submit the job (or attach to
 * one), watch it with its logs, download what it changed, and return its exit
 * status. This module only orders the stages; each lives in its own module
 * and every AWS call is behind src/aws/.
 *
 * Two rules hold across the stages: until the job exists, a failure or an
 * interruption leaves nothing in S3 (before-job.ts); once it exists, every
 * failure ends with how to get back to it.
 */
import { randomUUID } from "node:crypto";
import type { BuildRoot } from "../archive/build-root.js";
import { containerWorkingDir } from "../archive/build-root.js";
import { describeJob, submitJob, terminateJob } from "../aws/batch.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorName, describeAwsError } from "../aws/errors.js";
import type { Clock } from "../aws/retry.js";
import { JobState } from "../aws/job-state.js";
import { checkBucket, deleteObject, parseS3ObjectUrl, s3Url, type S3Location } from "../aws/s3.js";
import { shellQuote } from "../ui/shell-quote.js";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DownloadChoice } from "../cli/request.js";
import type { Settings } from "../config/resolve.js";
import { describeFailure, ErrorWithNote, UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";
import { BeforeJob } from "./before-job.js";
import { DETACH_SIGNALS, installSignalHandlers, JobControl, Stopped, type SignalSource } from "./control.js";
import { downloadResults } from "./download.js";
import { containerEnvironment, keptEnvd } from "./environment.js";
import { followJob } from "./follow.js";
import { overlayLines } from "./overlays.js";
import { preflight } from "./preflight.js";
import { waitingRules } from "./diagnosis.js";
import { JobCancelled } from "./runnable.js";
import { lostToInfrastructure, submitToFallback } from "./fallback.js";
import { cancelFailed, controlHints, detachBlock, jobUnaffected, printLines } from "./messages.js";
import type { BuildPlan } from "./plan.js";
import { batchJobName, defaultTags, definitionFor, JOB_NAME_MAX, submitJobInput } from "./submit.js";
import { PACKAGE } from "../program.js";
import type { BatchClient, SubmitJobCommandInput } from "@aws-sdk/client-batch";
import { upload } from "./upload-stage.js";
import { checkJobInfoPath, findRecord, newJobRecord, RecordKeeper, saveNewRecord, writeJobInfo, type FoundRecord } from "./job-record.js";
import { recoverForgotten } from "./forgotten.js";
import { timedStage } from "./stages.js";
import { warnIfCredentialsExpire, type ForwardedCredentials } from "./credentials.js";
import type { ArchiveRecords } from "../state/archive-records.js";
import type { JobRecords } from "../state/records.js";
import { retryNotice } from "./notices.js";
import type { JsonCache } from "../state/cache.js";

export interface RunRequest {
  settings: Settings;
  /** Where results go; undefined when attaching without a directory. */
  location?: BuildRoot;
  /** For a fresh submission. */
  plan?: BuildPlan;
  attach?: string;
  detach: boolean;
  detachOnInterrupt: boolean;
  cancel: boolean;
  logs: boolean;
  download: DownloadChoice;
  /** Where to write the job's id, run id and status as JSON, for scripts. */
  jobInfo?: string;
  /** The job's record when the command already looked it up (attaching without a directory): not read again. */
  record?: FoundRecord;
}

export interface RunDeps {
  aws: AwsClients;
  records: JobRecords;
  /** What the pre-flight check read lately. */
  cache: JsonCache;
  /** The record of each build directory's files and last result archive: what lets a re-run upload only what changed. */
  archives?: ArchiveRecords;
  reporter: Reporter;
  stdinIsTTY: boolean;
  signals: SignalSource;
  /** For every wait (polls, retries); the system clock by default. */
  clock?: Clock;
  /** What is known of the session credentials passed to a new job, looked up while it uploads. */
  credentials?: Promise<ForwardedCredentials>;
}

/**
 * The run's handle on its job, fresh or attached to: what Batch last said
 * (JobState), the record kept of it, and where its archive is. It is not a
 * JobRecord: a job submitted by the Nextstrain CLI, or on another machine,
 * has no local record, and a forgotten one has no JobState.
 */
interface Job {
  id: string;
  runId?: string;
  workdir: S3Location;
  state?: JobState;
  keeper: RecordKeeper;
  /** Set when AWS Batch no longer knows the job and its record stands in. */
  forgotten?: FoundRecord;
  /** How this run submitted it (not when attached to): sent again to a fallback queue. */
  submitted?: Submitted;
  /** Whether this is the job submitted to the fallback queue. */
  fellBack?: boolean;
}

export async function runOnBatch(request: RunRequest, deps: RunDeps): Promise<number> {
  if (request.jobInfo) await checkJobInfoPath(request.jobInfo);
  const job = request.attach !== undefined ? await attach(request.attach, request, deps) : await submit(request, deps);
  // From here on a job exists, and no failure may lose it: each says how to get back to it.
  try {
    return await followThrough(job, request, deps);
  } catch (error) {
    // A failure that already says how to get back to the job (a stopped download) keeps its own words.
    // A job the tool cancelled (it could never start) is not "unaffected".
    throw error instanceof ErrorWithNote || error instanceof JobCancelled ? error : new ErrorWithNote(error, jobUnaffected(job.id, request.location?.buildRoot));
  }
}

/** The stages once a job exists: tell scripts, then detach, or watch the job and download its results. */
async function followThrough(job: Job, request: RunRequest, deps: RunDeps): Promise<number> {
  if (job.forgotten) return recoverForgotten(job.forgotten.record, job.keeper, request, deps);
  if (request.attach === undefined) {
    if (request.jobInfo) await writeJobInfo(request.jobInfo, { jobId: job.id, runId: job.runId, status: "SUBMITTED", archive: s3Url(job.workdir) });
    if (request.detach) {
      printLines(deps.reporter, detachBlock(job.id, request.location?.buildRoot));
      return 0;
    }
  }
  let status = await watch(job, request, deps);
  if (fallsBack(job, request)) {
    job = await fallBack(job, request, deps);
    status = await watch(job, request, deps);
  }
  if (request.jobInfo && job.state) {
    await writeJobInfo(request.jobInfo, { jobId: job.id, runId: job.runId, status: job.state.status, exitStatus: status, archive: s3Url(job.workdir) });
  }
  return status;
}

async function submit(request: RunRequest, deps: RunDeps): Promise<Job> {
  const { reporter, aws } = deps;
  const { settings, plan, location } = request;
  if (!plan || !location) throw new UserError("A build directory is needed to submit a job.");
  const runId = randomUUID();
  reporter.stage("Nextstrain Run ID:", runId);

  reporter.stage(`Uploading ${location.buildRoot} to S3`);
  for (const line of overlayLines(plan.overlays)) reporter.line(line);
  const s3 = await aws.s3();
  const { bucket, prefix } = settings.bucket.value;
  await checksBeforeUpload(s3, request, deps);
  // Until the job exists, a failure or Control-C removes what was uploaded for it.
  const beforeJob = new BeforeJob({ s3, reporter, signals: deps.signals, jobName: runId, queue: settings.queue.value });
  const workdir = { bucket, key: `${prefix}${runId}.zip` };
  const envd = plan.envd ? { bucket, key: `${prefix}${runId}-env.d.zip` } : undefined;
  const records = { archives: deps.archives, fullUpload: settings.fullUpload.value };
  await timedStage("upload", deps, (staged) => beforeJob.run("the upload", (signal) => upload({ s3, reporter: staged, beforeJob, signal, ...records }, { location, plan, workdir, envd })));

  reporter.stage("Submitting job");
  const mayRunAgain = settings.retries.value > 0 || settings.fallbackQueue.value !== undefined;
  const environment = containerEnvironment(s3Url(workdir), plan.env, envd && s3Url(envd), mayRunAgain);
  const jobName = jobNameOf(settings, reporter);
  const submitted = await timedStage("submit", deps, () => beforeJob.run("the submission", () => submission(request, deps, beforeJob, { runId, jobName, environment, location, plan })));
  const { jobId, definition } = submitted;
  reporter.emit({ type: "job-submitted", jobId, runId, queue: settings.queue.value, definition, archive: s3Url(workdir) }, { stage: "AWS Batch Job ID:", detail: jobId });
  if (jobName) reporter.stage("AWS Batch job name:", `${jobName} (run id ${runId})`);
  const record = newJobRecord({ ...submitted, runId, location, archive: workdir, region: aws.region, queue: settings.queue.value, image: settings.image.value, at: new Date().toISOString() });
  await saveNewRecord(record, deps.records, s3, reporter);
  return { id: submitted.jobId, runId, workdir, keeper: new RecordKeeper(deps.records, submitted.jobId, record, reporter), submitted };
}

/** HeadBucket, and beside it the pre-flight check (unless --no-preflight); a bucket problem is told first (C41). */
async function checksBeforeUpload(s3: S3Client, request: RunRequest, deps: RunDeps): Promise<void> {
  const { settings } = request;
  const checks = await Promise.allSettled([
    checkBucket(s3, settings.bucket.value.bucket),
    settings.preflight.value &&
      preflight(deps.aws, deps.reporter, deps.cache, { queue: settings.queue.value, definition: settings.job.value, vcpus: settings.vcpus.value, memoryMiB: settings.memoryMiB.value }),
  ]);
  for (const check of checks) if (check.status === "rejected") throw check.reason;
}

/** A job as submitted: its id, the definition and command it runs, and the request (sent again to a fallback queue). */
interface Submitted {
  jobId: string;
  definition: string;
  command: string[];
  input: SubmitJobCommandInput;
}

interface SubmissionInput {
  runId: string;
  jobName?: string;
  environment: ReturnType<typeof containerEnvironment>;
  location: BuildRoot;
  plan: BuildPlan;
}

/** The job definition, then SubmitJob; any failure ends with the Nextstrain CLI's words (C67). */
async function submission(request: RunRequest, deps: RunDeps, beforeJob: BeforeJob, job: SubmissionInput): Promise<Submitted> {
  const { settings } = request;
  try {
    const batch = await deps.aws.batch();
    const definition = await definitionFor(batch, settings.job.value, settings.image.value);
    await warnIfCredentialsExpire(deps.credentials, { batch, definition }, deps);
    const input = submitJobInput({
      runId: job.runId,
      jobName: job.jobName,
      tags: { ...defaultTags(PACKAGE.version, job.location.buildRoot, job.runId), ...settings.tags.value },
      timeoutSeconds: settings.timeout.value,
      retries: settings.retries.value,
      queue: settings.queue.value,
      definition,
      environment: job.environment,
      vcpus: settings.vcpus.value,
      memoryMiB: settings.memoryMiB.value,
      remoteWorkdir: containerWorkingDir(job.location),
      argv: job.plan.argv,
    });
    const jobId = await beforeJob.submit(() => submitTagged(batch, input, deps));
    return { jobId, definition, command: input.containerOverrides?.command ?? [], input };
  } catch (error) {
    // A UserError keeps its class, so the command can still say which setting named a missing resource.
    if (error instanceof UserError) {
      error.message += "\n\nJob submission failed!";
      throw error;
    }
    throw new UserError(`${describeAwsError(error)}\n\nJob submission failed!`);
  }
}

/**
 * SubmitJob; when tagging is not permitted (tags at submission need
 * batch:TagResource, https://docs.aws.amazon.com/batch/latest/userguide/supported-iam-actions-resources.html),
 * once more without tags, after a warning. Refused, so no job was made.
 */
async function submitTagged(batch: BatchClient, input: SubmitJobCommandInput, deps: RunDeps): Promise<string> {
  try {
    return await submitJob(batch, input, deps.aws.region, { clock: deps.clock });
  } catch (error) {
    if (!(awsErrorName(error) === "AccessDeniedException" && /TagResource/.test(describeAwsError(error)))) throw error;
    deps.reporter.warn(`Not tagging the job: this identity may not tag AWS Batch jobs (batch:TagResource). ${describeAwsError(error)}`);
    delete input.tags;
    delete input.propagateTags;
    return submitJob(batch, input, deps.aws.region, { clock: deps.clock });
  }
}

/** `--name` as Batch takes it; said when it had to change. */
function jobNameOf(settings: Settings, reporter: Reporter): string | undefined {
  const given = settings.name.value;
  if (given === undefined) return undefined;
  const name = batchJobName(given);
  if (name === undefined) throw new UserError(`The job name "${given}" (${settings.name.origin}) has no letter or digit to name an AWS Batch job by.`, "Give --name a name with letters, digits, hyphens or underscores.");
  if (name !== given) reporter.warn(`The job name "${given}" is "${name}" in AWS Batch, whose names take letters, digits, hyphens and underscores only (at most ${JOB_NAME_MAX}).`);
  return name;
}

async function attach(jobId: string, request: RunRequest, deps: RunDeps): Promise<Job> {
  const { reporter, aws } = deps;
  reporter.stage("Attaching to Nextstrain AWS Batch Job ID:", jobId);
  // The local record is read once: it stands in for a job Batch has forgotten, and is kept up to date while following.
  const local = request.record ? (request.record.local ? request.record.record : undefined) : await deps.records.read(jobId).catch((error: Error) => error);
  const detail = await describeJob(await aws.batch(), jobId, { clock: deps.clock, onRetry: retryNotice(reporter, "AWS Batch") });
  if (!detail) {
    if (local instanceof Error) throw local;
    const found = request.record ?? (await findRecord(jobId, local, await aws.s3(), request.settings.bucket.value));
    if (found) {
      const workdir = { bucket: found.record.bucket, key: found.record.archiveKey };
      // People read what is known of it from recoverForgotten's lines.
      reporter.emit({ type: "job-attached", jobId, runId: found.record.runId, status: found.record.status, archive: s3Url(workdir) });
      return { id: jobId, runId: found.record.runId, workdir, forgotten: found, keeper: new RecordKeeper(deps.records, jobId, local, reporter) };
    }
    throw new UserError(
      `Invalid or unknown job id ${jobId} (in region ${aws.region}).`,
      "Check the id (the \"AWS Batch Job ID\" line printed at submission) and the region. AWS Batch forgets jobs a few days after they end;\n" +
        "no record of this job was found either (in this machine's job records, or in the bucket setting's records).",
    );
  }
  const state = new JobState(detail);
  const workdir = state.workdirUrl ? parseS3ObjectUrl(state.workdirUrl) : undefined;
  if (!workdir) {
    throw new UserError(
      `Job ${jobId} has no usable NEXTSTRAIN_AWS_BATCH_WORKDIR_URL in its environment${state.workdirUrl ? ` (${state.workdirUrl})` : ""}.`,
      "Only jobs submitted by nextstrain-ts or `nextstrain build --aws-batch` can be attached to.",
    );
  }
  await checkBucket(await aws.s3(), workdir.bucket);
  const runId = runIdOf(workdir, detail.jobName);
  reporter.emit({ type: "job-attached", jobId, runId, status: state.status, archive: s3Url(workdir) }, { stage: `Job is ${state.status}` });
  return { id: jobId, runId, workdir, state, keeper: new RecordKeeper(deps.records, jobId, local, reporter) };
}

async function watch(job: Job, request: RunRequest, deps: RunDeps): Promise<number> {
  const { reporter, aws } = deps;
  const batch = await aws.batch();
  let state = job.state;
  const control = new JobControl({
    reporter,
    stdinIsTTY: deps.stdinIsTTY,
    terminate: (reason) => terminateJob(batch, job.id, reason, { clock: deps.clock }).catch((error: unknown) => Promise.reject(cancelFailed(job.id, error))),
    isComplete: () => state?.isComplete ?? false,
    clock: deps.clock,
  });
  if (request.cancel) await control.interrupt("cancel");

  let uninstall = () => {};
  if (!(state?.isComplete ?? false) && !control.stopSent) {
    uninstall = installSignalHandlers(control, deps.signals, { detachOnInterrupt: request.detachOnInterrupt, onError: (error) => reporter.error(describeFailure(error, false)) });
    reporter.stage("Watching job status");
    for (const line of controlHints({ stdinIsTTY: deps.stdinIsTTY, detachOnInterrupt: request.detachOnInterrupt, signals: DETACH_SIGNALS })) reporter.line(line);
  }
  const { keeper } = job;
  const onUpdate = (latest: JobState) => {
    state = latest;
    void keeper.seen(latest);
  };
  try {
    const waiting = waitingRules(request.settings, aws, batch, job.id, deps.clock);
    const final = await timedStage("watch", deps, (staged) =>
      followJob(job.id, { batch, logs: aws.logs, reporter: staged, clock: deps.clock }, { logs: request.logs, shownStatus: state?.status, signal: control.signal, onUpdate, waiting }),
    );
    job.state = final;
    if (!fallsBack(job, request)) await removeKeptEnvd(final, deps);
    const { location } = request;
    const spec = request.download;
    if (spec !== false && location && !control.stopSent && !final.stoppedByUser && !fallsBack(job, request)) {
      // Control-C and SIGTERM stop it with the command that finishes it; Control-Z and SIGHUP still detach.
      const download = { jobId: job.id, signals: deps.signals, signal: control.signal, archives: deps.archives };
      const s3 = await aws.s3();
      await timedStage("download", deps, (staged) => downloadResults({ s3, workdir: job.workdir, buildRoot: location.buildRoot, spec, reporter: staged, ...download }));
      await keeper.seen(final, { downloaded: true });
    }
    return final.exitStatus;
  } catch (error) {
    if (error instanceof ErrorWithNote) throw error; // the download was stopped: it says how to finish it
    const stopped = control.signal.aborted ? control.signal.reason : undefined;
    if (!(stopped instanceof Stopped)) throw error;
    if (stopped.outcome.kind === "exit") return stopped.outcome.status;
    printLines(reporter, detachBlock(job.id, request.location?.buildRoot));
    return 0;
  } finally {
    uninstall();
  }
}

/** Removes the env.d archive (the job's variables, secrets included) that a job which could run again was told to keep. */
async function removeKeptEnvd(job: JobState, deps: RunDeps): Promise<void> {
  const location = parseS3ObjectUrl(keptEnvd(job.detail.container?.environment) ?? "");
  if (!location) return;
  await deleteObject(await deps.aws.s3(), location, { clock: deps.clock }).catch((error: unknown) =>
    deps.reporter.warn(`Could not remove ${s3Url(location)}, which holds the job's variables (${describeAwsError(error)}). Remove it with: aws s3 rm ${shellQuote(s3Url(location))}`),
  );
}

/** Whether the ended job goes to the fallback queue: submitted by this run, every attempt lost to the infrastructure, not yet fallen back. */
function fallsBack(job: Job, request: RunRequest): boolean {
  return request.settings.fallbackQueue.value !== undefined && job.submitted !== undefined && !job.fellBack && job.state !== undefined && lostToInfrastructure(job.state);
}

/** The same request to the fallback queue, with its own record; the new job. */
async function fallBack(job: Job, request: RunRequest, deps: RunDeps): Promise<Job> {
  const { reporter, aws } = deps;
  const queue = request.settings.fallbackQueue.value as string;
  const submitted = job.submitted as Submitted;
  const jobId = await submitToFallback(await aws.batch(), submitted.input, queue, { region: aws.region, reporter, clock: deps.clock });
  reporter.stage("AWS Batch Job ID:", jobId);
  const previous = job.keeper.record;
  const now = new Date().toISOString();
  const record = previous && { ...previous, jobId, queue, status: "SUBMITTED", statusReason: undefined, exitCode: undefined, startedAt: undefined, submittedAt: now, updatedAt: now };
  if (record) await saveNewRecord(record, deps.records, await aws.s3(), reporter);
  return { ...job, id: jobId, state: undefined, keeper: new RecordKeeper(deps.records, jobId, record, reporter), fellBack: true };
}

/** The run id of an attached job: from its archive's name, `<prefix><run-id>.zip`, since its job name may be a --name. */
function runIdOf(workdir: S3Location, jobName: string | undefined): string | undefined {
  return /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.zip$/.exec(workdir.key)?.[1] ?? jobName;
}
