/**
 * The options of the commands: those of settings, made from the rows of the
 * settings table (src/config/settings.ts) with their help (the variables and
 * config key that also give each) and value checks; and the others (job
 * control, files, the program), listed here. Each command's options are
 * grouped in its `--help` as GROUPS says.
 *
 * Value errors are usage errors worded like argparse's, so scripts that match
 * the Nextstrain CLI's messages keep working (C4, C8, C21).
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Option } from "commander";
import { UsageError } from "../errors.js";
import { DEFAULT_EXEC, OVERLAY_NAMES, type DownloadChoice } from "./request.js";
import { helpSources } from "../config/explain.js";
import type { CommandName, HelpGroup, SettingRow, SettingsTable } from "../config/setting-row.js";
import { SETTINGS } from "../config/settings.js";

export interface OptionContext {
  command: CommandName;
  cwd: string;
}

/** The Nextstrain CLI's runtimes that this tool does not offer: accepted, then refused clearly. */
export const OTHER_RUNTIMES = ["--docker", "--conda", "--singularity", "--ambient", "--native"] as const;

const HEADINGS: Record<HelpGroup, string> = {
  runtime: "Runtime:",
  job: "Job control:",
  resources: "Resources and program:",
  files: "Files:",
  "aws-batch": "AWS Batch settings:",
  setup: "What setup creates:",
};

/** Options of no setting: the development overlays. */
const DEVELOPMENT = "Development overlays:";

/** The groups of `--help`, in order; commander puts options without a group under "Options:". */
const GROUPS = [HEADINGS.runtime, "Options:", HEADINGS.job, HEADINGS.resources, HEADINGS.files, HEADINGS["aws-batch"], DEVELOPMENT, HEADINGS.setup];

/** A command's options, grouped for `--help`: within a group, those of settings first, in the table's order. */
export function inHelpOrder(options: readonly Option[]): Option[] {
  const rank = (option: Option) => GROUPS.indexOf(option.helpGroupHeading ?? "Options:");
  return options
    .map((option, order) => ({ option, order }))
    .sort((a, b) => rank(a.option) - rank(b.option) || a.order - b.order)
    .map(({ option }) => option);
}

/** The option of each setting whose flag `context.command` takes, by setting. */
export function settingOptions(context: OptionContext, table: SettingsTable = SETTINGS): Map<string, Option> {
  const options = new Map<string, Option>();
  for (const [key, row] of Object.entries(table)) {
    if (row.flag && row.commands.includes(context.command)) options.set(key, settingOption(row, context));
  }
  return options;
}

function settingOption(row: SettingRow<unknown>, context: OptionContext): Option {
  const flag = row.flag as NonNullable<SettingRow<unknown>["flag"]>;
  const sources = helpSources(row);
  const help = `${flag.help}${sources.length > 0 ? ` [${sources.join("; ")}]` : ""}`;
  const option = new Option(flag.argument === undefined ? flag.name : `${flag.name} ${flag.argument}`, help).helpGroup(HEADINGS[flag.group]);
  if (flag.argument === undefined) return option;
  // Checked now, as argparse checks its types; kept as text for resolution to read.
  return option.argParser((text: string, previous: string | undefined) => {
    const parsed = row.type.checkedByParser ? row.type.parse(text) : undefined;
    if (parsed?.ok === false) throw new UsageError(`argument ${flag.name}: ${parsed.flag}`, context.command);
    return flag.repeatable && previous !== undefined ? `${previous}\n${text}` : text;
  });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Options shared by `build` and `attach`: what to do with a job once it runs. */
export function followOptions(download: DownloadRecorder): Option[] {
  return [
    new Option("--detach-on-interrupt", "Detach from the job on Control-C (SIGINT) instead of cancelling it").helpGroup(HEADINGS.job),
    new Option("--cancel", "Cancel the job right away (with --attach, the attached job)").helpGroup(HEADINGS.job),
    new Option("--no-logs", "Do not show the job's logs").helpGroup(HEADINGS.job),
    new Option("--verbose", "Print each file as it is zipped and unzipped, also on a terminal (where a progress line shows instead)").helpGroup(HEADINGS.files),
    new Option(
      "--download <pattern>",
      "Only download new or modified files matching <pattern> from the job's results (repeatable; globs with **, {a,b} and extglobs; !<pattern> excludes)",
    )
      .argParser((value: string) => download.add(value))
      .helpGroup(HEADINGS.files),
    new Option("--exclude-from-download <pattern>", "Do not download files matching <pattern> (repeatable)")
      .argParser((value: string) => download.add(`!${value}`))
      .helpGroup(HEADINGS.files),
    new Option("--no-download", "Do not download any files from the job's results").helpGroup(HEADINGS.files),
  ];
}

/** Options of `build` only, besides those of settings. */
export function buildOptions(context: OptionContext): Option[] {
  return [
    ...OTHER_RUNTIMES.map((flag) => new Option(flag).hideHelp()),
    new Option("--detach", "Submit the job, print how to re-attach, and exit").helpGroup(HEADINGS.job),
    new Option("--attach <job-id>", "Re-attach to an existing job instead of submitting one").helpGroup(HEADINGS.job),
    new Option("--exec <prog>", `Program to run in the job instead of ${DEFAULT_EXEC}`).default(DEFAULT_EXEC).helpGroup(HEADINGS.resources),
    new Option("--env <name[=value]>", "Set an environment variable for the job; without =value, pass this one's value (repeatable)")
      .argParser(collect)
      .helpGroup(HEADINGS.resources),
    new Option("--envdir <path>", "Set environment variables for the job from the files of a directory, one per variable (repeatable)")
      .argParser((value: string, previous: string[] | undefined) => {
        if (!isDirectory(value, context.cwd)) throw new UsageError(`argument --envdir: not a directory: ${value}`, context.command);
        return collect(value, previous);
      })
      .helpGroup(HEADINGS.resources),
    new Option("--exclude-from-upload <pattern>", "Do not upload files matching <pattern> (repeatable; same globs as --download)")
      .argParser(collect)
      .helpGroup(HEADINGS.files),
    ...OVERLAY_NAMES.map((name) =>
      new Option(`--${name} <dir>`, `Use the ${name} source in <dir> in the job instead of the image's (a development overlay)`).helpGroup(DEVELOPMENT),
    ),
    new Option("--dry-run", "Show the settings the build would use, and where each comes from, without touching AWS").helpGroup(HEADINGS.runtime),
    new Option("--job-info <file>", "Write the job's id, run id and status as JSON to <file> when it is submitted and when the run ends (for scripts)").helpGroup(HEADINGS.job),
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
  private spec: DownloadChoice = true;

  add(pattern: string): readonly string[] {
    this.spec = Array.isArray(this.spec) ? [...this.spec, pattern] : [pattern];
    return this.spec;
  }

  disable(): void {
    this.spec = false;
  }

  get value(): DownloadChoice {
    return this.spec;
  }
}

/** What `--help` adds after the options: the settings a command reads that none of its flags gives (the region, endpoints). */
export function flaglessSettingsHelp(command: CommandName, table: SettingsTable = SETTINGS): string {
  const rows = Object.values(table).filter((row) => row.flag === undefined && row.commands.includes(command));
  if (rows.length === 0) return "";
  const width = Math.max(...rows.map((row) => row.label.length));
  return ["", "Settings from the environment:", ...rows.map((row) => `  ${row.label.padEnd(width)}  ${helpSources(row).join("; ")}`)].join("\n");
}
