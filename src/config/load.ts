/**
 * Reading the files settings come from: the Nextstrain config file and, for the
 * profile's region only, the AWS config file. The one place of this folder that
 * touches the disk; everything else here is pure.
 *
 * A missing config file is an empty one, as in the Nextstrain CLI. Deliberate
 * deviation: an unreadable or malformed file (or one that is not UTF-8) is an
 * error naming the file and line, where the Nextstrain CLI silently ignores
 * it or crashes; a directory or a symlink loop in its place is called that.
 */
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { decodeIni, IniError, parseIni, type IniFile } from "./configparser.js";
import { resolvePaths, type Paths } from "./paths.js";
import { awsProfileName, profileValue } from "./aws-profile.js";
import { resolveSettings, type AwsProfile, type Resolved, type SettingFlags } from "./resolve.js";

/** Reads the files settings come from and resolves the settings, with the paths used. */
export async function loadSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, userHome: string): Promise<Resolved & { paths: Paths }> {
  const paths = resolvePaths(env, userHome);
  const [config, awsProfile] = await Promise.all([loadConfigFile(paths.configFile), loadAwsProfile(paths, env)]);
  return { ...resolveSettings({ flags, env, config, configPath: paths.configFile, awsProfile }), paths };
}

export async function loadConfigFile(path: string): Promise<IniFile> {
  const bytes = await readOptional(path, "config file", "NEXTSTRAIN_CONFIG");
  const file = explainIniErrors(path, () => parseIni(bytes === undefined ? "" : decodeIni(bytes)));
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

export async function loadAwsProfile(paths: Paths, env: NodeJS.ProcessEnv): Promise<AwsProfile | undefined> {
  const bytes = await readOptional(paths.awsConfigFile, "AWS config file", "AWS_CONFIG_FILE");
  if (bytes === undefined) return undefined;
  const [text, profile, file] = [bytes.toString("utf8"), awsProfileName(env), paths.awsConfigFile];
  return { profile, file, get: (key) => profileValue(text, profile, key) };
}

/** The file's bytes; undefined when there is none. `variable` names what points at another file. */
async function readOptional(path: string, what: string, variable: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    const elsewhere = `point ${variable} at another file`;
    switch (code) {
      case "EISDIR":
        throw new UserError(`The ${what} ${path} is a directory, not a file.`, `Move the directory away, or ${elsewhere}.`);
      case "ELOOP":
        throw new UserError(`The ${what} ${path} is a symlink loop: following its links leads back to one of them.`, `Make the link point at a file, or ${elsewhere}.`);
      case "EACCES":
      case "EPERM":
        throw new UserError(`Cannot read the ${what} ${path}: ${(error as Error).message}.`, `Fix its permissions, or ${elsewhere}.`);
      default:
        throw new UserError(`Cannot read the ${what} ${path}: ${(error as Error).message}.`, `Check the file, or ${elsewhere}.`);
    }
  }
}
