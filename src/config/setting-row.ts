/**
 * What a row of the settings table (settings.ts) says about one setting:
 * the flag with its help, the environment variables, the config file key,
 * the default, the value's type (its parser and how bad values are worded),
 * the AWS resource it names, and the commands that take it. Resolution,
 * `--help`, `--dry-run` and every error hint about a setting are made from
 * these rows, so a new setting is one row.
 */
import type { ResourceKind } from "../errors.js";

export type Source = "flag" | "env" | "config" | "default";

/** A resolved setting: its value and where it came from. */
export interface Setting<T> {
  value: T;
  source: Source;
  /** Where exactly: "--aws-batch-queue", "NEXTSTRAIN_AWS_BATCH_QUEUE", "[aws-batch] queue in /home/u/.nextstrain/config", "built-in default". */
  origin: string;
}

export type Parsed<T> =
  | { ok: true; value: T }
  /**
   * A bad value, worded for where it was given: `flag` follows "argument
   * --x: " (argparse's words); `setting` follows the quoted value
   * ("NEXTSTRAIN_AWS_BATCH_CPUS=2.5" + " is not a number of vCPUs");
   * `expected` completes the hint "Set <where> to …".
   */
  | { ok: false; flag: string; setting: string; expected: string }
  /** A bad value the Nextstrain CLI warns about and replaces with the default. */
  | { ok: "ignored"; warning: string };

/** A setting's value type: how text becomes a value, and back. */
export interface ValueType<T> {
  /** Reads a flag's argument, a variable or a config value. `undefined` means "not set": the default applies. */
  parse(text: string): Parsed<T>;
  /** The value as `--dry-run` shows it. */
  show(value: T): string;
  /** A good value, as a user would write it. */
  example: string;
  /**
   * Whether a bad flag value is a command-line mistake (a usage error when the
   * command line is parsed, as argparse's types make it in the Nextstrain
   * CLI), rather than a bad setting found when the settings are resolved.
   */
  checkedByParser: boolean;
}

export type CommandName = "build" | "attach" | "jobs" | "logs" | "setup" | "check-setup" | "teardown";

/** The groups of options in a command's `--help`. */
export type HelpGroup = "runtime" | "job" | "resources" | "files" | "aws-batch" | "setup";

export interface FlagSpec<T> {
  name: `--${string}`;
  /** The argument as `--help` shows it ("<name>"); none for a switch. */
  argument?: string;
  /** What a switch (a flag without an argument) sets. */
  sets?: T;
  help: string;
  group: HelpGroup;
  /** Given several times, the values add up (joined by newlines for the type to read). */
  repeatable?: true;
}

/** A built-in default, written as a user would write it (and read with the setting's type); none: unset. */
export interface BuiltInDefault {
  text?: string;
  /** Where it comes from, for `--dry-run`: "built-in default" unless said. */
  origin?: string;
  /** How `--dry-run` shows it when unset: "(not set)" unless said. */
  shows?: string;
}

/** Another setting's value, when it has one (`as` turns it into this setting's); else unset. */
export interface FollowingDefault<T> {
  /** The key of the row it follows ("cpus"). */
  follows: string;
  as: (value: unknown) => T;
  otherwise: { origin: string; shows?: string };
}

/**
 * What applies when neither flag, variable nor config key gives a value: a
 * setting that cannot be unset (its type does not allow undefined) needs a
 * built-in value.
 */
export type DefaultSpec<T> = undefined extends T ? BuiltInDefault | FollowingDefault<T> : BuiltInDefault & { text: string };

export interface SettingRow<T> {
  /** What the setting is, in `--dry-run` and messages: "job queue". */
  label: string;
  flag?: FlagSpec<NoInfer<T>>;
  /** Variables that set it, the first non-empty one winning. */
  env?: readonly string[];
  config?: { section: string; key: string };
  /** A key of the AWS profile in use, read from the AWS config file (the region). */
  awsProfile?: string;
  type: ValueType<T>;
  default: BuiltInDefault | FollowingDefault<NoInfer<T>>;
  /** The AWS resource the value names, so a failure about it can say which setting named it. */
  names?: { kind: ResourceKind; of?(value: T): string };
  /** The commands that take it: their command line offers its flag (without one, their `--help` names it); `build --dry-run` shows those of `build`. */
  commands: readonly CommandName[];
}

/** A row, with its value type inferred from its `type` and its default checked against it; what it has (a flag) stays known. */
export function row<T, const Spec extends SettingRow<T>>(spec: Spec & SettingRow<T> & { default: DefaultSpec<NoInfer<T>> }): Spec {
  return spec;
}

/** Rows of every value type, by the key the resolved setting has (`settings.queue`). */
export type SettingsTable = Record<string, SettingRow<unknown>>;

/** The resolved settings of a table: each row's value with its origin. */
export type SettingsOf<Table extends SettingsTable> = { [K in keyof Table]: Table[K] extends SettingRow<infer T> ? Setting<T> : never };

/** Flags as the command line gave them, by setting: the argument's text, or true for a switch. */
export type FlagsOf<Table extends SettingsTable> = { [K in keyof Table]?: string | true };
