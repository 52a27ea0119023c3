import { describe, expect, it } from "vitest";
import { parseIni } from "../../../src/config/configparser.js";
import { ConfigError } from "../../../src/config/errors.js";
import { resolveSettings, type AwsProfile, type ResolveInputs, type Settings, type SettingFlags } from "../../../src/config/resolve.js";

const CONFIG_PATH = "/home/u/.nextstrain/config";

function resolve(flags: SettingFlags, env: NodeJS.ProcessEnv, configText: string, extra: Partial<ResolveInputs> = {}): Settings {
  return resolveSettings({ flags, env, config: parseIni(configText), configPath: CONFIG_PATH, ...extra }).settings;
}

type Pick = (settings: Settings) => { value: unknown; source: string; origin: string };

interface PrecedenceCase {
  name: string;
  pick: Pick;
  flag: SettingFlags;
  env: NodeJS.ProcessEnv;
  config: string;
  values: { flag: unknown; env: unknown; config: unknown; default: unknown };
  origins: { flag: string; env: string; config: string; default: string };
}

const CASES: PrecedenceCase[] = [
  {
    name: "job definition",
    pick: (s) => s.job,
    flag: { job: "flag-job" },
    env: { NEXTSTRAIN_AWS_BATCH_JOB: "env-job" },
    config: "[aws-batch]\njob = config-job\n",
    values: { flag: "flag-job", env: "env-job", config: "config-job", default: "nextstrain-job" },
    origins: { flag: "--aws-batch-job", env: "NEXTSTRAIN_AWS_BATCH_JOB", config: `[aws-batch] job in ${CONFIG_PATH}`, default: "built-in default" },
  },
  {
    name: "job queue",
    pick: (s) => s.queue,
    flag: { queue: "flag-q" },
    env: { NEXTSTRAIN_AWS_BATCH_QUEUE: "env-q" },
    config: "[aws-batch]\nqueue = config-q\n",
    values: { flag: "flag-q", env: "env-q", config: "config-q", default: "nextstrain-job-queue" },
    origins: { flag: "--aws-batch-queue", env: "NEXTSTRAIN_AWS_BATCH_QUEUE", config: `[aws-batch] queue in ${CONFIG_PATH}`, default: "built-in default" },
  },
  {
    name: "bucket",
    pick: (s) => s.bucket,
    flag: { bucket: "s3://flag-bucket/runs/" },
    env: { NEXTSTRAIN_AWS_BATCH_S3_BUCKET: "env-bucket/pre" },
    config: "[aws-batch]\ns3-bucket = config-bucket\n",
    values: {
      flag: { bucket: "flag-bucket", prefix: "runs/" },
      env: { bucket: "env-bucket", prefix: "pre" },
      config: { bucket: "config-bucket", prefix: "" },
      default: { bucket: "nextstrain-jobs", prefix: "" },
    },
    origins: {
      flag: "--aws-batch-s3-bucket",
      env: "NEXTSTRAIN_AWS_BATCH_S3_BUCKET",
      config: `[aws-batch] s3-bucket in ${CONFIG_PATH}`,
      default: "built-in default",
    },
  },
  {
    name: "vCPUs",
    pick: (s) => s.vcpus,
    flag: { vcpus: "16" },
    env: { NEXTSTRAIN_AWS_BATCH_CPUS: "8" },
    config: "[aws-batch]\ncpus = 4\n",
    values: { flag: 16, env: 8, config: 4, default: undefined },
    origins: { flag: "--aws-batch-cpus", env: "NEXTSTRAIN_AWS_BATCH_CPUS", config: `[aws-batch] cpus in ${CONFIG_PATH}`, default: "the job definition" },
  },
  {
    name: "memory",
    pick: (s) => s.memoryMiB,
    flag: { memoryMiB: "30000" },
    env: { NEXTSTRAIN_AWS_BATCH_MEMORY: "20000" },
    config: "[aws-batch]\nmemory = 10000\n",
    values: { flag: 30000, env: 20000, config: 10000, default: undefined },
    origins: { flag: "--aws-batch-memory", env: "NEXTSTRAIN_AWS_BATCH_MEMORY", config: `[aws-batch] memory in ${CONFIG_PATH}`, default: "the job definition" },
  },
  {
    name: "image",
    pick: (s) => s.image,
    flag: { image: "nextstrain/base:build-20250101T000000Z" },
    env: { NEXTSTRAIN_DOCKER_IMAGE: "env/image" },
    config: "[docker]\nimage = config/image\n",
    values: { flag: "nextstrain/base:build-20250101T000000Z", env: "env/image", config: "config/image", default: "nextstrain/base" },
    origins: { flag: "--image", env: "NEXTSTRAIN_DOCKER_IMAGE", config: `[docker] image in ${CONFIG_PATH}`, default: "built-in default" },
  },
];

describe.each(CASES)("precedence of the $name setting (C37, C38)", (c) => {
  it.each([
    ["flag", c.flag, c.env, c.config],
    ["env", {}, c.env, c.config],
    ["config", {}, {}, c.config],
    ["default", {}, {}, ""],
  ] as const)("comes from the %s when it is the highest layer given", (source, flag, env, config) => {
    const setting = c.pick(resolve(flag, env, config));
    expect(setting.value).toEqual(c.values[source]);
    expect(setting.origin).toBe(c.origins[source]);
    expect(setting.source).toBe(source === "default" ? "default" : source);
  });

  it("treats an empty environment variable as unset (C35)", () => {
    const emptied = Object.fromEntries(Object.keys(c.env).map((key) => [key, ""]));
    expect(c.pick(resolve({}, emptied, c.config)).source).toBe("config");
  });
});

describe("region (C42, C120)", () => {
  const profile: AwsProfile = { profile: "default", file: "/home/u/.aws/config", get: (key) => (key === "region" ? "eu-west-1" : undefined) };
  it.each([
    ["AWS_REGION", { AWS_REGION: "ap-south-1", AWS_DEFAULT_REGION: "us-west-2" }, profile, "ap-south-1", "env"],
    ["AWS_DEFAULT_REGION", { AWS_DEFAULT_REGION: "us-west-2" }, profile, "us-west-2", "env"],
    ["region of profile default in /home/u/.aws/config", {}, profile, "eu-west-1", "config"],
    ["built-in default", {}, undefined, "us-east-1", "default"],
  ] as const)("comes from %s", (origin, env, awsProfile, value, source) => {
    const settings = resolve({}, env, "", { awsProfile });
    expect(settings.region).toEqual({ value, source, origin });
  });
});

describe("VCPU and MEMORY requests (C22, C23)", () => {
  it("use --cpus and --memory when no AWS Batch override is set", () => {
    const settings = resolve({ cpus: "8", memory: "14GiB" }, {}, "");
    expect(settings.vcpus).toMatchObject({ value: 8, origin: "--cpus" });
    expect(settings.memoryMiB).toMatchObject({ value: 14336, origin: "--memory" });
  });

  it("let a non-zero override from the environment win over --cpus and --memory", () => {
    const settings = resolve({ cpus: "8", memory: "14GiB" }, { NEXTSTRAIN_AWS_BATCH_CPUS: "2", NEXTSTRAIN_AWS_BATCH_MEMORY: "4096" }, "");
    expect(settings.vcpus).toMatchObject({ value: 2, origin: "NEXTSTRAIN_AWS_BATCH_CPUS" });
    expect(settings.memoryMiB).toMatchObject({ value: 4096, origin: "NEXTSTRAIN_AWS_BATCH_MEMORY" });
  });

  it("read an override of 0 as no override", () => {
    const settings = resolve({ cpus: "8" }, {}, "[aws-batch]\ncpus = 0\nmemory = 0\n");
    expect(settings.vcpus).toMatchObject({ value: 8, origin: "--cpus" });
    expect(settings.memoryMiB.value).toBeUndefined();
  });

  it("send no MEMORY for a --memory under 1 MiB", () => {
    expect(resolve({ memory: "1024" }, {}, "").memoryMiB.value).toBeUndefined();
  });
});

describe("endpoints", () => {
  it("use the per-service variable over AWS_ENDPOINT_URL", () => {
    const settings = resolve({}, { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2" }, "");
    expect(settings.s3Endpoint).toMatchObject({ value: "http://127.0.0.1:2", origin: "AWS_ENDPOINT_URL_S3" });
    expect(settings.batchEndpoint).toMatchObject({ value: "http://127.0.0.1:1", origin: "AWS_ENDPOINT_URL" });
    expect(settings.logsEndpoint).toMatchObject({ value: "http://127.0.0.1:1", origin: "AWS_ENDPOINT_URL" });
  });

  it("are the SDK's when nothing is set", () => {
    expect(resolve({}, {}, "").batchEndpoint.value).toBeUndefined();
  });
});

describe("runtime (C5, C6)", () => {
  const runtime = (flags: SettingFlags, config: string) =>
    resolveSettings({ flags, env: {}, config: parseIni(config), configPath: CONFIG_PATH });

  it.each(["aws-batch", "AWS Batch", "aws_batch", "  Aws-Batch "])("reads [core] runner = %j as aws-batch", (value) => {
    expect(runtime({}, `[core]\nrunner = ${value}\n`).settings.runtime).toMatchObject({ value: "aws-batch", source: "config" });
  });

  it("takes --aws-batch over the config", () => {
    expect(runtime({ runtime: true }, "[core]\nrunner = docker\n").settings.runtime).toMatchObject({ value: "aws-batch", source: "flag" });
  });

  it("warns about an invalid runner and falls back to docker", () => {
    const resolved = runtime({}, "[core]\nrunner = kubernetes\n");
    expect(resolved.settings.runtime.value).toBe("docker");
    expect(resolved.warnings).toEqual(["WARNING: Default runner from config file (kubernetes) is invalid.  Using docker."]);
  });
});

describe("invalid values name what to fix (C39)", () => {
  it.each([
    [{ NEXTSTRAIN_AWS_BATCH_MEMORY: "abc" }, "", "NEXTSTRAIN_AWS_BATCH_MEMORY=abc is not a number of MiB"],
    [{ NEXTSTRAIN_AWS_BATCH_MEMORY: "14gib" }, "", "NEXTSTRAIN_AWS_BATCH_MEMORY=14gib is not a number of MiB"],
    [{ NEXTSTRAIN_AWS_BATCH_CPUS: "2.5" }, "", "NEXTSTRAIN_AWS_BATCH_CPUS=2.5 is not a number of vCPUs"],
    [{ NEXTSTRAIN_AWS_BATCH_CPUS: "-4" }, "", "NEXTSTRAIN_AWS_BATCH_CPUS=-4 is not a number of vCPUs"],
    [{}, "[aws-batch]\nmemory = lots\n", `memory = lots (in [aws-batch] of ${CONFIG_PATH}) is not a number of MiB`],
    [{}, "[aws-batch]\ncpus = four\n", `cpus = four (in [aws-batch] of ${CONFIG_PATH}) is not a number of vCPUs`],
    [{ NEXTSTRAIN_AWS_BATCH_S3_BUCKET: "gs://elsewhere" }, "", "NEXTSTRAIN_AWS_BATCH_S3_BUCKET=gs://elsewhere is not a usable bucket"],
    [{}, "[aws-batch]\ns3-bucket = s3://\n", `s3-bucket = s3:// (in [aws-batch] of ${CONFIG_PATH}) is not a usable bucket`],
  ])("%j / %j", (env, config, message) => {
    const attempt = () => resolve({}, env, config);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
});
