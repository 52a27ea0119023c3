/**
 * The commander program: commands, options and help. Parsing only: it turns
 * argv into a command name and a BuildRequest, and leaves the work to
 * src/commands/. Help and version are printed here and return exit status 0.
 *
 * Parsing follows the Nextstrain CLI's argparse conventions (docs/compatibility.md#command-line):
 * options only before the directory (C1), a `--` right after the directory is
 * dropped (C2), unambiguous prefixes (C3), usage errors with exit status 2 (C4).
 */
import { Command, CommanderError, Option } from "commander";
import type { Writable } from "node:stream";
import type { SettingFlags } from "../config/resolve.js";
import type { SettingsTable } from "../config/setting-row.js";
import { SETTINGS } from "../config/settings.js";
import { UsageError } from "../errors.js";
import { PROGRAM } from "../program.js";
import { expandOptionPrefixes, type LongOption } from "./argv.js";
import { buildOptions, DownloadRecorder, flaglessSettingsHelp, followOptions, inHelpOrder, OTHER_RUNTIMES, settingOptions, type OptionContext } from "./options.js";
import { OVERLAY_NAMES, type BuildRequest, type CheckSetupRequest, type JobsRequest, type LogsRequest, type SetupRequest, type TeardownRequest } from "./request.js";
import { logsOptions, outputOptions, parseAttempt, parseDuration } from "./output-options.js";

export type Invocation =
  | { kind: "done" }
  | { kind: "build"; request: BuildRequest }
  | { kind: "attach"; request: BuildRequest }
  | { kind: "jobs"; request: JobsRequest }
  | { kind: "logs"; request: LogsRequest }
  | { kind: "setup"; request: SetupRequest }
  | { kind: "check-setup"; request: CheckSetupRequest }
  | { kind: "teardown"; request: TeardownRequest };

export interface ParseContext {
  cwd: string;
  version: string;
  stdout: Writable;
  /** The settings whose flags the commands take: the tool's own, unless a test adds rows. */
  table?: SettingsTable;
}

export const USAGE: Record<string, string> = {
  build: `usage: ${PROGRAM} build [options] <directory> [...]\n       ${PROGRAM} build --help`,
  attach: `usage: ${PROGRAM} attach [options] <job-id> [<directory>]\n       ${PROGRAM} attach --help`,
  jobs: `usage: ${PROGRAM} jobs [--all] [--json] [--prune]\n       ${PROGRAM} jobs --help`,
  logs: `usage: ${PROGRAM} logs [--follow] [--since <duration>] [--attempt <n>] <job-id>\n       ${PROGRAM} logs --help`,
  setup: `usage: ${PROGRAM} setup --aws-batch [options]\n       ${PROGRAM} setup --help`,
  "check-setup": `usage: ${PROGRAM} check-setup --aws-batch [--json [--quiet]]\n       ${PROGRAM} check-setup --help`,
  teardown: `usage: ${PROGRAM} teardown --aws-batch [--dry-run] [--yes] [--delete-bucket-contents]\n       ${PROGRAM} teardown --help`,
  "": `usage: ${PROGRAM} <command> [options]\n       ${PROGRAM} --help`,
};

type Found = (invocation: Invocation) => void;

export function parseCommandLine(argv: readonly string[], context: ParseContext): Invocation {
  let invocation: Invocation = { kind: "done" };
  const found: Found = (parsed) => (invocation = parsed);
  const program = new Command(PROGRAM)
    .description("Run Nextstrain pathogen builds on AWS Batch.")
    .version(context.version, "--version", "Print the version and exit")
    .helpOption("-h, --help", "Show this help and exit")
    .enablePositionalOptions()
    .helpCommand(false)
    .exitOverride()
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: () => {}, outputError: () => {} });
  addBuild(program, context, found);
  addAttach(program, context, found);
  addJobs(program, context, found);
  addLogs(program, context, found);
  addSetupCommands(program, context, found);

  const [first, ...rest] = argv;
  const command = first === undefined ? undefined : program.commands.find((candidate) => candidate.name() === first);
  const args = command ? [first as string, ...expandOptionPrefixes(rest, longOptions(command.options), command.name())] : [...argv];
  if (args.length === 0) throw new UsageError("a command is required: build, attach, jobs, logs, setup, check-setup or teardown");

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

function addBuild(program: Command, context: ParseContext, found: Found): void {
  const build = subcommand(program, "build", "Run a pathogen build on AWS Batch: upload <directory>, run the workflow, follow it, download its results.", {
    usage: "[options] <directory> [...]",
    args: {
      "[directory]": "the build directory (within a pathogen repository, the repository is uploaded)",
      "[args...]": "everything after the directory goes to the executed program (Snakemake by default)",
    },
  }).passThroughOptions();
  const optionContext: OptionContext = { command: "build", cwd: context.cwd };
  const download = new DownloadRecorder();
  const settings = addOptions(build, optionContext, context.table, [...buildOptions(optionContext), ...followOptions(download), ...outputOptions()]);
  build.on("option:no-download", () => download.disable());
  build.action((directory: string | undefined, args: string[], options: Record<string, unknown>) => {
    found({ kind: "build", request: toRequest({ directory, args, options, download, settingFlags: givenSettings(build, settings), otherRuntimes: OTHER_RUNTIMES }) });
  });
}

function addAttach(program: Command, context: ParseContext, found: Found): void {
  const attach = subcommand(program, "attach", "Re-attach to a job: show its status and logs, wait for it, download its results.", {
    usage: "[options] <job-id> [<directory>]",
    args: { "<job-id>": "the AWS Batch job id printed when the job was submitted", "[directory]": "where to download results (the build directory)" },
  });
  const download = new DownloadRecorder();
  const settings = addOptions(attach, { command: "attach", cwd: context.cwd }, context.table, [...followOptions(download), ...outputOptions()]);
  attach.on("option:no-download", () => download.disable());
  attach.action((jobId: string, directory: string | undefined, options: Record<string, unknown>) => {
    // Attaching is what --aws-batch --attach does in a build.
    const settingFlags = { ...givenSettings(attach, settings), runtime: true as const };
    found({ kind: "attach", request: { ...toRequest({ directory, args: [], options, download, settingFlags, otherRuntimes: [] }), attach: jobId } });
  });
}

function addJobs(program: Command, context: ParseContext, found: Found): void {
  const jobs = subcommand(program, "jobs", "List the jobs submitted from this machine that need attention, with their live status.");
  addOptions(jobs, { command: "jobs", cwd: context.cwd }, context.table, [
    new Option("--all", "List every recorded job, also finished ones whose results were downloaded"),
    new Option("--prune", "Remove the records of finished jobs whose results were downloaded"),
    ...outputOptions(),
  ]);
  jobs.action((options: { all?: boolean; json?: boolean; quiet?: boolean; prune?: boolean }) => {
    found({ kind: "jobs", request: { all: options.all === true, json: options.json === true, quiet: options.quiet === true, prune: options.prune === true } });
  });
}

function addLogs(program: Command, context: ParseContext, found: Found): void {
  const logs = subcommand(program, "logs", "Print a job's log: from CloudWatch Logs, or from the Snakemake log files in its results archive once CloudWatch no longer has it.", {
    usage: "[options] <job-id>",
    args: { "<job-id>": "the AWS Batch job id printed when the job was submitted" },
  });
  const settings = addOptions(logs, { command: "logs", cwd: context.cwd }, context.table, [...logsOptions(), ...outputOptions()]);
  logs.action((jobId: string, options: { follow?: boolean; since?: string; attempt?: string; json?: boolean; quiet?: boolean }) => {
    const request: LogsRequest = {
      jobId,
      follow: options.follow === true,
      sinceMs: options.since === undefined ? undefined : parseDuration(options.since),
      attempt: options.attempt === undefined ? undefined : parseAttempt(options.attempt),
      settingFlags: givenSettings(logs, settings),
      json: options.json === true,
      quiet: options.quiet === true,
    };
    found({ kind: "logs", request });
  });
}

/** The AWS Batch runtime, named as the Nextstrain CLI names it (`setup aws-batch`) or with the build's flag (`setup --aws-batch`). */
function runtimeArgument(command: Command, name: string): (given: string | undefined) => void {
  command.argument("[runtime]", "aws-batch, the only runtime offered (or give --aws-batch)");
  command.addOption(new Option("--aws-batch", "The AWS Batch runtime (the only one offered)"));
  return (given) => {
    if (given !== undefined && given !== "aws-batch") throw new UsageError(`argument runtime: invalid choice: '${given}' (choose from 'aws-batch')`, name);
  };
}

function addSetupCommands(program: Command, context: ParseContext, found: Found): void {
  const setup = subcommand(program, "setup", "Create the AWS resources builds need (bucket, IAM roles and policies, compute environment, job queue, job definition, log group); leave alone what exists.");
  const checkSetupRuntime = runtimeArgument(setup, "setup");
  const setupSettings = addOptions(setup, { command: "setup", cwd: context.cwd }, context.table, [
    new Option("--dry-run", "Print the plan, one line per resource (create, exists, differs), and change nothing"),
    new Option("--update", "Bring resources that differ in line, where AWS allows it"),
    new Option("--set-default", "Also write [core] runner = aws-batch and the names used to the config file"),
  ]);
  setup.action((runtime: string | undefined, options: Record<string, unknown>) => {
    checkSetupRuntime(runtime);
    found({ kind: "setup", request: { settingFlags: givenSettings(setup, setupSettings), dryRun: options.dryRun === true, update: options.update === true, setDefault: options.setDefault === true } });
  });

  const check = subcommand(program, "check-setup", "Check the AWS set-up a build needs: one pass, warn or fail line per check, with the fix for each failure.");
  const checkRuntime = runtimeArgument(check, "check-setup");
  const checkSettings = addOptions(check, { command: "check-setup", cwd: context.cwd }, context.table, outputOptions());
  check.action((runtime: string | undefined, options: Record<string, unknown>) => {
    checkRuntime(runtime);
    found({ kind: "check-setup", request: { settingFlags: givenSettings(check, checkSettings), json: options.json === true, quiet: options.quiet === true } });
  });

  const teardown = subcommand(program, "teardown", "Remove what setup created (found by its tags), after listing it and asking.");
  const teardownRuntime = runtimeArgument(teardown, "teardown");
  const teardownSettings = addOptions(teardown, { command: "teardown", cwd: context.cwd }, context.table, [
    new Option("--dry-run", "List what would be removed, and remove nothing"),
    new Option("--yes", "Do not ask for confirmation (for scripts)"),
    new Option("--delete-bucket-contents", "Also delete the bucket's objects, so that the bucket can be removed"),
  ]);
  teardown.action((runtime: string | undefined, options: Record<string, unknown>) => {
    teardownRuntime(runtime);
    const request = { settingFlags: givenSettings(teardown, teardownSettings), dryRun: options.dryRun === true, yes: options.yes === true, deleteBucketContents: options.deleteBucketContents === true };
    found({ kind: "teardown", request });
  });
}

function subcommand(program: Command, name: string, description: string, more: { usage?: string; args?: Record<string, string> } = {}): Command {
  const command = program.command(name).description(description);
  if (more.usage !== undefined) command.usage(more.usage);
  for (const [term, text] of Object.entries(more.args ?? {})) command.argument(term, text);
  return command.helpOption("-h, --help", "Show this help and exit");
}

/**
 * Adds a command's options (those of its settings, then `others`) in `--help`
 * order, and the settings it reads from the environment alone to its help;
 * returns the options of settings, by setting.
 */
function addOptions(command: Command, context: OptionContext, table: SettingsTable = SETTINGS, others: readonly Option[]): Map<string, Option> {
  const settings = settingOptions(context, table);
  for (const option of inHelpOrder([...settings.values(), ...others])) command.addOption(option);
  const flagless = flaglessSettingsHelp(context.command, table);
  if (flagless !== "") command.addHelpText("after", flagless);
  return settings;
}

/** The settings' flags given on the command line: the argument's text, or true for a switch. */
function givenSettings(command: Command, options: ReadonlyMap<string, Option>): SettingFlags {
  const given: Record<string, string | true> = {};
  for (const [key, option] of options) {
    const name = option.attributeName();
    if (command.getOptionValueSource(name) === "cli") given[key] = option.required || option.optional ? (command.getOptionValue(name) as string) : true;
  }
  return given;
}

function longOptions(options: readonly Option[]): LongOption[] {
  return options.flatMap((option) => (option.long ? [{ name: option.long, takesValue: option.required || option.optional }] : []));
}

interface Parsed {
  directory: string | undefined;
  args: string[];
  options: Record<string, unknown>;
  download: DownloadRecorder;
  settingFlags: SettingFlags;
  otherRuntimes: readonly string[];
}

function toRequest({ directory, args, options, download, settingFlags, otherRuntimes }: Parsed): BuildRequest {
  const given = otherRuntimes.filter((flag) => options[camel(flag)] === true);
  if (settingFlags.runtime !== undefined && given.length > 0) {
    throw new UsageError(`argument ${given[0]}: not allowed with argument ${SETTINGS.runtime.flag.name}`, "build");
  }
  if (given.length > 1) throw new UsageError(`argument ${given[1]}: not allowed with argument ${given[0]}`, "build");
  return {
    directory,
    execArgs: args[0] === "--" ? args.slice(1) : args,
    settingFlags,
    otherRuntime: given[0],
    detach: options.detach === true,
    detachOnInterrupt: options.detachOnInterrupt === true,
    attach: options.attach as string | undefined,
    cancel: options.cancel === true,
    download: download.value,
    excludeFromUpload: (options.excludeFromUpload as string[] | undefined) ?? [],
    overlays: OVERLAY_NAMES.flatMap((name) => (typeof options[name] === "string" ? [{ name, path: options[name] as string }] : [])),
    logs: options.logs !== false,
    env: (options.env as string[] | undefined) ?? [],
    envdir: (options.envdir as string[] | undefined) ?? [],
    exec: options.exec as string,
    dryRun: options.dryRun === true,
    jobInfo: options.jobInfo as string | undefined,
    verbose: options.verbose === true,
    json: options.json === true,
    quiet: options.quiet === true,
  };
}

function camel(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
