// Where the emulator places a RUNNABLE job and why it waits: instance capacity
// less what the ECS agent keeps, maxvCpus, free vCPUs, and the queue's time limits.
import { describe, expect, it } from "vitest";
import { familiesOf, holds, isMetal, jobMemoryMiB, largestInstance, RESERVED_MEMORY_MIB, type InstanceType } from "../../local-aws/batch/capacity.js";
import {
  COMPUTE_ENVIRONMENT_MAX_RESOURCE,
  dueAction,
  JOB_RESOURCE_REQUIREMENT,
  place,
  timeLimitReason,
  type EnvironmentView,
  type TimeLimitAction,
} from "../../local-aws/batch/placement.js";

// Figures as DescribeInstanceTypes gives them.
const m5large: InstanceType = { name: "m5.large", vcpus: 2, memoryMiB: 8192 };
const c54xlarge: InstanceType = { name: "c5.4xlarge", vcpus: 16, memoryMiB: 32768 };
const r524xlarge: InstanceType = { name: "r5.24xlarge", vcpus: 96, memoryMiB: 786432 };

describe("capacity", () => {
  it("keeps back the 32 MiB the Batch AMI reserves for the ECS agent", () => {
    expect(RESERVED_MEMORY_MIB).toBe(32);
    expect(jobMemoryMiB(8192)).toBe(8160);
    expect(holds(m5large, { vcpus: 2, memoryMiB: 8160 })).toBe(true);
    expect(holds(m5large, { vcpus: 2, memoryMiB: 8161 })).toBe(false);
    expect(holds(m5large, { vcpus: 3, memoryMiB: 1 })).toBe(false);
  });

  it("offers the most vCPUs and memory of any one instance", () => {
    expect(largestInstance([m5large, c54xlarge])).toEqual({ vcpus: 16, memoryMiB: 32736 });
    expect(largestInstance([])).toEqual({ vcpus: 0, memoryMiB: 0 });
  });

  it.each([
    ["optimal", ["m6i", "c6i", "r6i", "c7i"]],
    ["default_x86_64", ["m6i", "c6i", "r6i", "c7i"]],
    ["default_arm64", ["m6g", "c6g", "r6g", "c7g"]],
    ["c5", ["c5"]],
    ["c5.large", undefined],
  ])("%s stands for the families %j", (name, families) => expect(familiesOf(name)).toEqual(families));

  it.each([
    ["c5.metal", true],
    ["c7i.metal-24xl", true],
    ["c5.24xlarge", false],
  ])("%s is bare metal: %s", (name, metal) => expect(isMetal(name)).toBe(metal));
});

describe("place", () => {
  const environment = (over: Partial<EnvironmentView>): EnvironmentView => ({ name: "ce", usable: true, maxvCpus: 16, usedvCpus: 0, types: [c54xlarge], ...over });

  it.each([
    ["fits: the first environment with room", { vcpus: 4, memoryMiB: 8000 }, [environment({ name: "a" }), environment({ name: "b" })], { kind: "place", environment: "a" }],
    ["the first is full: the next one", { vcpus: 4, memoryMiB: 8000 }, [environment({ name: "a", usedvCpus: 14 }), environment({ name: "b" })], { kind: "place", environment: "b" }],
    ["all full: waits its turn, no reason", { vcpus: 4, memoryMiB: 8000 }, [environment({ usedvCpus: 13 })], { kind: "wait" }],
    ["no instance type holds it", { vcpus: 17, memoryMiB: 1 }, [environment({})], { kind: "wait", statusReason: JOB_RESOURCE_REQUIREMENT }],
    ["memory less the reserve does not hold it", { vcpus: 1, memoryMiB: 32768 }, [environment({})], { kind: "wait", statusReason: JOB_RESOURCE_REQUIREMENT }],
    ["an instance holds it, but maxvCpus is smaller", { vcpus: 32, memoryMiB: 1 }, [environment({ maxvCpus: 16, types: [r524xlarge] })], { kind: "wait", statusReason: COMPUTE_ENVIRONMENT_MAX_RESOURCE }],
    ["a disabled or invalid environment is not looked at", { vcpus: 1, memoryMiB: 1 }, [environment({ usable: false })], { kind: "wait" }],
    ["only usable environments count for the reason", { vcpus: 32, memoryMiB: 1 }, [environment({ usable: false, types: [r524xlarge], maxvCpus: 96 }), environment({})], { kind: "wait", statusReason: JOB_RESOURCE_REQUIREMENT }],
    ["no environments at all", { vcpus: 1, memoryMiB: 1 }, [], { kind: "wait" }],
  ])("%s", (_, request, environments, expected) => expect(place(request, environments)).toEqual(expected));

  it("writes Batch's status reasons word for word", () => {
    expect(JOB_RESOURCE_REQUIREMENT).toBe(
      "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.",
    );
    expect(COMPUTE_ENVIRONMENT_MAX_RESOURCE).toBe("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.");
    expect(timeLimitReason("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT")).toBe("Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT");
  });
});

describe("dueAction", () => {
  const action = (reason: string, maxTimeSeconds: number): TimeLimitAction => ({ reason, state: "RUNNABLE", maxTimeSeconds, action: "CANCEL" });
  const actions = [action("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", 3600), action("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", 600), action("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY", 7200)];

  it("matches the reason's code, and the shortest limit wins", () => {
    expect(dueAction(actions, JOB_RESOURCE_REQUIREMENT)).toEqual(action("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", 600));
  });

  it.each([
    ["no reason: waiting its turn", undefined],
    ["another code", COMPUTE_ENVIRONMENT_MAX_RESOURCE],
  ])("none for %s", (_, reason) => expect(dueAction(actions, reason)).toBeUndefined());

  it("takes no glob: MISCONFIGURATION:* names no reason Batch writes", () => {
    expect(dueAction([action("MISCONFIGURATION:*", 600)], JOB_RESOURCE_REQUIREMENT)).toBeUndefined();
  });
});
