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
import { row, type CommandName, type DefaultSpec, type SettingRow, type SettingsTable } from "./setting-row.js";
import { duration, onOff, RETRIES, TAGS } from "./run-value-types.js";
import { BOOLEAN, BUCKET, BYTES, count, LIST, LIST_OR_NONE, NAME_OR_NONE, RUNTIME, TEXT, TEXT_OR_NONE, wholeNumber, YES_NO } from "./value-types.js";

const ANY_COMMAND = ["build", "attach", "jobs", "logs", "setup", "check-setup", "teardown"] as const;
/** The commands that set an account up, check it, and take it down again. */
const SET_UP = ["setup", "check-setup", "teardown"] as const;
/** The build's resources, named by the same settings when they are set up and checked (teardown finds Batch's by their tag). */
const BUILD_AND_SET_UP = ["build", "setup", "check-setup"] as const;

/** An AWS service's endpoint: its own variable, else AWS_ENDPOINT_URL for all, else AWS's. */
function endpoint(label: string, variable: string, commands: readonly CommandName[] = ANY_COMMAND) {
  return row({ label, env: [variable, "AWS_ENDPOINT_URL"], type: TEXT_OR_NONE, default: { shows: "(AWS)" }, commands });
}

/** A setting of what `setup` creates: flag, variable and `[aws-batch]` key named alike. */
function setupRow<T>(key: string, spec: Omit<SettingRow<T>, "flag" | "env" | "config" | "commands"> & { argument?: string; help: string; sets?: T; commands?: readonly CommandName[] }) {
  const { argument, help, sets, commands, ...rest } = spec;
  const variable = `NEXTSTRAIN_AWS_BATCH_${key.toUpperCase().replace(/-/g, "_")}`;
  return row<T, SettingRow<T>>({
    ...rest,
    flag: { name: `--${key}`, argument, sets, help, group: "setup" },
    env: [variable],
    config: { section: "aws-batch", key },
    commands: commands ?? ["setup"],
  } as SettingRow<T> & { default: DefaultSpec<T> });
}

/**
 * What `setup` creates besides the names above: the compute environment and its
 * instances, the job definition's defaults, how long objects and logs are kept,
 * and how long a job may wait RUNNABLE for capacity.
 */
const SETUP_SETTINGS = {
  computeEnvironment: setupRow<string>("compute-environment", {
    label: "compute environment",
    argument: "<name>",
    help: "Compute environment that setup creates behind the job queue",
    type: TEXT,
    default: { text: "nextstrain-compute" },
  }),
  expireDays: setupRow<number>("expire-days", {
    label: "days kept",
    argument: "<days>",
    help: "Days the bucket keeps a build's files, and the log group its logs (rounded up to a retention CloudWatch Logs offers)",
    type: wholeNumber({ what: "a number of days", min: 1, max: 3653, example: "30" }),
    default: { text: "30" },
  }),
  spot: setupRow<boolean>("spot", { label: "spot instances", sets: true, help: "Run jobs on Spot instances (cheaper, may be reclaimed) instead of on-demand ones", type: BOOLEAN, default: { text: "false" } }),
  maxVcpus: setupRow<number>("max-vcpus", {
    label: "max vCPUs",
    argument: "<count>",
    help: "The most vCPUs the compute environment runs at once, across all jobs",
    type: wholeNumber({ what: "a number of vCPUs", min: 1, max: 100000, example: "64" }),
    default: { text: "64" },
  }),
  instanceTypes: setupRow<readonly string[]>("instance-types", {
    label: "instance types",
    argument: "<types>",
    help: "EC2 instance types or families for the compute environment, comma-separated (optimal lets Batch choose)",
    type: LIST,
    default: { text: "optimal" },
  }),
  disk: setupRow<number | undefined>("disk", {
    label: "disk (GiB)",
    argument: "<GiB>",
    help: "Root volume of each instance, in GiB (gp3, through a launch template); without it, the AMI's own",
    type: wholeNumber({ what: "a disk size in GiB", min: 30, max: 16384, example: "100" }),
    default: { shows: "(the AMI's own)" },
  }),
  subnets: setupRow<readonly string[] | undefined>("subnets", {
    label: "subnets",
    argument: "<ids>",
    help: "Subnets for the instances, comma-separated",
    type: LIST_OR_NONE,
    default: { shows: "(the default VPC's)" },
  }),
  securityGroups: setupRow<readonly string[] | undefined>("security-groups", {
    label: "security groups",
    argument: "<ids>",
    help: "Security groups for the instances, comma-separated",
    type: LIST_OR_NONE,
    default: { shows: "(the default VPC's default group)" },
  }),
  usersGroup: setupRow<string | undefined>("users-group", {
    label: "users group",
    argument: "<name>",
    help: "An IAM group with the policies users need to run builds (teardown empties and removes it)",
    type: NAME_OR_NONE,
    default: { shows: "(none)" },
    commands: ["setup", "teardown"],
  }),
  capacityWait: setupRow<number>("capacity-wait", {
    label: "capacity wait (minutes)",
    argument: "<minutes>",
    help: "Minutes a job may wait RUNNABLE for instances EC2 cannot provide before the queue cancels it",
    type: wholeNumber({ what: "a number of minutes", min: 10, max: 1440, example: "60" }),
    default: { text: "60" },
  }),
  jobCpus: setupRow<number>("job-cpus", {
    label: "job definition vCPUs",
    argument: "<count>",
    help: "vCPUs the job definition asks for when a build does not say",
    type: wholeNumber({ what: "a number of vCPUs", min: 1, max: 4096, example: "4" }),
    default: { text: "4" },
  }),
  jobMemory: setupRow<number>("job-memory", {
    label: "job definition memory (MiB)",
    argument: "<mebibytes>",
    help: "Memory in MiB the job definition asks for when a build does not say",
    type: wholeNumber({ what: "a number of MiB", min: 4, max: 2147483647, example: "7500" }),
    default: { text: "7500" },
  }),
} satisfies SettingsTable;

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
    commands: BUILD_AND_SET_UP,
  }),
  queue: row({
    label: "job queue",
    flag: { name: "--aws-batch-queue", argument: "<name>", help: "Job queue to use", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_QUEUE"],
    config: { section: "aws-batch", key: "queue" },
    type: TEXT,
    default: { text: "nextstrain-job-queue" },
    names: { kind: "job queue" },
    commands: BUILD_AND_SET_UP,
  }),
  bucket: row({
    label: "S3 bucket",
    flag: { name: "--aws-batch-s3-bucket", argument: "<[s3://]name[/prefix]>", help: "S3 bucket (with an optional key prefix) for the build's files", group: "aws-batch" },
    env: ["NEXTSTRAIN_AWS_BATCH_S3_BUCKET"],
    config: { section: "aws-batch", key: "s3-bucket" },
    type: BUCKET,
    default: { text: "nextstrain-jobs" },
    names: { kind: "S3 bucket", of: (location) => location.bucket },
    commands: [...BUILD_AND_SET_UP, "teardown"],
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
    commands: ["build", "setup"],
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
  // Not in the Nextstrain CLI, which always uploads everything (P6).
  fullUpload: row({
    label: "full upload",
    flag: {
      name: "--full-upload",
      sets: true,
      help: "Upload the whole build directory, even where the previous run's archive in S3 holds unchanged files that could be copied from it",
      group: "files",
    },
    type: YES_NO,
    default: { text: "no" },
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
    commands: ["build", "attach", "logs", ...SET_UP],
  }),
  s3Endpoint: endpoint("S3 endpoint", "AWS_ENDPOINT_URL_S3"),
  batchEndpoint: endpoint("Batch endpoint", "AWS_ENDPOINT_URL_BATCH"),
  logsEndpoint: endpoint("Logs endpoint", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"),
  iamEndpoint: endpoint("IAM endpoint", "AWS_ENDPOINT_URL_IAM", SET_UP),
  // The pre-flight check before a build reads instance types from EC2, as setup and check-setup do.
  ec2Endpoint: endpoint("EC2 endpoint", "AWS_ENDPOINT_URL_EC2"),
  stsEndpoint: endpoint("STS endpoint", "AWS_ENDPOINT_URL_STS", SET_UP),
  ...SETUP_SETTINGS,
} satisfies SettingsTable;
