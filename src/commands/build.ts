/**
 * `build` and `attach`: check the request in the Nextstrain CLI's order
 * (C44), resolve the settings, and hand over to the runner.
 * Thin by design: the rules live in src/config and src/runner.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { isDirectory } from "../cli/options.js";
import type { BuildRequest } from "../cli/request.js";
import { PROGRAM } from "../program.js";
import { nameSettings } from "../config/explain.js";
import { loadSettings } from "../config/load.js";
import { endpointsOf, type Settings } from "../config/resolve.js";
import { SETTINGS } from "../config/settings.js";
import { UsageError, UserError } from "../errors.js";
import { containerWorkingDir, findBuildRoot, type BuildRoot } from "../archive/build-root.js";
import { createAwsClients, type AwsClients } from "../aws/clients.js";
import { describeAwsError } from "../aws/errors.js";
import { credentialsFilePath } from "../config/credentials-file.js";
import { forwardedCredentials, type ExpiryLookup } from "../runner/credentials.js";
import { planBuild, type Planned } from "../runner/plan.js";
import { findRecord, type FoundRecord } from "../runner/job-record.js";
import { checkOverlaySupport, resolveOverlays } from "../runner/overlays.js";
import { runOnBatch } from "../runner/run.js";
import { ArchiveRecords, archivesDirectory } from "../state/archive-records.js";
import { JobRecords, recordsDirectory } from "../state/records.js";
import { cacheDirectory, JsonCache } from "../state/cache.js";
import type { Reporter } from "../ui/reporter.js";
import { describeSettings } from "../ui/settings-table.js";
import { shellQuote } from "../ui/shell-quote.js";
import type { CommandContext } from "./context.js";

export async function buildCommand(request: BuildRequest, context: CommandContext, command: "build" | "attach" = "build"): Promise<number> {
  const { io, reporter } = context;
  const { settings, warnings, paths } = await loadSettings(request.settingFlags, io.env, io.homedir);
  for (const warning of warnings) reporter.warn(warning);

  checkOverlaySupport(request.overlays, settings.image.value);
  checkRuntimeFlags(request, settings);
  const records = new JobRecords(recordsDirectory(paths.home));
  const aws = createAwsClients({ region: settings.region.value, endpoints: endpointsOf(settings) });
  // Attaching without a directory: the job's record says where its results go.
  const recorded = request.attach !== undefined && request.directory === undefined ? await recordedDirectory(request.attach, request, { records, aws, settings }, command) : undefined;
  const location = await checkDirectory({ ...request, directory: request.directory ?? recorded?.record.workingDir }, io.cwd, command);
  // The runner message comes only once a directory is given, as the Nextstrain CLI would only then start its runtime.
  checkRunner(settings, paths.configFile);

  const planned = request.attach === undefined ? planBuild({ ...request, cpus: settings.cpus.value, memory: settings.memory.value }, settings, io.env) : undefined;
  for (const warning of planned?.warnings ?? []) reporter.warn(warning);
  const overlays = resolveOverlays(request.overlays, io.cwd, (path) => isDirectory(path, io.cwd));

  if (request.dryRun) {
    showDryRun(reporter, settings, location, planned && { ...planned, plan: { ...planned.plan, overlays } });
    return 0;
  }
  const run = {
    settings,
    location,
    plan: planned && { ...planned.plan, overlays },
    attach: request.attach,
    detach: request.detach,
    detachOnInterrupt: request.detachOnInterrupt,
    cancel: request.cancel,
    logs: request.logs,
    download: request.download,
    jobInfo: request.jobInfo === undefined ? undefined : resolve(io.cwd, request.jobInfo),
    record: recorded,
  };
  try {
    // Looked up while the build directory uploads: when the session credentials passed to the job expire.
    const credentials = planned && forwardedCredentials(planned.plan.env, credentialLookup(aws, io));
    const cache = new JsonCache(cacheDirectory(paths.home));
    const archives = new ArchiveRecords(archivesDirectory(paths.home));
    return await runOnBatch(run, { records, cache, archives, aws, reporter, stdinIsTTY: io.stdinIsTTY, signals: context.signals, credentials });
  } catch (error) {
    // A missing queue, bucket or job definition: say which setting named it, and where that came from.
    throw nameSettings(error, settings, SETTINGS);
  }
}

/** Where the expiry of the credentials passed to the job can be read: the SDK's credential provider, the AWS credentials file. */
function credentialLookup(aws: AwsClients, io: CommandContext["io"]): ExpiryLookup {
  return {
    resolve: async () => (await aws.s3()).config.credentials(),
    readCredentialsFile: async () => {
      const path = credentialsFilePath(io.env, io.homedir);
      return { path, text: await readFile(path, "utf8") };
    },
  };
}

function showDryRun(reporter: Reporter, settings: Settings, location: BuildRoot | undefined, planned: Planned | undefined): void {
  reporter.stage("Settings", "(and where each comes from):");
  for (const line of describeSettings(settings, SETTINGS, "build")) reporter.line(line);
  if (location) {
    reporter.stage("Build directory:", location.workingDir);
    reporter.stage("Uploaded directory (build root):", location.buildRoot);
    reporter.stage("Working directory in the job:", containerWorkingDir(location));
  }
  if (planned) reporter.stage("Command in the job:", planned.plan.argv.join(" "));
  for (const overlay of planned?.plan.overlays ?? []) reporter.stage(`Overlay ${overlay.name}:`, `${overlay.src} (replaces the image's /nextstrain/${overlay.name})`);
  reporter.line("Dry run: nothing was uploaded or submitted.");
}

/** Runtime flags checked before the directory (C44): other runtimes are not offered (C5); job-control flags need AWS Batch (C30). */
function checkRuntimeFlags(request: BuildRequest, settings: Settings): void {
  if (request.otherRuntime) {
    throw new UsageError(
      `${request.otherRuntime} is not offered by ${PROGRAM}, which runs builds on AWS Batch only: use ${SETTINGS.runtime.flag.name}, or the Nextstrain CLI for other runtimes`,
      "build",
    );
  }
  if (settings.runtime.value === "aws-batch") return;
  if (request.attach !== undefined || request.detach || request.detachOnInterrupt || request.cancel) {
    throw new UserError(
      "The --attach, --detach, --detach-on-interrupt, and --cancel options\nare only supported when using the AWS Batch runtime.",
      `Did you forget to specify ${SETTINGS.runtime.flag.name}?`,
    );
  }
}

/** AWS Batch is the only runtime here (C5): say how to choose it when the settings chose another. */
function checkRunner(settings: Settings, configFile: string): void {
  if (settings.runtime.value === "aws-batch") return;
  const { flag, config } = SETTINGS.runtime;
  throw new UserError(
    `${PROGRAM} runs builds on AWS Batch only, but the runtime here is ${settings.runtime.value} (${settings.runtime.origin}).`,
    `Add ${flag.name}, or make AWS Batch the default by putting these lines in ${configFile}:\n\n    [${config.section}]\n    ${config.key} = ${flag.sets}`,
  );
}

/**
 * The record of a job attached to without a directory, which says where its
 * results go (the runner does not read it again): this machine's record, or
 * else the bucket's (which lists them, so only when there is something to download,
 * C33). `attach` says when neither has a record; `build --attach` leaves that
 * to the directory check, with the Nextstrain CLI's message.
 */
async function recordedDirectory(
  jobId: string,
  request: BuildRequest,
  { records, aws, settings }: { records: JobRecords; aws: AwsClients; settings: Settings },
  command: "build" | "attach",
): Promise<FoundRecord | undefined> {
  const local = await records.read(jobId);
  if (local) return { record: local, local: true };
  if (request.download === false || request.cancel) return undefined;
  const bucket = settings.bucket.value;
  let unsearched = "";
  try {
    const found = await findRecord(jobId, undefined, await aws.s3(), bucket);
    if (found) return found;
  } catch (error) {
    unsearched = ` (which could not be searched: ${error instanceof UserError ? error.message : describeAwsError(error)})`;
  }
  if (command !== "attach") return undefined;
  throw new UserError(
    `No record of job ${jobId} here (in ${records.directory}) or in the bucket (s3://${bucket.bucket}/${bucket.prefix})${unsearched}: give the directory to download its results to.`,
    `${PROGRAM} attach ${shellQuote(jobId)} <directory>\n(or add --no-download to follow the job without downloading its results)`,
  );
}

/** The directory rules of C33 and C34; undefined when attaching without one. */
async function checkDirectory(request: BuildRequest, cwd: string, command: string): Promise<BuildRoot | undefined> {
  const { directory } = request;
  if (directory === undefined) {
    if (request.attach !== undefined && (request.download === false || request.cancel)) return undefined;
    throw new UsageError("Path to a pathogen build <directory> is required.", command);
  }
  if (!isDirectory(directory, cwd)) {
    throw new UserError(
      `Build path '${directory}' does not exist or is not a directory.`,
      isAbsolute(directory) ? undefined : "Perhaps your current working directory is different than you expect?",
    );
  }
  return findBuildRoot(resolve(cwd, directory));
}
