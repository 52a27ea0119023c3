/** The built binary, spawned as a user would run it (npm test builds dist/ first). */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../../bin/nextstrain-ts.js", import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

function run(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { PATH: process.env.PATH, NEXTSTRAIN_HOME: "/nonexistent" } });
}

const BUILD_OPTIONS = [
  "--aws-batch",
  "--detach",
  "--detach-on-interrupt",
  "--attach <job-id>",
  "--cancel",
  "--cpus <count>",
  "--memory <quantity>",
  "--download <pattern>",
  "--no-download",
  "--exclude-from-download <pattern>",
  "--exclude-from-upload <pattern>",
  "--no-logs",
  "--env <name[=value]>",
  "--envdir <path>",
  "--image <image>",
  "--exec <prog>",
  "--aws-batch-job <name>",
  "--aws-batch-queue <name>",
  "--aws-batch-s3-bucket <[s3://]name[/prefix]>",
  "--aws-batch-cpus <count>",
  "--aws-batch-memory <mebibytes>",
  "--dry-run",
  "--job-info <file>",
  "--verbose",
];

describe("the nextstrain-ts binary", () => {
  it("prints its version", () => {
    const result = run("--version");
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it("lists its commands in --help", () => {
    const result = run("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/build \[options\]/);
    expect(result.stdout).toMatch(/attach \[options\] <job-id>/);
  });

  it("lists every build option, with the variable and config key of each setting, in build --help", () => {
    const result = run("build", "--help");
    expect(result.status).toBe(0);
    for (const option of BUILD_OPTIONS) expect(result.stdout).toContain(option);
    for (const [variable, key] of [
      ["NEXTSTRAIN_AWS_BATCH_JOB", "[aws-batch] job"],
      ["NEXTSTRAIN_AWS_BATCH_QUEUE", "[aws-batch] queue"],
      ["NEXTSTRAIN_AWS_BATCH_S3_BUCKET", "[aws-batch] s3-bucket"],
      ["NEXTSTRAIN_AWS_BATCH_CPUS", "[aws-batch] cpus"],
      ["NEXTSTRAIN_AWS_BATCH_MEMORY", "[aws-batch] memory"],
      ["NEXTSTRAIN_DOCKER_IMAGE", "[docker] image"],
    ]) {
      expect(result.stdout).toContain(`env ${variable}; config ${key}`);
    }
  });

  it("reports a usage error on stderr with exit status 2 (C4)", () => {
    const result = run("build", "--aws-batch", "--cpus", "2.5", ".");
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "usage: nextstrain-ts build [options] <directory> [...]\n       nextstrain-ts build --help\n" +
        "nextstrain-ts build: error: argument --cpus: invalid int value: '2.5' (a whole number is needed, e.g. 8)\n",
    );
  });
});
