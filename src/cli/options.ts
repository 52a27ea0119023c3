/**
 * The options of the `build` and `attach` commands: one table, from which the
 * commander options, their help text (with the environment variable and config
 * key that give each a default) and their value parsers are made.
 *
 * Value errors are usage errors worded like argparse's, so scripts that match
 * the Nextstrain CLI's messages keep working (C4, C8, C21).
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Option } from "commander";
import { UsageError } from "../errors.js";
import { memoryProblem, vcpuProblem } from "../config/batch-limits.js";
import { BYTES_PER_MIB, parseByteQuantity, parsePythonInt } from "../config/quantities.js";
import { DEFAULTS } from "../config/resolve.js";

export interface OptionContext {
  command: string;
  cwd: string;
}

/** The Nextstrain CLI's runtimes that this tool does not offer: accepted, then refused clearly. */
export const OTHER_RUNTIMES = ["--docker", "--conda", "--singularity", "--ambient", "--native"] as const;

const GROUP_RUNTIME = "Runtime:";
const GROUP_JOB = "Job control:";
const GROUP_RESOURCES = "Resources and program:";
const GROUP_FILES = "Files:";
const GROUP_BATCH = "AWS Batch settings:";

/** A count option; `limit` says why AWS Batch would refuse a value. */
function intOption(flags: string, help: string, context: OptionContext, limit: (value: bigint) => string | undefined): Option {
  const option = new Option(flags, help);
  const name = option.long as string;
  return option.argParser((value: string) => {
    const parsed = parsePythonInt(value);
    if (parsed === undefined) throw new UsageError(`argument ${name}: invalid int value: '${value}' (a whole number is needed, e.g. 8)`, context.command);
    if (parsed < 0n) throw new UsageError(`argument ${name}: invalid value: '${value}' (it must be zero or more)`, context.command);
    const problem = limit(parsed);
    if (problem !== undefined) throw new UsageError(`argument ${name}: invalid value: '${value}' (${problem})`, context.command);
    return Number(parsed);
  });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function defaults(env: string, config: string, fallback?: string): string {
  return ` [env ${env}; config ${config}${fallback ? `; default ${fallback}` : ""}]`;
}

/** Options shared by `build` and `attach`: what to do with a job once it runs. */
export function followOptions(context: OptionContext, download: DownloadRecorder): Option[] {
  return [
    new Option("--detach-on-interrupt", "Detach from the job on Control-C (SIGINT) instead of cancelling it").helpGroup(GROUP_JOB),
    new Option("--cancel", "Cancel the job right away (with --attach, the attached job)").helpGroup(GROUP_JOB),
    new Option("--no-logs", "Do not show the job's logs").helpGroup(GROUP_JOB),
    new Option("--verbose", "Print each file as it is zipped and unzipped, also on a terminal (where a progress line shows instead)").helpGroup(GROUP_FILES),
    new Option(
      "--download <pattern>",
      "Only download new or modified files matching <pattern> from the job's results (repeatable; globs with **, {a,b} and extglobs; !<pattern> excludes)",
    )
      .argParser((value: string) => download.add(value))
      .helpGroup(GROUP_FILES),
    new Option("--exclude-from-download <pattern>", "Do not download files matching <pattern> (repeatable)")
      .argParser((value: string) => download.add(`!${value}`))
      .helpGroup(GROUP_FILES),
    new Option("--no-download", "Do not download any files from the job's results").helpGroup(GROUP_FILES),
  ].map((option) => option);
}

/** Options of `build` only. */
export function buildOptions(context: OptionContext): Option[] {
  return [
    new Option("--aws-batch", "Run the build on AWS Batch (the default when the config file says [core] runner = aws-batch)").helpGroup(GROUP_RUNTIME),
    ...OTHER_RUNTIMES.map((flag) => new Option(flag).hideHelp()),
    new Option("--detach", "Submit the job, print how to re-attach, and exit").helpGroup(GROUP_JOB),
    new Option("--attach <job-id>", "Re-attach to an existing job instead of submitting one").helpGroup(GROUP_JOB),
    intOption("--cpus <count>", "Number of vCPUs for the job, also given to Snakemake as --cores", context, vcpuProblem).helpGroup(GROUP_RESOURCES),
    new Option("--memory <quantity>", "Memory for the job, e.g. 14GiB or 1.5GB (units b, kb, mb, gb, kib, mib, gib), also given to Snakemake as mem_mb")
      .argParser((value: string) => {
        const parsed = parseByteQuantity(value);
        if (!parsed.ok) throw new UsageError(`argument --memory: invalid byte_quantity value: '${value}' (${parsed.reason})`, context.command);
        const problem = memoryProblem(parsed.bytes / BYTES_PER_MIB);
        if (problem !== undefined) throw new UsageError(`argument --memory: invalid value: '${value}' (${problem})`, context.command);
        // Exact: within AWS Batch's bounds, a number of bytes is well below 2^53.
        return Number(parsed.bytes);
      })
      .helpGroup(GROUP_RESOURCES),
    new Option("--exec <prog>", "Program to run in the job instead of snakemake").default("snakemake").helpGroup(GROUP_RESOURCES),
    new Option("--env <name[=value]>", "Set an environment variable for the job; without =value, pass this one's value (repeatable)")
      .argParser(collect)
      .helpGroup(GROUP_RESOURCES),
    new Option("--envdir <path>", "Set environment variables for the job from the files of a directory, one per variable (repeatable)")
      .argParser((value: string, previous: string[] | undefined) => {
        if (!isDirectory(value, context.cwd)) throw new UsageError(`argument --envdir: not a directory: ${value}`, context.command);
        return collect(value, previous);
      })
      .helpGroup(GROUP_RESOURCES),
    new Option("--image <image>", `Container image to run the job in${defaults("NEXTSTRAIN_DOCKER_IMAGE", "[docker] image", DEFAULTS.image)}`).helpGroup(GROUP_RESOURCES),
    new Option("--exclude-from-upload <pattern>", "Do not upload files matching <pattern> (repeatable; same globs as --download)")
      .argParser(collect)
      .helpGroup(GROUP_FILES),
    new Option("--aws-batch-job <name>", `Job definition to use${defaults("NEXTSTRAIN_AWS_BATCH_JOB", "[aws-batch] job", DEFAULTS.job)}`).helpGroup(GROUP_BATCH),
    new Option("--aws-batch-queue <name>", `Job queue to use${defaults("NEXTSTRAIN_AWS_BATCH_QUEUE", "[aws-batch] queue", DEFAULTS.queue)}`).helpGroup(GROUP_BATCH),
    new Option(
      "--aws-batch-s3-bucket <[s3://]name[/prefix]>",
      `S3 bucket (with an optional key prefix) for the build's files${defaults("NEXTSTRAIN_AWS_BATCH_S3_BUCKET", "[aws-batch] s3-bucket", DEFAULTS.bucket)}`,
    ).helpGroup(GROUP_BATCH),
    intOption(
      "--aws-batch-cpus <count>",
      `vCPUs to request, overriding --cpus for AWS only${defaults("NEXTSTRAIN_AWS_BATCH_CPUS", "[aws-batch] cpus")}`,
      context,
      vcpuProblem,
    ).helpGroup(GROUP_BATCH),
    intOption(
      "--aws-batch-memory <mebibytes>",
      `Memory in MiB to request, overriding --memory for AWS only${defaults("NEXTSTRAIN_AWS_BATCH_MEMORY", "[aws-batch] memory")}`,
      context,
      memoryProblem,
    ).helpGroup(GROUP_BATCH),
    new Option("--dry-run", "Show the settings the build would use, and where each comes from, without touching AWS").helpGroup(GROUP_RUNTIME),
    new Option("--job-info <file>", "Write the job's id, run id and status as JSON to <file> when it is submitted and when the run ends (for scripts)").helpGroup(GROUP_JOB),
  ];
}

/** Whether `path` (relative to `cwd`) is an existing directory, symlinks followed. */
export function isDirectory(path: string, cwd: string): boolean {
  try {
    return statSync(resolve(cwd, path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * --download, --exclude-from-download and --no-download share one ordered list
 * (C24, C25): the first pattern replaces "everything", later
 * ones append, --no-download turns downloading off. Deliberate deviation: a
 * pattern after --no-download turns it back on with that pattern (the
 * Nextstrain CLI crashes).
 */
export class DownloadRecorder {
  private spec: true | false | string[] = true;

  add(pattern: string): string[] {
    this.spec = Array.isArray(this.spec) ? [...this.spec, pattern] : [pattern];
    return this.spec;
  }

  disable(): void {
    this.spec = false;
  }

  get value(): true | false | string[] {
    return this.spec;
  }
}
