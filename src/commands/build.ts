/**
 * `build` and `attach`: check the request in the Nextstrain CLI's order
 * (compat-spec §3.1, C44), resolve the settings, and hand over to the runner.
 * Thin by design: the rules live in src/config and src/runner.
 */
import { isAbsolute, resolve } from "node:path";
import { isDirectory } from "../cli/options.js";
import type { BuildRequest } from "../cli/request.js";
import { PROGRAM } from "../program.js";
import { loadSettings } from "../config/load.js";
import type { Settings } from "../config/resolve.js";
import { UsageError, UserError } from "../errors.js";
import { containerWorkingDir, findBuildRoot, type BuildRoot } from "../archive/build-root.js";
import { createAwsClients, endpointsOf } from "../aws/clients.js";
import { planBuild } from "../runner/plan.js";
import { runOnBatch } from "../runner/run.js";
import { JobRecords, recordsDirectory } from "../state/records.js";
import { describeSettings } from "../ui/settings-table.js";
import type { CommandContext } from "./context.js";

export async function buildCommand(request: BuildRequest, context: CommandContext, command: "build" | "attach" = "build"): Promise<number> {
  const { io, reporter } = context;
  const { settings, warnings, paths } = await loadSettings(request, io.env, io.homedir);
  for (const warning of warnings) reporter.warn(warning);

  checkRuntime(request, settings, paths.configFile);
  const records = new JobRecords(recordsDirectory(paths.home));
  // Attaching without a directory: the job's record says where its results go.
  const recorded = request.attach !== undefined && request.directory === undefined ? await records.read(request.attach) : undefined;
  const location = await checkDirectory({ ...request, directory: request.directory ?? recorded?.workingDir }, io.cwd, command);

  const planned = request.attach === undefined ? planBuild(request, settings, io.env) : undefined;
  for (const warning of planned?.warnings ?? []) reporter.warn(warning);

  if (request.dryRun) {
    reporter.stage("Settings", "(and where each comes from):");
    for (const line of describeSettings(settings)) reporter.line(line);
    if (location) {
      reporter.stage("Build directory:", location.workingDir);
      reporter.stage("Uploaded directory (build root):", location.buildRoot);
      reporter.stage("Working directory in the job:", containerWorkingDir(location));
    }
    if (planned) reporter.stage("Command in the job:", planned.plan.argv.join(" "));
    reporter.line("Dry run: nothing was uploaded or submitted.");
    return 0;
  }
  return runOnBatch(
    {
      settings,
      location,
      plan: planned?.plan,
      attach: request.attach,
      detach: request.detach,
      detachOnInterrupt: request.detachOnInterrupt,
      cancel: request.cancel,
      logs: request.logs,
      download: request.download,
      jobInfo: request.jobInfo === undefined ? undefined : resolve(io.cwd, request.jobInfo),
    },
    {
      records,
      aws: createAwsClients({ region: settings.region.value, endpoints: endpointsOf(settings) }),
      reporter,
      stdinIsTTY: io.stdinIsTTY,
      signals: context.signals,
    },
  );
}

/** AWS Batch is the only runtime here (C5); job-control flags need it (C30). */
function checkRuntime(request: BuildRequest, settings: Settings, configFile: string): void {
  if (request.otherRuntime) {
    throw new UsageError(
      `${request.otherRuntime} is not offered by ${PROGRAM}, which runs builds on AWS Batch only: use --aws-batch, or the Nextstrain CLI for other runtimes`,
      "build",
    );
  }
  if (settings.runtime.value === "aws-batch") return;
  if (request.attach !== undefined || request.detach || request.detachOnInterrupt || request.cancel) {
    throw new UserError(
      "The --attach, --detach, --detach-on-interrupt, and --cancel options\nare only supported when using the AWS Batch runtime.",
      "Did you forget to specify --aws-batch?",
    );
  }
  throw new UserError(
    `${PROGRAM} runs builds on AWS Batch only, but the runtime here is ${settings.runtime.value} (${settings.runtime.origin}).`,
    `Add --aws-batch, or make AWS Batch the default by putting these lines in ${configFile}:\n\n    [core]\n    runner = aws-batch`,
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
