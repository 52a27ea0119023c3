/** The plan of setup: what it wants from the settings, and create / exists / differs against what is found. */
import { describe, expect, it } from "vitest";
import { parseIni } from "../../../src/config/configparser.js";
import { resolveSettings, type SettingFlags } from "../../../src/config/resolve.js";
import { compare, describePlanItem, desiredResources, updatable, type Resource } from "../../../src/setup/plan.js";
import { desiredSpec, withTag } from "../../../src/setup/spec.js";

function resources(flags: SettingFlags = {}): Resource[] {
  const { settings } = resolveSettings({ flags, env: {}, config: parseIni(""), configPath: "/c" });
  return desiredResources(desiredSpec(settings, { account: "123456789012", version: "1.2.3", network: { subnets: ["subnet-b", "subnet-a"], securityGroups: ["sg-1"] } }));
}

const find = (list: Resource[], kind: string, name?: string) => list.find((resource) => resource.kind === kind && (name === undefined || resource.name === name)) as Resource;

describe("desiredResources", () => {
  it("wants the documented set-up by default, in the order it is created", () => {
    expect(resources().map((resource) => `${resource.kind} ${resource.name}`)).toEqual([
      "S3 bucket nextstrain-jobs",
      "log group /aws/batch/job",
      "IAM policy NextstrainJobsBucketAccess",
      "IAM policy NextstrainJobsBatchAccess",
      "IAM policy NextstrainJobsLogsAccess",
      "IAM role NextstrainJobsRole",
      "IAM role ecsInstanceRole",
      "instance profile ecsInstanceRole",
      "service-linked role AWSServiceRoleForBatch",
      "compute environment nextstrain-compute",
      "job queue nextstrain-job-queue",
      "job definition nextstrain-job",
    ]);
  });

  it.each([
    { flags: {}, kind: "S3 bucket", props: { "objects expire": "after 30 days", "incomplete uploads aborted": "after 7 days", "public access": "blocked" } },
    { flags: { expireDays: "45" }, kind: "log group", props: { retention: "60 days" } },
    { flags: {}, kind: "compute environment", props: { type: "EC2", "min vCPUs": "0", "max vCPUs": "64", "instance types": "optimal", subnets: "subnet-a,subnet-b", "launch template": "none" } },
    { flags: { spot: true, maxVcpus: "256", instanceTypes: "c5,m5.large" } as SettingFlags, kind: "compute environment", props: { type: "SPOT", "max vCPUs": "256", "instance types": "c5,m5.large" } },
    { flags: { disk: "100" }, kind: "compute environment", props: { "launch template": "nextstrain-compute-disk" } },
    {
      flags: { capacityWait: "120" },
      kind: "job queue",
      props: { state: "ENABLED", "time limits": "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY after 7200 s, MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE after 600 s, MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT after 600 s" },
    },
    { flags: { image: "nextstrain/base" }, kind: "job definition", props: { image: "nextstrain/base:latest", "job role": "arn:aws:iam::123456789012:role/NextstrainJobsRole", vCPUs: "4", "memory (MiB)": "7500", attempts: "1", "timeout (s)": "14400" } },
  ])("$kind from $flags", ({ flags, kind, props }) => {
    expect(find(resources(flags), kind).props).toMatchObject(props);
  });

  it("adds a launch template for --disk and a group for --users-group, with every user policy", () => {
    const list = resources({ disk: "200", usersGroup: "nextstrain-users" });
    expect(find(list, "launch template").props).toEqual({ "root volume": "200 GiB gp3, deleted on termination" });
    expect(find(list, "IAM group", "nextstrain-users").props).toEqual({ "policy NextstrainJobsBucketAccess": "attached", "policy NextstrainJobsBatchAccess": "attached", "policy NextstrainJobsLogsAccess": "attached" });
  });

  it("names an image without a tag with :latest, and keeps a tag or digest", () => {
    expect(["nextstrain/base", "nextstrain/base:build-1", "localhost:5000/base", "a/b@sha256:00"].map(withTag)).toEqual(["nextstrain/base:latest", "nextstrain/base:build-1", "localhost:5000/base:latest", "a/b@sha256:00"]);
  });
});

describe("compare", () => {
  const queue = find(resources(), "job queue");
  const environment = find(resources(), "compute environment");

  it.each([
    { name: "nothing found: create", resource: queue, actual: undefined, action: "create", line: "create   job queue nextstrain-job-queue" },
    { name: "found as wanted: exists", resource: queue, actual: { ...queue.props }, action: "exists", line: "exists   job queue nextstrain-job-queue" },
    {
      name: "found disabled: differs, with what",
      resource: queue,
      actual: { ...queue.props, state: "DISABLED" },
      action: "differs",
      line: "differs  job queue nextstrain-job-queue: state is DISABLED, wanted ENABLED",
    },
    {
      name: "a property not found reads as none",
      resource: environment,
      actual: { ...environment.props, "launch template": undefined as unknown as string },
      action: "exists",
      line: "exists   compute environment nextstrain-compute",
    },
  ])("$name", ({ resource, actual, action, line }) => {
    const item = compare(resource, actual as Record<string, string> | undefined);
    expect(item.action).toBe(action);
    expect(describePlanItem(item)).toBe(line);
  });

  it("lets --update change what AWS changes in place, and only that", () => {
    expect(updatable(compare(queue, { ...queue.props, state: "DISABLED" }))).toBe(true);
    expect(updatable(compare(environment, { ...environment.props, "max vCPUs": "16" }))).toBe(true);
    expect(updatable(compare(environment, { ...environment.props, subnets: "subnet-x" }))).toBe(false);
  });
});
