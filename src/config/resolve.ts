/**
 * Settings resolution: one pure function from the command line's flags, the
 * environment and the parsed config files to the settings of a table
 * (settings.ts), each with where it came from.
 *
 * Precedence is flag > environment (the first non-empty variable) > config
 * file (or the AWS profile) > default (C37, C38). The first of these that is
 * given decides: a value that reads as "none" (a zero count) leaves the
 * setting to its default (C22, C23). A bad value in the environment or the
 * config file fails every command, as in the Nextstrain CLI (C39), with a
 * message that quotes it and names the variable or key to fix.
 */
import { InternalError } from "../errors.js";
import type { IniFile } from "./configparser.js";
import { ConfigError } from "./errors.js";
import type { FlagsOf, Setting, SettingRow, SettingsOf, SettingsTable, Source } from "./setting-row.js";
import { SETTINGS } from "./settings.js";

export type Settings = SettingsOf<typeof SETTINGS>;
export type SettingFlags = FlagsOf<typeof SETTINGS>;

/** The AWS profile in use and its keys, from the AWS config file. */
export interface AwsProfile {
  profile: string;
  file: string;
  get(key: string): string | undefined;
}

export interface ResolveInputs<Table extends SettingsTable = typeof SETTINGS> {
  flags: FlagsOf<Table>;
  env: NodeJS.ProcessEnv;
  config: IniFile;
  configPath: string;
  awsProfile?: AwsProfile;
}

export interface Resolved<Table extends SettingsTable = typeof SETTINGS> {
  settings: SettingsOf<Table>;
  /** Warnings to show the user (e.g. an invalid `[core] runner`). */
  warnings: string[];
}

export const BUILT_IN = "built-in default";

export function resolveSettings(inputs: ResolveInputs): Resolved;
export function resolveSettings<Table extends SettingsTable>(inputs: ResolveInputs<Table>, table: Table): Resolved<Table>;
export function resolveSettings(inputs: ResolveInputs<SettingsTable>, table: SettingsTable = SETTINGS): Resolved<SettingsTable> {
  const warnings: string[] = [];
  const settings: Record<string, Setting<unknown>> = {};
  const get = (key: string): Setting<unknown> => {
    const row = table[key];
    if (row === undefined) throw new InternalError(`No setting "${key}" in the settings table`);
    return (settings[key] ??= resolveRow(key, row, inputs, get, warnings));
  };
  for (const key of Object.keys(table)) get(key);
  return { settings, warnings };
}

/** A value as given: its text (or true for a switch), where it was given, and how to quote it in a message. */
interface Given extends Omit<Setting<string | true>, "value"> {
  text: string | true;
  quoted: string;
}

function resolveRow(key: string, row: SettingRow<unknown>, inputs: ResolveInputs<SettingsTable>, get: (key: string) => Setting<unknown>, warnings: string[]): Setting<unknown> {
  const given = firstGiven(row, inputs.flags[key], inputs);
  if (given) {
    const parsed = given.text === true ? { ok: true as const, value: row.flag?.sets } : row.type.parse(given.text);
    if (parsed.ok === false) throw new ConfigError(`${given.quoted}${parsed.setting}`, `Set ${given.origin} to ${parsed.expected}.`);
    if (parsed.ok === "ignored") warnings.push(parsed.warning);
    else if (parsed.value !== undefined) return { value: parsed.value, source: given.source, origin: given.origin };
  }
  return defaultOf(row, get);
}

/** The highest layer that gives the setting a value: flag, then each variable, then the config file, then the AWS profile. */
function firstGiven(row: SettingRow<unknown>, flag: string | true | undefined, inputs: ResolveInputs<SettingsTable>): Given | undefined {
  if (row.flag && flag !== undefined) {
    const { name } = row.flag;
    return given(flag, "flag", name, flag === true ? name : `${name} ${flag}`);
  }
  for (const variable of row.env ?? []) {
    const value = inputs.env[variable];
    if (value) return given(value, "env", variable, `${variable}=${value}`);
  }
  if (row.config) {
    const { section, key } = row.config;
    const value = inputs.config.get(section, key);
    if (value) return given(value, "config", `[${section}] ${key} in ${inputs.configPath}`, `${key} = ${value} (in [${section}] of ${inputs.configPath})`);
  }
  const profile = inputs.awsProfile;
  const value = row.awsProfile === undefined ? undefined : profile?.get(row.awsProfile);
  if (profile && value) return given(value, "config", `${row.awsProfile} of profile ${profile.profile} in ${profile.file}`, `${row.awsProfile} = ${value} (in ${profile.file})`);
  return undefined;
}

function given(text: string | true, source: Source, origin: string, quoted: string): Given {
  return { text, source, origin, quoted };
}

function defaultOf(row: SettingRow<unknown>, get: (key: string) => Setting<unknown>): Setting<unknown> {
  const spec = row.default;
  if ("follows" in spec) {
    const other = get(spec.follows);
    const value = spec.as(other.value);
    return value === undefined ? { value, source: "default", origin: spec.otherwise.origin } : { ...other, value };
  }
  const origin = spec.origin ?? BUILT_IN;
  if (spec.text === undefined) return { value: undefined, source: "default", origin };
  const parsed = row.type.parse(spec.text);
  if (parsed.ok !== true) throw new InternalError(`The default of the ${row.label} setting, ${spec.text}, does not read as one`);
  return { value: parsed.value, source: "default", origin };
}

/** The endpoint settings' values, as the AWS clients take them (src/aws/clients.ts). */
export function endpointsOf(settings: Settings): { s3?: string; batch?: string; logs?: string; ec2?: string } {
  return { s3: settings.s3Endpoint.value, batch: settings.batchEndpoint.value, logs: settings.logsEndpoint.value, ec2: settings.ec2Endpoint.value };
}
