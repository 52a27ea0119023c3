/**
 * The settings table: every setting of the tool, one row each, in the order
 * `--dry-run` shows them. Each comes from its flag, else the first non-empty
 * environment variable, else the config file (or the AWS profile), else its
 * default (C37); the defaults are the Nextstrain CLI's (C38), so an AWS
 * account set up for it works unchanged.
 *
 * A new setting is a new row here: resolution (resolve.ts), the commands'
 * `--help` (src/cli/), `--dry-run` (src/ui/settings-table.ts), the hints of
 * bad values and of missing AWS resources (explain.ts) are made from it.
 */
import { vcpuProblem, memoryProblem } from "./batch-limits.js";
import { bytesToMiB } from "./quantities.js";
import { row, type SettingsTable } from "./setting-row.js";
import { duration, onOff, RETRIES, TAGS } from "./run-value-types.js";
import { BUCKET, BYTES, count, RUNTIME, TEXT, TEXT_OR_NONE, YES_NO } from "./value-types.js";

const ANY_COMMAND = ["build", "attach", "jobs", "logs"] as const;

/** An AWS service's endpoint: its own variable, else AWS_ENDPOINT_URL for all, else AWS's. */
function endpoint(label: string, variable: string) {
  return row({ label, env: [variable, "AWS_ENDPOINT_URL"], type: TEXT_OR_NONE, default: { shows: "(AWS)" }, commands: ANY_COMMAND });
}

/** A request of AWS Batch in whole units; none when zero. */
const someOf = (value: unknown): number | undefined => (typeof value === "number" && value > 0 ? value : undefined);

export const SETTINGS = {
  runtime: row({
    label: "runtime",
    flag: { name: "--aws-batch", sets: "aws-batch", help: "Run the build on AWS Batch", group: "runtime" },
    config: { section: "core", key: "runner" },
    type: RUNTIME,
    default: { text: "docker" },
    commands: ["build"],
  }),
  job: row({
    label: "job definition",
    flag: { name: "--aws-batch-job", argument: "<name>", help: "Job definition to use", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_JOB"],
    config: { section: "aws-batch", key: "job" },
    type: TEXT,
    default: { text: "nextstrain-job" },
    names: { kind: "job definition" },
    commands: ["build"],
  }),
  queue: row({
    label: "job queue",
    flag: { name: "--aws-batch-queue", argument: "<name>", help: "Job queue to use", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_QUEUE"],
    config: { section: "aws-batch", key: "queue" },
    type: TEXT,
    default: { text: "nextstrain-job-queue" },
    names: { kind: "job queue" },
    commands: ["build"],
  }),
  bucket: row({
    label: "S3 bucket",
    flag: { name: "--aws-batch-s3-bucket", argument: "<[s3://]name[/prefix]>", help: "S3 bucket (with an optional key prefix) for the build's files", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_S3_BUCKET"],
    config: { section: "aws-batch", key: "s3-bucket" },
    type: BUCKET,
    default: { text: "nextstrain-jobs" },
    names: { kind: "S3 bucket", of: (location) => location.bucket },
    commands: ["build"],
  }),
  cpus: row({
    label: "workflow CPUs",
    flag: { name: "--cpus", argument: "<count>", help: "Number of vCPUs for the job, also given to Snakemake as --cores", group: "resources" },
    type: count({ what: "a number of vCPUs", example: "8", limit: vcpuProblem }),
    default: {},
    commands: ["build"],
  }),
  memory: row({
    label: "workflow memory",
    flag: {
      name: "--memory",
      argument: "<quantity>",
      help: "Memory for the job, e.g. 14GiB or 1.5GB (units b, kb, mb, gb, kib, mib, gib), also given to Snakemake as mem_mb",
      group: "resources",
    },
    type: BYTES,
    default: {},
    commands: ["build"],
  }),
  // What AWS Batch is asked for: a non-zero --aws-batch-cpus / --aws-batch-memory (or
  // their defaults), else --cpus / --memory, else the job definition's (C22, C23).
  vcpus: row({
    label: "vCPUs",
    flag: { name: "--aws-batch-cpus", argument: "<count>", help: "vCPUs to request, overriding --cpus for AWS only", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_CPUS"],
    config: { section: "aws-batch", key: "cpus" },
    type: count({ what: "a number of vCPUs", example: "8", limit: vcpuProblem }),
    default: { follows: "cpus", as: someOf, otherwise: { origin: "the job definition" } },
    commands: ["build"],
  }),
  memoryMiB: row({
    label: "memory (MiB)",
    flag: { name: "--aws-batch-memory", argument: "<mebibytes>", help: "Memory in MiB to request, overriding --memory for AWS only", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_MEMORY"],
    config: { section: "aws-batch", key: "memory" },
    type: count({ what: "a number of MiB", example: "14336", limit: memoryProblem }),
    default: { follows: "memory", as: (bytes) => someOf(typeof bytes === "number" ? bytesToMiB(bytes) : undefined), otherwise: { origin: "the job definition" } },
    commands: ["build"],
  }),
  image: row({
    label: "image",
    flag: { name: "--image", argument: "<image>", help: "Container image to run the job in", group: "resources" },
    env: ["NEXTSTRAIN_DOCKER_IMAGE"],
    config: { section: "docker", key: "image" },
    type: TEXT,
    default: { text: "nextstrain/base" },
    names: { kind: "image" },
    commands: ["build"],
  }),
  // Whether this machine's AWS credentials travel to the job with the other
  // forwarded variables (C16); without them the job relies on its job role.
  forwardAwsCredentials: row({
    label: "forward AWS credentials",
    flag: {
      name: "--no-forward-aws-credentials",
      sets: false,
      help: "Never pass this machine's AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) to the job, which then relies on its job role",
      group: "aws-batch",
    },
    env: ["NEXTSTRAIN_FORWARD_AWS_CREDENTIALS"],
    config: { section: "aws-batch", key: "forward-aws-credentials" },
    type: YES_NO,
    default: { text: "yes" },
    commands: ["build"],
  }),
  // Not in the Nextstrain CLI: what keeps a job from waiting in silence (docs/jobs.md).
  preflight: row({
    label: "pre-flight check",
    flag: { name: "--no-preflight", sets: false, help: "Skip the check, before uploading, that the queue can ever place the job", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_PREFLIGHT"],
    config: { section: "aws-batch", key: "preflight" },
    type: onOff("no"),
    default: { text: "yes" },
    commands: ["build"],
  }),
  keepWaiting: row({
    label: "keep waiting",
    flag: { name: "--keep-waiting", sets: true, help: "Keep waiting for a job AWS Batch says can never start as submitted, instead of cancelling it", group: "job" },
    env: ["NEXTSTRAIN_AWS_BATCH_KEEP_WAITING"],
    config: { section: "aws-batch", key: "keep-waiting" },
    type: onOff("yes"),
    default: { text: "no" },
    commands: ["build", "attach"],
  }),
  diagnoseAfter: row({
    label: "diagnose RUNNABLE after",
    flag: { name: "--diagnose-after", argument: "<duration>", help: "How long a job may sit RUNNABLE with no reason before the tool says what is likely holding it", group: "job" },
    env: ["NEXTSTRAIN_AWS_BATCH_DIAGNOSE_AFTER"],
    config: { section: "aws-batch", key: "diagnose-after" },
    type: duration({ minimum: 1 }),
    default: { text: "5m" },
    commands: ["build", "attach"],
  }),
  maxRunnable: row({
    label: "max RUNNABLE time",
    flag: { name: "--max-runnable", argument: "<duration>", help: "Cancel the job (exit status 1) if it has not started after this long RUNNABLE", group: "job" },
    env: ["NEXTSTRAIN_AWS_BATCH_MAX_RUNNABLE"],
    config: { section: "aws-batch", key: "max-runnable" },
    type: duration({ minimum: 1 }),
    default: {},
    commands: ["build", "attach"],
  }),
  retries: row({
    label: "retries",
    flag: { name: "--retry", argument: "<n>", help: "Try the job again up to <n> times when its instance is lost (a Spot reclaim), never when the workflow fails", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_RETRY"],
    config: { section: "aws-batch", key: "retry" },
    type: RETRIES,
    default: { text: "0" },
    commands: ["build"],
  }),
  fallbackQueue: row({
    label: "fallback queue",
    flag: { name: "--fallback-queue", argument: "<name>", help: "Submit once more to this queue (say, on-demand) when every attempt was lost to the infrastructure", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_FALLBACK_QUEUE"],
    config: { section: "aws-batch", key: "fallback-queue" },
    type: TEXT_OR_NONE,
    default: {},
    names: { kind: "job queue" },
    commands: ["build"],
  }),
  timeout: row({
    label: "timeout",
    flag: { name: "--timeout", argument: "<duration>", help: "Stop each attempt of the job after this long (AWS Batch's attemptDurationSeconds, at least 60s)", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_TIMEOUT"],
    config: { section: "aws-batch", key: "timeout" },
    type: duration({ minimum: 60, why: "AWS Batch's shortest timeout" }),
    default: { shows: "(the job definition's)" },
    commands: ["build"],
  }),
  tags: row({
    label: "tags",
    flag: { name: "--tag", argument: "<key=value>", help: "Tag the job, and the instances and tasks that run it (repeatable)", group: "aws-batch", repeatable: true },
    env: ["NEXTSTRAIN_AWS_BATCH_TAGS"],
    config: { section: "aws-batch", key: "tags" },
    type: TAGS,
    default: {},
    commands: ["build"],
  }),
  name: row({
    label: "job name",
    flag: { name: "--name", argument: "<name>", help: "A readable name for the job in AWS Batch (the run id stays the archive's name)", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_NAME"],
    config: { section: "aws-batch", key: "name" },
    type: TEXT_OR_NONE,
    default: { shows: "(the run id)" },
    commands: ["build"],
  }),
  // The Nextstrain CLI (botocore) reads AWS_DEFAULT_REGION, then the profile's region,
  // then uses us-east-1; the JavaScript SDK reads only AWS_REGION (C42, C120).
  region: row({
    label: "region",
    env: ["AWS_REGION", "AWS_DEFAULT_REGION"],
    awsProfile: "region",
    type: TEXT,
    default: { text: "us-east-1" },
    names: { kind: "region" },
    // `jobs` asks each job's own region.
    commands: ["build", "attach", "logs"],
  }),
  s3Endpoint: endpoint("S3 endpoint", "AWS_ENDPOINT_URL_S3"),
  batchEndpoint: endpoint("Batch endpoint", "AWS_ENDPOINT_URL_BATCH"),
  logsEndpoint: endpoint("Logs endpoint", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"),
  ec2Endpoint: endpoint("EC2 endpoint", "AWS_ENDPOINT_URL_EC2"),
} satisfies SettingsTable;
