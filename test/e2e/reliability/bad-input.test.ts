// R4: bad input gets a clear error naming what to change, the right exit
// status, no stack trace, and no local file touched. Some inputs are not
// errors by design (a FIFO is skipped with a warning, a symlink to a file is
// uploaded as its contents); those cases assert the designed behaviour.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { FaultRule } from "../../local-aws/faults.js";
import { localAws, nextstrainTs, run, BINARY, scratchDir, type RunResult } from "../../local-aws/run.js";
import { SCRIPT, writeFiles } from "../build/fixtures.js";
import { ownKey, snapshot, STACK_TRACE } from "./helpers.js";

const { control } = localAws();

interface Case {
  name: string;
  /** Not an error by design: what the case shows is the designed behaviour. */
  designed?: string;
  /** Prepares the build directory (and its parent, `outside`); answers extra arguments or environment. */
  setup?: (dir: string, outside: string) => { args?: string[]; env?: Record<string, string> } | void;
  /** The command line; the build directory is last unless given. */
  args?: (dir: string) => string[];
  faults?: Omit<FaultRule, "accessKeyId">[];
  /** Run in the build directory. */
  inDir?: boolean;
  /** Run without the privilege to read other users' files (the tests run as root). */
  unprivileged?: boolean;
  status: number;
  stderr?: RegExp;
  stdout?: RegExp;
  /** Looked for on stderr in every error case: a flag, variable, setting or path to change. */
  names?: RegExp;
}

const OK_SCRIPT = "#!/bin/sh\ntrue\n";
const DROP_CAPS = ["--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"];

const cases: Case[] = [
  // Paths
  { name: "directory missing", args: (dir) => [...SCRIPT, path.join(dir, "absent")], status: 1, stderr: /Build path '.*absent' does not exist or is not a directory/ },
  { name: "path is a file", args: (dir) => [...SCRIPT, path.join(dir, "run.sh")], status: 1, stderr: /is not a directory/ },
  { name: "path is a dangling symlink", setup: (dir) => void symlinkSync("nowhere", path.join(dir, "gone")), args: (dir) => [...SCRIPT, path.join(dir, "gone")], status: 1, stderr: /does not exist or is not a directory/ },
  { name: "path is an empty string", designed: "the current directory, as Path('') is '.' for the Nextstrain CLI", inDir: true, args: () => [...SCRIPT, ""], status: 0, stdout: /Uploading .*build to S3/ },
  { name: "no directory given", args: () => ["build", "--aws-batch"], status: 2, stderr: /directory/ },
  { name: "build directory unreadable", unprivileged: true, setup: (dir) => void chmodSync(dir, 0o000), status: 1, stderr: /permission|not allowed|read/i, names: /build|dir/ },
  // What is in the build directory
  { name: "unreadable file inside", unprivileged: true, setup: (dir) => (writeFileSync(path.join(dir, "secret.tsv"), "x"), chmodSync(path.join(dir, "secret.tsv"), 0o000)), status: 1, stderr: /secret\.tsv/ },
  { name: "unreadable directory inside", unprivileged: true, setup: (dir) => (mkdirSync(path.join(dir, "locked")), chmodSync(path.join(dir, "locked"), 0o000)), status: 1, stderr: /locked/ },
  { name: "FIFO inside", designed: "skipped with a warning", setup: (dir) => void execFileSync("mkfifo", [path.join(dir, "pipe")]), status: 0, stderr: /Not uploading .*pipe: it is a named pipe \(FIFO\)/ },
  { name: "socket inside", designed: "skipped with a warning", setup: (dir) => void createServer().listen(path.join(dir, "sock")).unref(), status: 0, stderr: /Not uploading .*sock: it is a socket/ },
  { name: "symlink to a file inside the root", designed: "uploaded as the file's contents", setup: (dir) => (writeFileSync(path.join(dir, "real.txt"), "real\n"), symlinkSync("real.txt", path.join(dir, "alias.txt"))), args: (dir) => [...SCRIPT.slice(0, 2), "--exec", "cat", dir, "alias.txt"], status: 0, stdout: /\[batch\] \[[^\]]+\] real$/m },
  { name: "symlink to a file outside the root", designed: "uploaded as the file's contents", setup: (dir, outside) => (writeFileSync(path.join(outside, "shared.txt"), "shared\n"), symlinkSync(path.join(outside, "shared.txt"), path.join(dir, "shared.txt"))), args: (dir) => [...SCRIPT.slice(0, 2), "--exec", "cat", dir, "shared.txt"], status: 0, stdout: /\[batch\] \[[^\]]+\] shared$/m },
  { name: "symlink to a directory outside the root", designed: "uploaded as the directory's contents", setup: (dir, outside) => (writeFiles(outside, { "lib/x.txt": "lib\n" }), symlinkSync(path.join(outside, "lib"), path.join(dir, "lib"))), args: (dir) => [...SCRIPT.slice(0, 2), "--exec", "cat", dir, "lib/x.txt"], status: 0, stdout: /\[batch\] \[[^\]]+\] lib$/m },
  { name: "dangling symlink inside", designed: "skipped with a warning", setup: (dir) => void symlinkSync("missing.txt", path.join(dir, "broken")), status: 0, stderr: /Not uploading .*broken: it is a symlink to nothing/ },
  { name: "symlink loop to the root", designed: "skipped with a warning", setup: (dir) => void symlinkSync(".", path.join(dir, "loop")), status: 0, stderr: /Not uploading .*loop: it is a symlink to one of its own parent directories/ },
  { name: "symlink to itself", designed: "skipped with a warning", setup: (dir) => void symlinkSync("self", path.join(dir, "self")), status: 0, stderr: /Not uploading .*self: it is a symlink to nothing/ },
  { name: "name with a newline", designed: "uploaded under its name (the job's unzip then drops the newline)", setup: (dir) => writeFileSync(path.join(dir, "two\nlines.txt"), "nl\n"), args: (dir) => [...SCRIPT.slice(0, 2), "--exec", "ls", "--no-download", dir], status: 0, stdout: /zipping: .*two\nlines\.txt/ },
  { name: "name not valid UTF-8", designed: "skipped with a warning naming it", setup: (dir) => writeFileSync(Buffer.from(`${dir}/bad\xff.txt`, "latin1"), "x"), status: 0, stderr: /Not uploading .*bad\uFFFD\.txt: its name is not valid UTF-8; rename it/ },
  // Settings
  { name: "--memory with an unknown unit", args: (dir) => [...SCRIPT, "--memory", "12zz", dir], status: 2, stderr: /argument --memory: invalid/ },
  { name: "--cpus negative", args: (dir) => [...SCRIPT, "--cpus", "-1", dir], status: 2, stderr: /argument --cpus/ },
  { name: "--aws-batch-cpus not a number", args: (dir) => [...SCRIPT, "--aws-batch-cpus", "abc", dir], status: 2, stderr: /argument --aws-batch-cpus/ },
  { name: "NEXTSTRAIN_AWS_BATCH_MEMORY not a number", setup: () => ({ env: { NEXTSTRAIN_AWS_BATCH_MEMORY: "lots" } }), status: 2, stderr: /Set NEXTSTRAIN_AWS_BATCH_MEMORY to a whole number/ },
  { name: "image name invalid", args: (dir) => [...SCRIPT, "--image", "bad image!", dir], status: 1, stderr: /Invalid container image name "bad image!" \(from --image\)/ },
  { name: "--job-info names a directory", args: (dir) => [...SCRIPT, "--job-info", path.dirname(dir), dir], status: 1, stderr: /--job-info .* is a directory, not a file/ },
  { name: "--job-info in a directory that cannot be written", unprivileged: true, setup: (_dir, outside) => (mkdirSync(path.join(outside, "ro")), chmodSync(path.join(outside, "ro"), 0o555)), args: (dir) => [...SCRIPT, "--job-info", path.join(path.dirname(dir), "ro", "job.json"), dir], status: 1, stderr: /--job-info .*ro\/job\.json cannot be written: no permission to write in .*ro\./ },
  { name: "image repository with upper case", args: (dir) => [...SCRIPT, "--image", "NextStrain/Base", dir], status: 1, stderr: /Invalid container image name "NextStrain\/Base" \(from --image\): its repository "NextStrain\/Base" has upper-case letters: by Docker's reference grammar/ },
  { name: "--memory beyond what AWS Batch accepts", args: (dir) => [...SCRIPT, "--memory", "99999999999999GiB", dir], status: 2, stderr: /argument --memory: invalid value: '99999999999999GiB' \(102399999999998976 MiB is more than AWS Batch accepts for a job \(at most 2147483647 MiB, 2 PiB\)\)/ },
  { name: "bucket URL without a bucket", args: (dir) => [...SCRIPT, "--aws-batch-s3-bucket", "s3://", dir], status: 2, stderr: /Set --aws-batch-s3-bucket to a bucket name/ },
  { name: "unknown option", args: (dir) => [...SCRIPT, "--frobnicate", dir], status: 2, stderr: /--frobnicate/ },
  { name: "attach without a job id", args: () => ["attach"], status: 2, stderr: /job/i },
  { name: "malformed config file", setup: (dir, outside) => (writeFileSync(path.join(outside, "config"), "[aws-batch\nqueue = x\n"), { env: { NEXTSTRAIN_CONFIG: path.join(outside, "config") } }), status: 1, stderr: /Config file .*config, line 1/ },
  { name: "config file not UTF-8", setup: (_dir, outside) => (writeFileSync(path.join(outside, "config"), Buffer.from("[aws-batch]\nqueue = caf\xe9\n", "latin1")), { env: { NEXTSTRAIN_CONFIG: path.join(outside, "config") } }), status: 1, stderr: /Config file .*config, line 2: the line is not valid UTF-8 text/ },
  { name: "jobs with a file for its records folder", setup: (_dir, outside) => (writeFileSync(path.join(outside, "jobs"), "x"), { env: { NEXTSTRAIN_HOME: outside } }), args: () => ["jobs"], status: 1, stderr: /The job records folder .*jobs is a file, not a folder/ },
  { name: "config file with a bad memory value", setup: (dir, outside) => (writeFileSync(path.join(outside, "config"), "[aws-batch]\nmemory = lots\n"), { env: { NEXTSTRAIN_CONFIG: path.join(outside, "config") } }), status: 2, stderr: /memory/ },
  // AWS resources and credentials
  { name: "bucket missing", args: (dir) => [...SCRIPT, "--aws-batch-s3-bucket", "reliability-no-such-bucket", dir], status: 1, stderr: /Unable to read from S3 bucket "reliability-no-such-bucket"[\s\S]*--aws-batch-s3-bucket/ },
  { name: "access denied to the bucket", faults: [{ kind: "access-denied", service: "s3" }], status: 1, stderr: /Unable to read from S3 bucket "nextstrain-jobs"[\s\S]*lack permissions/ },
  { name: "access denied to upload", faults: [{ kind: "access-denied", service: "s3", operation: "PutObject" }], status: 1, stderr: /access denied[\s\S]*s3:PutObject/ },
  { name: "access denied to Batch", faults: [{ kind: "access-denied", service: "batch" }], status: 1, stderr: /AccessDenied[\s\S]*Job submission failed/ },
  { name: "queue missing", args: (dir) => [...SCRIPT, "--aws-batch-queue", "reliability-no-queue", dir], status: 1, stderr: /job queue "reliability-no-queue" was not found in region us-east-1[\s\S]*--aws-batch-queue/ },
  { name: "wrong region: the queue is not found, naming the region in use", setup: () => ({ env: { AWS_REGION: "eu-north-1", AWS_DEFAULT_REGION: "eu-north-1" } }), args: (dir) => [...SCRIPT, "--aws-batch-queue", "reliability-other-region", dir], status: 1, stderr: /not found in region eu-north-1[\s\S]*AWS_REGION/ },
  { name: "job definition missing", args: (dir) => [...SCRIPT, "--aws-batch-job", "reliability-no-definition", dir], status: 1, stderr: /job definition «reliability-no-definition» does not exist[\s\S]*--aws-batch-job/ },
  {
    name: "corrupt job record",
    setup: (_dir, outside) => {
      mkdirSync(path.join(outside, "home", "jobs"), { recursive: true });
      writeFileSync(path.join(outside, "home", "jobs", "11111111-1111-4111-8111-111111111111.json"), '{"schema": 1, "jobId": "11111111-');
      return { env: { NEXTSTRAIN_HOME: path.join(outside, "home") } };
    },
    args: () => ["attach", "11111111-1111-4111-8111-111111111111"],
    status: 1,
    stderr: /The job record .*11111111-1111-4111-8111-111111111111\.json is damaged: not JSON/,
    names: /Delete it \(rm /,
  },
  { name: "unknown job id", args: (dir) => ["attach", "00000000-0000-4000-8000-000000000000", dir], status: 1, stderr: /Invalid or unknown job id 00000000-0000-4000-8000-000000000000 \(in region us-east-1\)/ },
  { name: "expired credentials (S3)", faults: [{ kind: "expired-token", service: "s3", operation: "CreateMultipartUpload" }, { kind: "expired-token", service: "s3", operation: "PutObject" }], status: 1, stderr: /credentials have expired[\s\S]*Renew them/ },
  { name: "expired credentials (Batch)", faults: [{ kind: "expired-token", service: "batch" }], status: 1, stderr: /credentials have expired[\s\S]*Renew them/ },
  { name: "no credentials at all", setup: (dir, outside) => ({ env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_SHARED_CREDENTIALS_FILE: path.join(outside, "none"), AWS_CONFIG_FILE: path.join(outside, "none"), AWS_EC2_METADATA_DISABLED: "true" } }), status: 1, stderr: /No AWS credentials were found[\s\S]*AWS_ACCESS_KEY_ID/ },
];

/** Runs a case; checks that nothing under the build directory's parent changed. */
async function runCase(c: Case): Promise<RunResult> {
  const outside = scratchDir("r4");
  const dir = path.join(outside, "build");
  writeFiles(dir, { "run.sh": OK_SCRIPT });
  const extra = c.setup?.(dir, outside) ?? {};
  const { accessKeyId, env } = ownKey("r4");
  for (const rule of c.faults ?? []) await control.addFault({ ...rule, accessKeyId });
  const args = c.args ? c.args(dir) : [...SCRIPT, ...(extra.args ?? []), dir];
  const options = { env: { ...env, ...extra.env }, cwd: c.inDir ? dir : undefined };
  const before = snapshot(outside);
  const result = c.unprivileged ? await run("setpriv", [...DROP_CAPS, process.execPath, BINARY, ...args], options) : await nextstrainTs(args, options);
  expect(snapshot(outside), "local files changed").toEqual(before);
  return result;
}

describe.concurrent("R4: bad input", () => {
  it.each(cases.map((c) => [c.designed ? `${c.name} (by design: ${c.designed})` : c.name, c] as const))("%s", async (_name, c) => {
    const result = await runCase(c);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(c.status);
    if (c.stderr) expect(result.stderr).toMatch(c.stderr);
    if (c.stdout) expect(result.stdout).toMatch(c.stdout);
    if (c.names) expect(result.stderr).toMatch(c.names);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr).not.toMatch(/unexpected error|probably a bug/);
  });
});
