/**
 * Bad input never gets a stack trace: each case asserts the exit status and that
 * the message names what to change (R4; C4, C30, C33, C34, C39).
 */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMain } from "../../helpers/io.js";

const scratch = mkdtempSync(join(tmpdir(), "nextstrain-ts-bad-input-"));
const buildDir = join(scratch, "build");
mkdirSync(buildDir);
writeFileSync(join(scratch, "a-file"), "not a directory");
const malformed = join(scratch, "malformed.ini");
writeFileSync(malformed, "[aws-batch]\nqueue = q\nqueue = r\n");
const unreadable = join(scratch, "unreadable.ini");
writeFileSync(unreadable, "[aws-batch]\n");
chmodSync(unreadable, 0o000);
const noSection = join(scratch, "nosection.ini");
writeFileSync(noSection, "queue = q\n");
const loneDollar = join(scratch, "percent.ini");
writeFileSync(loneDollar, "[aws-batch]\nqueue = 100%\n");
const notUtf8 = join(scratch, "latin1.ini");
writeFileSync(notUtf8, Buffer.concat([Buffer.from("[aws-batch]\n# caf\u00e9 is fine\nqueue = caf"), Buffer.from([0xe9]), Buffer.from("\n")]));
const configDir = join(scratch, "config-dir");
mkdirSync(configDir);
const loopA = join(scratch, "loop-a");
symlinkSync(join(scratch, "loop-b"), loopA);
symlinkSync(loopA, join(scratch, "loop-b"));
const homeWithFile = join(scratch, "home-with-file");
mkdirSync(homeWithFile);
writeFileSync(join(homeWithFile, "jobs"), "a file where the job records folder should be");
const dockerRunner = join(scratch, "docker.ini");
writeFileSync(dockerRunner, "[core]\nrunner = docker\n");
const batchRunner = join(scratch, "batch.ini");
writeFileSync(batchRunner, "[core]\nrunner = aws-batch\n");

afterAll(() => chmodSync(unreadable, 0o600));

interface Case {
  name: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  status: number;
  /** What the message must name. */
  names: (string | RegExp)[];
  /** A bad setting value: exit status 2 as in the Nextstrain CLI, but no usage text. */
  setting?: true;
  /** What the message must not say. */
  not?: string[];
}

// The runner message ("runs builds on AWS Batch only ... runner = aws-batch") waits for a directory.
const RUNNER_MESSAGE = ["AWS Batch only", "runner = aws-batch"];

const CASES: Case[] = [
  { name: "unknown flag", argv: ["build", "--aws-batch", "--frobnicate", buildDir], status: 2, names: ["unknown option '--frobnicate'"] },
  { name: "unknown flag with a suggestion", argv: ["build", "--aws-bach", buildDir], status: 2, names: ["--aws-bach", "--aws-batch"] },
  { name: "ambiguous prefix", argv: ["build", "--aws-batch-", "4", buildDir], status: 2, names: ["--aws-batch-", "--aws-batch-cpus", "--aws-batch-queue"] },
  { name: "ambiguous --no", argv: ["build", "--no", buildDir], status: 2, names: ["--no-logs", "--no-download"] },
  { name: "--cpus not a number", argv: ["build", "--aws-batch", "--cpus", "four", buildDir], status: 2, names: ["argument --cpus", "'four'"] },
  { name: "--cpus a fraction", argv: ["build", "--aws-batch", "--cpus", "2.5", buildDir], status: 2, names: ["argument --cpus: invalid int value: '2.5'"] },
  { name: "--cpus negative", argv: ["build", "--aws-batch", "--cpus", "-2", buildDir], status: 2, names: ["argument --cpus", "'-2'"] },
  { name: "--aws-batch-cpus not a number", argv: ["build", "--aws-batch", "--aws-batch-cpus", "x", buildDir], status: 2, names: ["argument --aws-batch-cpus", "'x'"] },
  { name: "--aws-batch-memory with a unit", argv: ["build", "--aws-batch", "--aws-batch-memory", "14gib", buildDir], status: 2, names: ["argument --aws-batch-memory", "'14gib'"] },
  { name: "--memory unknown unit", argv: ["build", "--aws-batch", "--memory", "14tb", buildDir], status: 2, names: ["argument --memory: invalid byte_quantity value: '14tb'", "gib"] },
  { name: "--memory without number", argv: ["build", "--aws-batch", "--memory", "gib", buildDir], status: 2, names: ["argument --memory", "'gib'"] },
  { name: "--memory negative", argv: ["build", "--aws-batch", "--memory", "-1gb", buildDir], status: 2, names: ["argument --memory", "negative"] },
  { name: "--memory infinite", argv: ["build", "--aws-batch", "--memory", "inf", buildDir], status: 2, names: ["argument --memory", "finite"] },
  { name: "--memory beyond what AWS Batch accepts", argv: ["build", "--aws-batch", "--memory", "99999999999999GiB", buildDir], status: 2, names: ["argument --memory: invalid value: '99999999999999GiB'", "102399999999998976 MiB is more than AWS Batch accepts", "at most 2147483647 MiB"] },
  { name: "--memory below what AWS Batch accepts", argv: ["build", "--aws-batch", "--memory", "3MiB", buildDir], status: 2, names: ["argument --memory: invalid value: '3MiB'", "at least 4 MiB"] },
  { name: "--aws-batch-memory beyond what AWS Batch accepts", argv: ["build", "--aws-batch", "--aws-batch-memory", "2147483648", buildDir], status: 2, names: ["argument --aws-batch-memory: invalid value: '2147483648'", "at most 2147483647 MiB"] },
  { name: "--cpus beyond what AWS Batch accepts", argv: ["build", "--aws-batch", "--cpus", "99999999999", buildDir], status: 2, names: ["argument --cpus: invalid value: '99999999999'", "at most 2147483647"] },
  { name: "--aws-batch-cpus beyond what AWS Batch accepts", argv: ["build", "--aws-batch", "--aws-batch-cpus", "2147483648", buildDir], status: 2, names: ["argument --aws-batch-cpus: invalid value: '2147483648'"] },
  { name: "--cpus missing its value", argv: ["build", "--aws-batch", "--cpus"], status: 2, names: ["--cpus"] },
  { name: "--envdir not a directory", argv: ["build", "--aws-batch", "--envdir", join(scratch, "nope"), buildDir], status: 2, names: ["argument --envdir: not a directory"] },
  { name: "two runtimes", argv: ["build", "--aws-batch", "--docker", buildDir], status: 2, names: ["argument --docker: not allowed with argument --aws-batch"] },
  { name: "another runtime", argv: ["build", "--conda", buildDir], status: 2, names: ["--conda", "--aws-batch"] },
  { name: "missing directory", argv: ["build", "--aws-batch"], status: 2, names: ["<directory> is required"] },
  { name: "missing directory, no runtime chosen", argv: ["build"], status: 2, names: ["<directory> is required"], not: RUNNER_MESSAGE },
  { name: "missing directory, config runner docker", argv: ["build"], env: { NEXTSTRAIN_CONFIG: dockerRunner }, status: 2, names: ["<directory> is required"], not: RUNNER_MESSAGE },
  { name: "missing directory, config runner aws-batch", argv: ["build"], env: { NEXTSTRAIN_CONFIG: batchRunner }, status: 2, names: ["<directory> is required"] },
  { name: "attach without directory but with download", argv: ["build", "--aws-batch", "--attach", "job-1"], status: 2, names: ["<directory> is required"] },
  { name: "no command", argv: [], status: 2, names: ["build, attach, jobs, logs, setup, check-setup or teardown"] },
  { name: "setup for another runtime", argv: ["setup", "docker"], status: 2, names: ["invalid choice: 'docker'"] },
  { name: "setup with a bad expire-days", argv: ["setup", "--aws-batch", "--expire-days", "0"], status: 2, names: ["argument --expire-days", "from 1 to 3653"] },
  { name: "teardown with a setting only setup takes", argv: ["teardown", "--aws-batch", "--dry-run", "--max-vcpus", "4"], status: 2, names: ["unknown option '--max-vcpus'"] },
  { name: "unknown command", argv: ["frobnicate"], status: 2, names: ["frobnicate"] },
  { name: "attach without job id", argv: ["attach"], status: 2, names: ["job-id"] },
  { name: "missing path (relative)", argv: ["build", "--aws-batch", "no-such-dir"], status: 1, names: ["Build path 'no-such-dir' does not exist or is not a directory.", "Perhaps your current working directory"] },
  { name: "path is a file", argv: ["build", "--aws-batch", join(scratch, "a-file")], status: 1, names: ["does not exist or is not a directory"] },
  { name: "--attach without --aws-batch", argv: ["build", "--attach", "job-1", buildDir], status: 1, names: ["only supported when using the AWS Batch runtime", "Did you forget to specify --aws-batch?"] },
  { name: "--detach without --aws-batch", argv: ["build", "--detach", buildDir], status: 1, names: ["--detach", "Did you forget to specify --aws-batch?"] },
  { name: "--cancel without --aws-batch, checked before the directory", argv: ["build", "--cancel", "no-such-dir"], status: 1, names: ["Did you forget to specify --aws-batch?"] },
  { name: "no runtime chosen", argv: ["build", buildDir], status: 1, names: ["--aws-batch", "runner = aws-batch"] },
  { name: "config runner docker", argv: ["build", buildDir], env: { NEXTSTRAIN_CONFIG: dockerRunner }, status: 1, names: ["docker", dockerRunner, "runner = aws-batch"] },
  { name: "malformed config file", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: malformed }, status: 1, names: [`${malformed}, line 3`, 'key "queue" appears twice'] },
  { name: "config line outside a section", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: noSection }, status: 1, names: [`${noSection}, line 1`] },
  { name: "config file not UTF-8", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: notUtf8 }, status: 1, names: [`${notUtf8}, line 3`, "not valid UTF-8"] },
  { name: "config file is a directory", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: configDir }, status: 1, names: [`${configDir} is a directory`, "NEXTSTRAIN_CONFIG"], not: ["permissions"] },
  { name: "config file is a symlink loop", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: loopA }, status: 1, names: [`${loopA} is a symlink loop`, "NEXTSTRAIN_CONFIG"], not: ["permissions", "symlink to nothing"] },
  { name: "jobs when its records folder is a file", argv: ["jobs"], env: { NEXTSTRAIN_HOME: homeWithFile }, status: 1, names: [`The job records folder ${join(homeWithFile, "jobs")} is a file, not a folder.`, `rm ${join(homeWithFile, "jobs")}`] },
  { name: "config lone percent", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: loneDollar }, status: 1, names: [loneDollar, '"%%"'] },
  { name: "bad memory in env", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_AWS_BATCH_MEMORY: "abc" }, status: 2, names: ["NEXTSTRAIN_AWS_BATCH_MEMORY=abc is not a number of MiB"], setting: true },
  { name: "memory in env beyond what AWS Batch accepts", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_AWS_BATCH_MEMORY: "99999999999999" }, status: 2, names: ["NEXTSTRAIN_AWS_BATCH_MEMORY=99999999999999", "at most 2147483647 MiB"], setting: true },
  { name: "memory in env below what AWS Batch accepts", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_AWS_BATCH_MEMORY: "2" }, status: 2, names: ["NEXTSTRAIN_AWS_BATCH_MEMORY=2", "at least 4 MiB"], setting: true },
  { name: "cpus in env beyond what AWS Batch accepts", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_AWS_BATCH_CPUS: "4294967296" }, status: 2, names: ["NEXTSTRAIN_AWS_BATCH_CPUS=4294967296", "at most 2147483647"], setting: true },
  { name: "bad cpus in env", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_AWS_BATCH_CPUS: "1.5" }, status: 2, names: ["NEXTSTRAIN_AWS_BATCH_CPUS=1.5"], setting: true },
  { name: "bad bucket URL flag", argv: ["build", "--aws-batch", "--aws-batch-s3-bucket", "gs://x/y", buildDir], status: 2, names: ["--aws-batch-s3-bucket gs://x/y", "s3://"], setting: true },
  { name: "bucket without a name", argv: ["build", "--aws-batch", "--aws-batch-s3-bucket", "s3://", buildDir], status: 2, names: ["no bucket name"], setting: true },
  { name: "bad bucket in env", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_AWS_BATCH_S3_BUCKET: "has space" }, status: 2, names: ["NEXTSTRAIN_AWS_BATCH_S3_BUCKET=has space"], setting: true },
];

if (process.getuid?.() !== 0) {
  CASES.push({ name: "unreadable config file", argv: ["build", "--aws-batch", buildDir], env: { NEXTSTRAIN_CONFIG: unreadable }, status: 1, names: [unreadable, "NEXTSTRAIN_CONFIG"] });
}

describe("bad input (R4)", () => {
  it("has at least 25 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(25));

  it.each(CASES)("$name: exit $status", async ({ argv, env, status, names, setting, not }) => {
    const result = await runMain(argv, { env: env ?? {}, cwd: scratch });
    expect(result.status).toBe(status);
    for (const name of names) {
      if (typeof name === "string") expect(result.stderr).toContain(name);
      else expect(result.stderr).toMatch(name);
    }
    for (const absent of not ?? []) expect(result.stderr).not.toContain(absent);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe("");
    // Command-line mistakes show the usage; everything else is one "Error:" paragraph.
    if (status === 2 && !setting) expect(result.stderr).toMatch(/^usage: nextstrain-ts/);
    else expect(result.stderr).toMatch(/^Error: /);
  });
});

describe("errors render once, with details only on request", () => {
  it("prints a stack trace with NEXTSTRAIN_DEBUG", async () => {
    const result = await runMain(["build", "--aws-batch", "no-such-dir"], { env: { NEXTSTRAIN_DEBUG: "1" }, cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^\s+at /m);
  });
});
