/**
 * The environment variables a job gets, and how they reach it (C15-C18,
 * C58-C61).
 *
 * What: with any envdir (NEXTSTRAIN_RUNTIME_ENVDIRS first, then `--envdir`) or
 * any `--env`, the variables of the envdirs in order, then `--env` overriding by
 * name; otherwise the well-known variables present on the host, even empty
 * ones. A variable may be "unset" (undefined), which the job applies by
 * removing it.
 *
 * How: with an image that has env.d support, the variables travel in a small
 * ZIP in S3 (one member per variable) and the job environment holds only its
 * URL, so no value shows in DescribeJobs; with older images they go straight
 * into the job's environment, unset ones left out.
 *
 * Deliberate deviations from the Nextstrain CLI, which crashes with a traceback
 * in these cases: an envdir file whose name contains `=`, a sub-directory in an
 * envdir, an unreadable or non-UTF-8 envdir file, and `--env` with an empty name
 * are errors that name the file or the option. Envdir entries are read in
 * sorted order (Node lists directories sorted), not in the file system's order.
 */
import * as nodeFs from "node:fs";
import { delimiter, join } from "node:path";
import type { KeyValuePair } from "@aws-sdk/client-batch";
import { assert, UsageError, UserError } from "../errors.js";
import { WORKDIR_URL_VARIABLE } from "../aws/job-state.js";
import { imageSupports } from "./image.js";

/** Variables in order; undefined means "unset it". */
export type JobEnv = ReadonlyMap<string, string | undefined>;

/** The host variables forwarded when no envdir and no `--env` is given, in this order (C16). */
export const FORWARDED_VARIABLES = [
  "AUGUR_SEARCH_PATHS",
  "AUGUR_RECURSION_LIMIT",
  "AUGUR_MINIFY_JSON",
  "AUGUR_DEBUG",
  "AUGUR_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "ID3C_URL",
  "ID3C_USERNAME",
  "ID3C_PASSWORD",
  "RETHINK_HOST",
  "RETHINK_AUTH_KEY",
] as const;

/** The file system as the envdir reader needs it; replaced in tests. */
export interface EnvFs {
  /** What is at a path, symlinks followed; undefined when nothing (readable) is. */
  stat(path: string): { isDirectory: boolean; size: number } | undefined;
  /** The entry names of a directory. */
  readdir(path: string): string[];
  readFile(path: string): Uint8Array;
}

export const nodeEnvFs: EnvFs = {
  stat(path) {
    try {
      const stats = nodeFs.statSync(path);
      return { isDirectory: stats.isDirectory(), size: stats.size };
    } catch {
      return undefined;
    }
  },
  readdir: (path) => nodeFs.readdirSync(path),
  readFile: (path) => nodeFs.readFileSync(path),
};

export interface EnvironmentInput {
  /** The host environment: NEXTSTRAIN_RUNTIME_ENVDIRS, values for `--env NAME`, forwarded variables. */
  hostEnv: NodeJS.ProcessEnv;
  /** `--envdir` values in command-line order. */
  envdirs: readonly string[];
  /** `--env` values (`NAME` or `NAME=VALUE`) in command-line order. */
  env: readonly string[];
  /** Whether the host's AWS credentials are among the forwarded variables (no with --no-forward-aws-credentials). */
  forwardAwsCredentials?: boolean;
}

/** The forwarded variables that are AWS credentials. */
export const AWS_CREDENTIAL_VARIABLES: readonly string[] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

export interface EnvironmentDeps {
  fs: EnvFs;
  /** What separates the directories of NEXTSTRAIN_RUNTIME_ENVDIRS: ":" (";" on Windows). */
  pathDelimiter: string;
}

export function jobEnvironment(input: EnvironmentInput, deps: EnvironmentDeps = { fs: nodeEnvFs, pathDelimiter: delimiter }): JobEnv {
  const isDirectory = (dir: string) => deps.fs.stat(dir)?.isDirectory === true;
  const runtimeEnvdirs = (input.hostEnv.NEXTSTRAIN_RUNTIME_ENVDIRS ?? "").split(deps.pathDelimiter).filter((dir) => dir !== "");
  for (const dir of runtimeEnvdirs) {
    if (!isDirectory(dir)) {
      throw new UserError(
        `not a directory: ${dir} (in NEXTSTRAIN_RUNTIME_ENVDIRS)`,
        `Set NEXTSTRAIN_RUNTIME_ENVDIRS to existing directories separated by "${deps.pathDelimiter}", or unset it.`,
      );
    }
  }
  for (const dir of input.envdirs) {
    if (!isDirectory(dir)) throw new UsageError(`argument --envdir: not a directory: ${dir}`, "build");
  }

  const envdirs = [...runtimeEnvdirs, ...input.envdirs];
  const env = new Map<string, string | undefined>();
  if (envdirs.length === 0 && input.env.length === 0) {
    for (const name of FORWARDED_VARIABLES) {
      if (input.forwardAwsCredentials === false && AWS_CREDENTIAL_VARIABLES.includes(name)) continue;
      const value = input.hostEnv[name];
      if (value !== undefined) env.set(name, value);
    }
    return env;
  }
  // A Map keeps a name where it was first set, as the Nextstrain CLI's dicts do.
  for (const dir of envdirs) for (const [name, value] of readEnvdir(dir, deps.fs)) env.set(name, value);
  for (const spec of input.env) env.set(...parseEnvOption(spec, input.hostEnv));
  return env;
}

/** `--env NAME=VALUE` (split at the first `=`), or `--env NAME` with the host's value, undefined when unset (C18). */
export function parseEnvOption(spec: string, hostEnv: NodeJS.ProcessEnv): [string, string | undefined] {
  const eq = spec.indexOf("=");
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (name === "") {
    throw new UsageError(`argument --env: no variable name in "${spec}"; expected <name> or <name>=<value>`, "build");
  }
  return eq < 0 ? [name, hostEnv[name]] : [name, spec.slice(eq + 1)];
}

/** The variables of an envdir, one per entry, in sorted order. */
export function readEnvdir(dir: string, fs: EnvFs): Array<[string, string | undefined]> {
  const hint = "Each file in an envdir sets the variable it is named after; rename or remove the file.";
  return attempt(`Unable to read envdir ${dir}`, () => fs.readdir(dir))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      if (name.includes("=")) {
        throw new UserError(`Invalid environment variable name in envdir ${dir}: ${file} (a name cannot contain "=")`, hint);
      }
      const stats = fs.stat(file);
      if (stats?.isDirectory) throw new UserError(`${file} in envdir ${dir} is a directory, not a file`, hint);
      if (stats?.size === 0) return [name, undefined];
      return [name, envdirValue(attempt(`Unable to read ${file}`, () => fs.readFile(file)), file)];
    });
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Python's str.isspace() characters, which rstrip() removes; four of them are control characters. */
// eslint-disable-next-line no-control-regex
const TRAILING_SPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/u;

/**
 * The value an envdir file holds (C17): its first line (ended by LF, CRLF or
 * CR), trailing whitespace removed, NUL bytes read as newlines. An empty file
 * (no bytes at all) means "unset"; a file holding just a newline is the empty value.
 */
export function envdirValue(bytes: Uint8Array, file: string): string | undefined {
  if (bytes.length === 0) return undefined;
  const text = attempt(`Unable to read ${file} as UTF-8 text`, () => UTF8.decode(bytes));
  const firstLine = text.split(/\r\n|\r|\n/, 1)[0] as string;
  return firstLine.replace(TRAILING_SPACE, "").replaceAll("\0", "\n");
}

function attempt<T>(what: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw new UserError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Whether the variables travel in an env.d archive (C58): there are some, and the image reads env.d. */
export function usesEnvd(env: JobEnv, image: string): boolean {
  return env.size > 0 && imageSupports("envd", image);
}

/**
 * The members of the env.d archive (C59): one per variable, named after it,
 * holding its value with each newline written as NUL plus a final newline, in
 * UTF-8; empty for an unset variable, which the job's envdir then removes.
 */
export function envdMembers(env: JobEnv): Array<{ name: string; data: Uint8Array }> {
  const encoder = new TextEncoder();
  return [...env].map(([name, value]) => {
    assert(name !== "" && !name.includes("="), `invalid environment variable name ${JSON.stringify(name)}`);
    return { name, data: value === undefined ? new Uint8Array(0) : encoder.encode(`${value.replaceAll("\n", "\0")}\n`) };
  });
}

/**
 * `containerOverrides.environment` of SubmitJob (C60, C61, C68): the workdir URL
 * first; then, when the variables went into an env.d archive at `envdUrl`, its
 * URL and the request to delete it once read; else the variables that are set.
 */
export function containerEnvironment(workdirUrl: string, env: JobEnv, envdUrl?: string, keepEnvd = false): KeyValuePair[] {
  const variables: Array<[string, string | undefined]> =
    envdUrl === undefined
      ? [...env]
      : [
          ["NEXTSTRAIN_ENVD_URL", envdUrl],
          // A job that may run again (--retry, --fallback-queue) needs it on every attempt: the tool removes it once the job has ended (keptEnvd).
          ...(keepEnvd ? [] : [["NEXTSTRAIN_DELETE_ENVD", "1"] as [string, string]]),
        ];
  return [[WORKDIR_URL_VARIABLE, workdirUrl] as const, ...variables].flatMap(([name, value]) =>
    value === undefined ? [] : [{ name, value }],
  );
}

/** The env.d archive a job left for the tool to remove (it was told not to delete it): its URL, else undefined. */
export function keptEnvd(environment: readonly KeyValuePair[] | undefined): string | undefined {
  const value = (name: string) => environment?.find((variable) => variable.name === name)?.value;
  return value("NEXTSTRAIN_DELETE_ENVD") === undefined ? value("NEXTSTRAIN_ENVD_URL") : undefined;
}
