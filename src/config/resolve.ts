/**
 * Settings resolution: one pure function from command-line flags, environment
 * and the parsed config file to the settings, each with where it came from.
 *
 * Precedence is flag > environment (non-empty) > config file > built-in default
 * (C37, C38). VCPU and MEMORY requests take `--aws-batch-cpus`
 * / `--aws-batch-memory` (or their defaults) when non-zero, else `--cpus` /
 * `--memory` (C22, C23). An invalid count in the environment or the config file
 * fails every build, as in the Nextstrain CLI (C39), with a message that names
 * the variable or key to fix.
 */
import { type BucketLocation, parseBucket } from "./bucket.js";
import type { IniFile } from "./configparser.js";
import { memoryProblem, vcpuProblem } from "./batch-limits.js";
import { bytesToMiB, parsePythonInt } from "./quantities.js";
import { ConfigError } from "./errors.js";

export type Source = "flag" | "env" | "config" | "default";

export interface Setting<T> {
  value: T;
  source: Source;
  /** Where exactly: "--aws-batch-queue", "NEXTSTRAIN_AWS_BATCH_QUEUE", "[aws-batch] queue in /home/u/.nextstrain/config", "built-in default". */
  origin: string;
}

/** Flags as parsed from the command line (counts already validated). */
export interface SettingFlags {
  awsBatch?: boolean;
  awsBatchJob?: string;
  awsBatchQueue?: string;
  awsBatchS3Bucket?: string;
  awsBatchCpus?: number;
  awsBatchMemory?: number;
  cpus?: number;
  /** --memory in bytes. */
  memory?: number;
  image?: string;
}

export interface ResolveInputs {
  flags: SettingFlags;
  env: NodeJS.ProcessEnv;
  config: IniFile;
  configPath: string;
  /** The `region` of the AWS profile in use, if its config file names one. */
  profileRegion?: { region: string; profile: string; file: string };
}

export const RUNTIME_NAMES = ["docker", "conda", "singularity", "ambient", "aws-batch"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export interface Settings {
  runtime: Setting<RuntimeName>;
  job: Setting<string>;
  queue: Setting<string>;
  bucket: Setting<BucketLocation>;
  /** VCPU request for Batch; undefined = none (the job definition's). */
  vcpus: Setting<number | undefined>;
  /** MEMORY request for Batch in MiB; undefined = none. */
  memoryMiB: Setting<number | undefined>;
  image: Setting<string>;
  region: Setting<string>;
  endpoints: {
    s3: Setting<string | undefined>;
    batch: Setting<string | undefined>;
    logs: Setting<string | undefined>;
  };
}

export interface Resolved {
  settings: Settings;
  /** Warnings to show the user (e.g. an invalid `[core] runner`). */
  warnings: string[];
}

export const DEFAULTS = {
  job: "nextstrain-job",
  queue: "nextstrain-job-queue",
  bucket: "nextstrain-jobs",
  image: "nextstrain/base",
  region: "us-east-1",
} as const;

type Found = Setting<string | number> & { quoted: string };

interface Layer {
  flag?: { value: string | number | undefined; name: string };
  env?: string;
  config?: [section: string, key: string];
}

export function resolveSettings(inputs: ResolveInputs): Resolved {
  const { flags, env, config, configPath } = inputs;
  const warnings: string[] = [];

  /** The first of flag, env, config that is set, as a raw value with its source and how to quote it. */
  const pick = (layer: Layer): Found | undefined => {
    if (layer.flag && layer.flag.value !== undefined) {
      const { value, name } = layer.flag;
      return { value, source: "flag", origin: name, quoted: `${name} ${value}` };
    }
    if (layer.env) {
      const value = env[layer.env];
      if (value) return { value, source: "env", origin: layer.env, quoted: `${layer.env}=${value}` };
    }
    if (layer.config) {
      const [section, key] = layer.config;
      const value = config.get(section, key);
      if (value) {
        const origin = `[${section}] ${key} in ${configPath}`;
        return { value, source: "config", origin, quoted: `${key} = ${value} (in [${section}] of ${configPath})` };
      }
    }
    return undefined;
  };
  const strip = <T>(found: Omit<Found, "value"> & { value: T }): Setting<T> => ({
    value: found.value,
    source: found.source,
    origin: found.origin,
  });

  const text = (layer: Layer, fallback: string): Setting<string> => {
    const found = pick(layer);
    return found ? strip({ ...found, value: String(found.value) }) : { value: fallback, source: "default", origin: "built-in default" };
  };

  /** A count, checked against what AWS Batch accepts (`limit`); flags come checked from the command line. */
  const count = (layer: Layer, what: string, example: string, limit: (value: bigint) => string | undefined): Setting<number> | undefined => {
    const found = pick(layer);
    if (!found) return undefined;
    if (typeof found.value === "number") return strip({ ...found, value: found.value });
    const parsed = parsePythonInt(found.value);
    const problem = parsed === undefined || parsed < 0n ? undefined : limit(parsed);
    if (parsed === undefined || parsed < 0n || problem !== undefined) {
      throw new ConfigError(
        problem === undefined ? `${found.quoted} is not ${what}` : `${found.quoted}: ${problem}`,
        `Set ${found.origin} to a whole number such as ${example}, or remove it to use the job definition's value.`,
      );
    }
    return strip({ ...found, value: Number(parsed) });
  };

  const batchCpus = count(
    { flag: { value: flags.awsBatchCpus, name: "--aws-batch-cpus" }, env: "NEXTSTRAIN_AWS_BATCH_CPUS", config: ["aws-batch", "cpus"] },
    "a number of vCPUs",
    "8",
    vcpuProblem,
  );
  const batchMemory = count(
    { flag: { value: flags.awsBatchMemory, name: "--aws-batch-memory" }, env: "NEXTSTRAIN_AWS_BATCH_MEMORY", config: ["aws-batch", "memory"] },
    "a number of MiB",
    "14336",
    memoryProblem,
  );

  const vcpus: Setting<number | undefined> = batchCpus?.value
    ? batchCpus
    : flags.cpus
      ? { value: flags.cpus, source: "flag", origin: "--cpus" }
      : { value: undefined, source: "default", origin: "the job definition" };

  const flagMiB = flags.memory === undefined ? 0 : bytesToMiB(flags.memory);
  const memoryMiB: Setting<number | undefined> = batchMemory?.value
    ? batchMemory
    : flagMiB
      ? { value: flagMiB, source: "flag", origin: "--memory" }
      : { value: undefined, source: "default", origin: "the job definition" };

  const bucketFound = pick({
    flag: { value: flags.awsBatchS3Bucket, name: "--aws-batch-s3-bucket" },
    env: "NEXTSTRAIN_AWS_BATCH_S3_BUCKET",
    config: ["aws-batch", "s3-bucket"],
  });
  const bucketRaw = bucketFound ? { ...bucketFound, value: String(bucketFound.value) } : undefined;
  const bucketParse = parseBucket(bucketRaw?.value ?? DEFAULTS.bucket);
  if (!bucketParse.ok) {
    throw new ConfigError(
      `${bucketRaw?.quoted ?? DEFAULTS.bucket} is not a usable bucket: ${bucketParse.reason}`,
      `Set ${bucketRaw?.origin ?? "--aws-batch-s3-bucket"} to a bucket name with an optional key prefix, e.g. my-bucket or s3://my-bucket/runs/.`,
    );
  }
  const bucket: Setting<BucketLocation> = bucketRaw
    ? strip({ ...bucketRaw, value: bucketParse.location })
    : { value: bucketParse.location, source: "default", origin: "built-in default" };

  const region: Setting<string> = env.AWS_REGION
    ? { value: env.AWS_REGION, source: "env", origin: "AWS_REGION" }
    : env.AWS_DEFAULT_REGION
      ? { value: env.AWS_DEFAULT_REGION, source: "env", origin: "AWS_DEFAULT_REGION" }
      : inputs.profileRegion
        ? {
            value: inputs.profileRegion.region,
            source: "config",
            origin: `region of profile ${inputs.profileRegion.profile} in ${inputs.profileRegion.file}`,
          }
        : { value: DEFAULTS.region, source: "default", origin: "built-in default" };

  const endpoint = (serviceVariable: string): Setting<string | undefined> => {
    const specific = env[serviceVariable];
    if (specific) return { value: specific, source: "env", origin: serviceVariable };
    if (env.AWS_ENDPOINT_URL) return { value: env.AWS_ENDPOINT_URL, source: "env", origin: "AWS_ENDPOINT_URL" };
    return { value: undefined, source: "default", origin: "built-in default" };
  };

  return {
    settings: {
      runtime: resolveRuntime(flags, config, configPath, warnings),
      job: text({ flag: { value: flags.awsBatchJob, name: "--aws-batch-job" }, env: "NEXTSTRAIN_AWS_BATCH_JOB", config: ["aws-batch", "job"] }, DEFAULTS.job),
      queue: text(
        { flag: { value: flags.awsBatchQueue, name: "--aws-batch-queue" }, env: "NEXTSTRAIN_AWS_BATCH_QUEUE", config: ["aws-batch", "queue"] },
        DEFAULTS.queue,
      ),
      bucket,
      vcpus,
      memoryMiB,
      image: text({ flag: { value: flags.image, name: "--image" }, env: "NEXTSTRAIN_DOCKER_IMAGE", config: ["docker", "image"] }, DEFAULTS.image),
      region,
      endpoints: {
        s3: endpoint("AWS_ENDPOINT_URL_S3"),
        batch: endpoint("AWS_ENDPOINT_URL_BATCH"),
        logs: endpoint("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"),
      },
    },
    warnings,
  };
}

/** `--aws-batch` wins; else `[core] runner`, normalised as the Nextstrain CLI does (C5, C6); else docker. */
function resolveRuntime(flags: SettingFlags, config: IniFile, configPath: string, warnings: string[]): Setting<RuntimeName> {
  if (flags.awsBatch) return { value: "aws-batch", source: "flag", origin: "--aws-batch" };
  const configured = config.get("core", "runner");
  if (configured) {
    const normalised = configured.trim().toLowerCase().replace(/[\s_]+/g, "-");
    const name = normalised === "native" ? "ambient" : normalised;
    if ((RUNTIME_NAMES as readonly string[]).includes(name)) {
      return { value: name as RuntimeName, source: "config", origin: `[core] runner in ${configPath}` };
    }
    warnings.push(`WARNING: Default runner from config file (${configured}) is invalid.  Using docker.`);
  }
  return { value: "docker", source: "default", origin: "built-in default" };
}
