/**
 * The commander program: commands, options and help. Parsing only: it turns
 * argv into a command name and a BuildRequest, and leaves the work to
 * src/commands/. Help and version are printed here and return exit status 0.
 *
 * Parsing follows the Nextstrain CLI's argparse conventions (docs/compatibility.md#command-line):
 * options only before the directory (C1), a `--` right after the directory is
 * dropped (C2), unambiguous prefixes (C3), usage errors with exit status 2 (C4).
 */
import { Command, CommanderError, type Option } from "commander";
import type { Writable } from "node:stream";
import { expandOptionPrefixes, type LongOption } from "./argv.js";
import { buildOptions, DownloadRecorder, followOptions, OTHER_RUNTIMES, type OptionContext } from "./options.js";
import type { BuildRequest, JobsRequest } from "./request.js";
import { UsageError } from "../errors.js";
import { PROGRAM } from "../program.js";

export type Invocation =
  | { kind: "done" }
  | { kind: "build"; request: BuildRequest }
  | { kind: "attach"; request: BuildRequest }
  | { kind: "jobs"; request: JobsRequest };

export interface ParseContext {
  cwd: string;
  version: string;
  stdout: Writable;
}

export const USAGE: Record<string, string> = {
  build: `usage: ${PROGRAM} build [options] <directory> [...]\n       ${PROGRAM} build --help`,
  attach: `usage: ${PROGRAM} attach [options] <job-id> [<directory>]\n       ${PROGRAM} attach --help`,
  jobs: `usage: ${PROGRAM} jobs [--all] [--json] [--prune]\n       ${PROGRAM} jobs --help`,
  "": `usage: ${PROGRAM} <command> [options]\n       ${PROGRAM} --help`,
};

export function parseCommandLine(argv: readonly string[], context: ParseContext): Invocation {
  let invocation: Invocation = { kind: "done" };
  const program = new Command(PROGRAM)
    .description("Run Nextstrain pathogen builds on AWS Batch.")
    .version(context.version, "--version", "Print the version and exit")
    .helpOption("-h, --help", "Show this help and exit")
    .enablePositionalOptions()
    .helpCommand(false)
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: () => {}, outputError: () => {} });

  const build = program
    .command("build")
    .usage("[options] <directory> [...]")
    .description("Run a pathogen build on AWS Batch: upload <directory>, run the workflow, follow it, download its results.")
    .argument("[directory]", "the build directory (within a pathogen repository, the repository is uploaded)")
    .argument("[args...]", "everything after the directory goes to the executed program (Snakemake by default)")
    .passThroughOptions()
    .helpOption("-h, --help", "Show this help and exit");
  const buildDownload = new DownloadRecorder();
  const buildContext: OptionContext = { command: "build", cwd: context.cwd };
  for (const option of [...buildOptions(buildContext), ...followOptions(buildContext, buildDownload)]) build.addOption(option);
  build.on("option:no-download", () => buildDownload.disable());
  build.action((directory: string | undefined, args: string[], options: Record<string, unknown>) => {
    invocation = { kind: "build", request: toRequest(directory, args, options, buildDownload, OTHER_RUNTIMES) };
  });

  const attach = program
    .command("attach")
    .usage("[options] <job-id> [<directory>]")
    .description("Re-attach to a job: show its status and logs, wait for it, download its results.")
    .argument("<job-id>", "the AWS Batch job id printed when the job was submitted")
    .argument("[directory]", "where to download results (the build directory)")
    .helpOption("-h, --help", "Show this help and exit");
  const attachDownload = new DownloadRecorder();
  for (const option of followOptions({ command: "attach", cwd: context.cwd }, attachDownload)) attach.addOption(option);
  attach.on("option:no-download", () => attachDownload.disable());
  attach.action((jobId: string, directory: string | undefined, options: Record<string, unknown>) => {
    invocation = { kind: "attach", request: { ...toRequest(directory, [], options, attachDownload, []), awsBatch: true, attach: jobId } };
  });

  program
    .command("jobs")
    .description("List the jobs submitted from this machine that need attention, with their live status.")
    .option("--all", "List every recorded job, also finished ones whose results were downloaded")
    .option("--json", "Print the records as JSON")
    .option("--prune", "Remove the records of finished jobs whose results were downloaded")
    .helpOption("-h, --help", "Show this help and exit")
    .action((options: { all?: boolean; json?: boolean; prune?: boolean }) => {
      invocation = { kind: "jobs", request: { all: options.all === true, json: options.json === true, prune: options.prune === true } };
    });

  const [first, ...rest] = argv;
  const command = first === undefined ? undefined : program.commands.find((candidate) => candidate.name() === first);
  const args = command ? [first as string, ...expandOptionPrefixes(rest, longOptions(command.options), command.name())] : [...argv];
  if (args.length === 0) throw new UsageError("a command is required: build, attach or jobs");

  try {
    program.parse(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return { kind: "done" };
      throw new UsageError(error.message.replace(/^error: /, ""), command?.name());
    }
    throw error;
  }
  return invocation;
}

function longOptions(options: readonly Option[]): LongOption[] {
  return options.flatMap((option) => (option.long ? [{ name: option.long, takesValue: option.required || option.optional }] : []));
}

function toRequest(
  directory: string | undefined,
  args: string[],
  options: Record<string, unknown>,
  download: DownloadRecorder,
  otherRuntimes: readonly string[],
): BuildRequest {
  const given = otherRuntimes.filter((flag) => options[camel(flag)] === true);
  if (options.awsBatch && given.length > 0) {
    throw new UsageError(`argument ${given[0]}: not allowed with argument --aws-batch`, "build");
  }
  if (given.length > 1) throw new UsageError(`argument ${given[1]}: not allowed with argument ${given[0]}`, "build");
  return {
    directory,
    execArgs: args[0] === "--" ? args.slice(1) : args,
    awsBatch: options.awsBatch === true,
    otherRuntime: given[0],
    detach: options.detach === true,
    detachOnInterrupt: options.detachOnInterrupt === true,
    attach: options.attach as string | undefined,
    cancel: options.cancel === true,
    cpus: options.cpus as number | undefined,
    memory: options.memory as number | undefined,
    download: download.value,
    excludeFromUpload: (options.excludeFromUpload as string[] | undefined) ?? [],
    logs: options.logs !== false,
    env: (options.env as string[] | undefined) ?? [],
    envdir: (options.envdir as string[] | undefined) ?? [],
    image: options.image as string | undefined,
    exec: (options.exec as string | undefined) ?? "snakemake",
    awsBatchJob: options.awsBatchJob as string | undefined,
    awsBatchQueue: options.awsBatchQueue as string | undefined,
    awsBatchS3Bucket: options.awsBatchS3Bucket as string | undefined,
    awsBatchCpus: options.awsBatchCpus as number | undefined,
    awsBatchMemory: options.awsBatchMemory as number | undefined,
    dryRun: options.dryRun === true,
    jobInfo: options.jobInfo as string | undefined,
    verbose: options.verbose === true,
  };
}

function camel(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
