// Compute environments and job queues: what Batch refuses at once, what an
// update may change, and the status walks (CREATING / UPDATING / DELETING to
// VALID, INVALID or gone) on a fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { InstanceType } from "../../local-aws/batch/capacity.js";
import { environmentUpdate, newEnvironmentFields, SERVICE_LINKED_ROLE } from "../../local-aws/batch/environment-rules.js";
import { BatchApiError } from "../../local-aws/batch/errors.js";
import type { ComputeEnvironment, JsonObject } from "../../local-aws/batch/model.js";
import { checkTimeLimitActions } from "../../local-aws/batch/queue-rules.js";
import { Registry } from "../../local-aws/batch/registry.js";

const KNOWN: Record<string, InstanceType[]> = {
  "m5.large": [{ name: "m5.large", vcpus: 2, memoryMiB: 8192 }],
  c5: [{ name: "c5.large", vcpus: 2, memoryMiB: 4096 }, { name: "c5.4xlarge", vcpus: 16, memoryMiB: 32768 }],
};
const unknownTypes = (names: readonly string[]) => names.filter((n) => !KNOWN[n]);

const resources = (over: JsonObject = {}): JsonObject => ({
  type: "EC2", maxvCpus: 16, instanceTypes: ["m5.large"], subnets: ["subnet-1"], securityGroupIds: ["sg-1"], instanceRole: "ecsInstanceRole", ...over,
});

describe("CreateComputeEnvironment checks", () => {
  it("fills what Batch fills: the service-linked role, minvCpus 0, desiredvCpus, BEST_FIT, ENABLED", () => {
    expect(newEnvironmentFields({ type: "MANAGED", computeResources: resources() }, unknownTypes)).toEqual({
      type: "MANAGED",
      state: "ENABLED",
      serviceRole: SERVICE_LINKED_ROLE,
      computeResources: { ...resources(), minvCpus: 0, desiredvCpus: 0, allocationStrategy: "BEST_FIT" },
    });
  });

  it("takes a service role by name", () => {
    expect(newEnvironmentFields({ type: "MANAGED", serviceRole: "service-role/AWSBatchServiceRole", computeResources: resources() }, unknownTypes).serviceRole).toBe(
      "arn:aws:iam::123456789012:role/service-role/AWSBatchServiceRole",
    );
  });

  it.each([
    ["no type", { computeResources: resources() }, /type must be MANAGED or UNMANAGED/],
    ["managed without resources", { type: "MANAGED" }, /computeResources is required/],
    ["Fargate", { type: "MANAGED", computeResources: resources({ type: "FARGATE" }) }, /FARGATE is not emulated/],
    ["an unknown instance type", { type: "MANAGED", computeResources: resources({ instanceTypes: ["m5.large", "x9.huge"] }) }, /"x9.huge" is none of these/],
    ["no subnets", { type: "MANAGED", computeResources: resources({ subnets: [] }) }, /subnets must list at least one/],
    ["no security group and no launch template", { type: "MANAGED", computeResources: resources({ securityGroupIds: undefined }) }, /One or more security groups/],
    ["minvCpus above maxvCpus", { type: "MANAGED", computeResources: resources({ minvCpus: 32 }) }, /minvCpus \(32\) must not exceed maxvCpus \(16\)/],
    ["desiredvCpus out of bounds", { type: "MANAGED", computeResources: resources({ desiredvCpus: 17 }) }, /desiredvCpus \(17\) must be between/],
    ["a role for the instance role", { type: "MANAGED", computeResources: resources({ instanceRole: "arn:aws:iam::123456789012:role/ecsInstanceRole" }) }, /should be an ECS Instance Profile ARN/],
    ["SPOT with BEST_FIT and no fleet role", { type: "MANAGED", computeResources: resources({ type: "SPOT" }) }, /spotIamFleetRole is required/],
    ["a spot strategy on EC2", { type: "MANAGED", computeResources: resources({ allocationStrategy: "SPOT_CAPACITY_OPTIMIZED" }) }, /only for SPOT/],
    ["a bid above 100 %", { type: "MANAGED", computeResources: resources({ type: "SPOT", allocationStrategy: "SPOT_CAPACITY_OPTIMIZED", bidPercentage: 101 }) }, /bidPercentage/],
    ["a launch template by id and name", { type: "MANAGED", computeResources: resources({ launchTemplate: { launchTemplateId: "lt-1", launchTemplateName: "x" } }) }, /but not both/],
    ["resources on an unmanaged one", { type: "UNMANAGED", computeResources: resources() }, /only for MANAGED/],
  ])("refuses %s", (_, request, message) => {
    expect(() => newEnvironmentFields(request, unknownTypes)).toThrow(BatchApiError);
    expect(() => newEnvironmentFields(request, unknownTypes)).toThrow(message);
  });

  it("accepts families, a launch template instead of groups, and SPOT with a capacity-optimised strategy", () => {
    const request = { type: "MANAGED", computeResources: resources({ type: "SPOT", allocationStrategy: "SPOT_CAPACITY_OPTIMIZED", instanceTypes: ["c5"], securityGroupIds: undefined, launchTemplate: { launchTemplateName: "disk" } }) };
    expect(newEnvironmentFields(request, unknownTypes).computeResources?.instanceTypes).toEqual(["c5"]);
  });
});

describe("UpdateComputeEnvironment checks", () => {
  const current = (over: Partial<ComputeEnvironment> = {}): ComputeEnvironment => ({
    computeEnvironmentName: "ce",
    computeEnvironmentArn: "arn:aws:batch:us-east-1:123456789012:compute-environment/ce",
    type: "MANAGED",
    state: "ENABLED",
    status: "VALID",
    serviceRole: SERVICE_LINKED_ROLE,
    tags: {},
    computeResources: newEnvironmentFields({ type: "MANAGED", computeResources: resources({ desiredvCpus: 4 }) }, unknownTypes).computeResources,
    ...over,
  });

  it("changes min/max/desired vCPUs whatever the strategy (a scaling update)", () => {
    const update = environmentUpdate(current(), { computeResources: { maxvCpus: 64, desiredvCpus: 8 } }, unknownTypes);
    expect(update.computeResources).toMatchObject({ maxvCpus: 64, desiredvCpus: 8 });
    expect(update.infrastructure).toBe(false);
  });

  it("keeps desiredvCpus within new bounds when lowering maxvCpus", () => {
    expect(environmentUpdate(current(), { computeResources: { maxvCpus: 2 } }, unknownTypes).computeResources?.desiredvCpus).toBe(2);
  });

  it.each([
    ["instance types under BEST_FIT", current(), { computeResources: { instanceTypes: ["c5"] } }, /Updating instanceTypes needs the AWSServiceRoleForBatch service-linked role and the BEST_FIT_PROGRESSIVE/],
    ["a regular service role on a service-linked one", current(), { serviceRole: "arn:aws:iam::123456789012:role/mine" }, /cannot change to a regular IAM role/],
    ["BEST_FIT as the new strategy", current(), { computeResources: { allocationStrategy: "BEST_FIT" } }, /BEST_FIT isn't supported when updating/],
    ["a lower desiredvCpus", current(), { computeResources: { desiredvCpus: 2 } }, /desiredvCpus can only grow: it is 4, not 2/],
    ["resources of an unmanaged one", current({ type: "UNMANAGED", computeResources: undefined }), { computeResources: { maxvCpus: 4 } }, /UNMANAGED/],
  ])("refuses %s", (_, environment, request, message) => expect(() => environmentUpdate(environment, request, unknownTypes)).toThrow(message));

  it("lets a BEST_FIT_PROGRESSIVE environment with the service-linked role change its instances (an infrastructure update)", () => {
    const progressive = current({ computeResources: { ...current().computeResources!, allocationStrategy: "BEST_FIT_PROGRESSIVE" } });
    const update = environmentUpdate(progressive, { computeResources: { instanceTypes: ["c5"], subnets: ["subnet-2"] } }, unknownTypes);
    expect(update).toMatchObject({ infrastructure: true, computeResources: { instanceTypes: ["c5"], subnets: ["subnet-2"] } });
  });
});

describe("job queue time limits", () => {
  it("takes RUNNABLE / CANCEL actions of 600 to 86,400 seconds", () => {
    const action = { reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", state: "RUNNABLE", maxTimeSeconds: 600, action: "CANCEL" };
    expect(checkTimeLimitActions([action])).toEqual([action]);
    expect(checkTimeLimitActions(undefined)).toEqual([]);
  });

  it.each([
    [{ reason: "x", state: "RUNNABLE", maxTimeSeconds: 599, action: "CANCEL" }, /between 600 and 86400/],
    [{ reason: "x", state: "RUNNABLE", maxTimeSeconds: 86_401, action: "CANCEL" }, /between 600 and 86400/],
    [{ reason: "x", state: "STARTING", maxTimeSeconds: 600, action: "CANCEL" }, /state must be RUNNABLE/],
    [{ reason: "x", state: "RUNNABLE", maxTimeSeconds: 600, action: "TERMINATE" }, /action must be CANCEL/],
    [{ state: "RUNNABLE", maxTimeSeconds: 600, action: "CANCEL" }, /reason is required/],
  ])("refuses %j", (action, message) => expect(() => checkTimeLimitActions([action])).toThrow(message));
});

describe("status walks", () => {
  let problem: string | undefined;
  let registry: Registry;
  const changes: string[] = [];

  beforeEach(() => {
    vi.useFakeTimers();
    problem = undefined;
    changes.length = 0;
    registry = new Registry({
      region: "us-east-1",
      delays: { computeEnvironmentMs: 1000, jobQueueMs: 500 },
      checks: { environmentProblem: async () => problem },
      instanceTypes: { resolve: async () => {}, types: (name) => KNOWN[name] ?? [] },
      onChange: () => changes.push("change"),
    });
  });
  afterEach(() => {
    registry.shutdown();
    vi.useRealTimers();
  });

  const create = (name: string) => registry.createComputeEnvironment({ computeEnvironmentName: name, type: "MANAGED", computeResources: resources() });
  const queue = (name: string, environment: string) =>
    registry.createJobQueue({ jobQueueName: name, priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment }] });

  it("walks an environment CREATING to VALID after the delay, and a queue likewise", async () => {
    const environment = await create("ce");
    expect(environment.status).toBe("CREATING");
    expect(() => queue("q", "ce")).toThrow(/is CREATING; it must be VALID before a job queue can use it/);
    await vi.advanceTimersByTimeAsync(999);
    expect(environment.status).toBe("CREATING");
    await vi.advanceTimersByTimeAsync(1);
    expect(environment).toMatchObject({ status: "VALID", statusReason: "ComputeEnvironment Healthy" });
    const q = queue("q", "ce");
    expect(q).toMatchObject({ status: "CREATING", computeEnvironmentOrder: [{ order: 1, computeEnvironment: environment.computeEnvironmentArn }] });
    await vi.advanceTimersByTimeAsync(500);
    expect(q).toMatchObject({ status: "VALID", statusReason: "JobQueue Healthy" });
    expect(changes.length).toBeGreaterThanOrEqual(4);
  });

  it("makes an environment INVALID with the checks' reason, and UPDATING walks again", async () => {
    problem = "CLIENT_ERROR - Invalid IamInstanceProfile: ecsInstanceRole";
    const environment = await create("ce");
    await vi.advanceTimersByTimeAsync(1000);
    expect(environment).toMatchObject({ status: "INVALID", statusReason: problem });
    problem = undefined;
    await registry.updateComputeEnvironment({ computeEnvironment: "ce", computeResources: { maxvCpus: 32 } });
    expect(environment.status).toBe("UPDATING");
    await expect(registry.updateComputeEnvironment({ computeEnvironment: "ce", state: "DISABLED" })).rejects.toThrow(/while it is UPDATING/);
    await vi.advanceTimersByTimeAsync(1000);
    expect(environment).toMatchObject({ status: "VALID", computeResources: { maxvCpus: 32 } });
  });

  it("deletes only what is DISABLED and unused, DELETING first, then DELETED: still listed, no longer found, its name free again", async () => {
    await create("ce");
    await vi.advanceTimersByTimeAsync(1000);
    queue("q", "ce");
    await vi.advanceTimersByTimeAsync(500);
    expect(() => registry.deleteComputeEnvironment("ce")).toThrow(/is ENABLED: disable it first/);
    await registry.updateComputeEnvironment({ computeEnvironment: "ce", state: "DISABLED" });
    await vi.advanceTimersByTimeAsync(1000);
    expect(() => registry.deleteComputeEnvironment("ce")).toThrow("Cannot delete, found existing JobQueue relationship");
    expect(() => registry.deleteJobQueue("q")).toThrow(/job queue q is ENABLED/);
    registry.updateJobQueue({ jobQueue: "q", state: "DISABLED" });
    await vi.advanceTimersByTimeAsync(500);
    registry.deleteJobQueue("q");
    expect(registry.findJobQueue("q")?.status).toBe("DELETING");
    await vi.advanceTimersByTimeAsync(500);
    expect(registry.findJobQueue("q")).toBeUndefined();
    expect(registry.queues.map((q) => [q.jobQueueName, q.status])).toEqual([["q", "DELETED"]]);
    registry.deleteComputeEnvironment("ce");
    expect(registry.findComputeEnvironment("ce")?.status).toBe("DELETING");
    await vi.advanceTimersByTimeAsync(1000);
    expect(registry.findComputeEnvironment("ce")).toBeUndefined();
    expect(registry.environments.map((e) => e.status)).toEqual(["DELETED"]);
    await create("ce");
    expect(registry.environments.map((e) => e.status)).toEqual(["CREATING"]);
  });

  it("refuses a name already taken, and settles seeded resources at once", async () => {
    const seeded = await registry.createComputeEnvironment({ computeEnvironmentName: "ce", type: "MANAGED", computeResources: resources() }, { settled: true });
    expect(seeded.status).toBe("VALID");
    await expect(create("ce")).rejects.toThrow("Object already exists: ce");
  });
});
