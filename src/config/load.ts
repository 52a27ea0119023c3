/**
 * Reading the files settings come from: the Nextstrain config file and, for the
 * profile's region only, the AWS config file. The one place of this folder that
 * touches the disk; everything else here is pure.
 *
 * A missing config file is an empty one, as in the Nextstrain CLI. Deliberate
 * deviation: an unreadable or malformed file is an error naming the file,
 * where the Nextstrain CLI silently ignores it or crashes.
 */
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { IniError, parseIni, type IniFile } from "./configparser.js";
import { resolvePaths, type Paths } from "./paths.js";
import { awsProfileName, profileRegion } from "./region.js";
import { resolveSettings, type Resolved, type SettingFlags } from "./resolve.js";

/** Reads the files settings come from and resolves the settings, with the paths used. */
export async function loadSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, userHome: string): Promise<Resolved & { paths: Paths }> {
  const paths = resolvePaths(env, userHome);
  const [config, profileRegion] = await Promise.all([loadConfigFile(paths.configFile), loadProfileRegion(paths, env)]);
  return { ...resolveSettings({ flags, env, config, configPath: paths.configFile, profileRegion }), paths };
}

export async function loadConfigFile(path: string): Promise<IniFile> {
  const text = await readOptional(path, "config file", "Fix its permissions, or point NEXTSTRAIN_CONFIG at another file.");
  const file = explainIniErrors(path, () => parseIni(text ?? ""));
  // Values are interpolated when read, as in ConfigParser, so reading one can fail too.
  return {
    get: (section, key) => explainIniErrors(path, () => file.get(section, key)),
    sections: () => file.sections(),
  };
}

function explainIniErrors<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof IniError) {
      const where = error.line === undefined ? path : `${path}, line ${error.line}`;
      throw new UserError(`Config file ${where}: ${error.message}.`, "Fix the file (it is read the way the Nextstrain CLI reads it).");
    }
    throw error;
  }
}

export async function loadProfileRegion(paths: Paths, env: NodeJS.ProcessEnv): Promise<{ region: string; profile: string; file: string } | undefined> {
  const text = await readOptional(paths.awsConfigFile, "AWS config file", "Fix its permissions, or point AWS_CONFIG_FILE at another file.");
  if (text === undefined) return undefined;
  const profile = awsProfileName(env);
  const region = profileRegion(text, profile);
  return region === undefined ? undefined : { region, profile, file: paths.awsConfigFile };
}

async function readOptional(path: string, what: string, hint: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new UserError(`Cannot read the ${what} ${path}: ${(error as Error).message}.`, hint);
  }
}
