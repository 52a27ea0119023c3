// Pure rules of the Batch emulator: overrides, attempt outcomes, failures asked for, image names.
import { describe, expect, it } from "vitest";
import { parseFailureRequest, takeFailure, type FailureRequest } from "../../local-aws/batch/failures.js";
import { imageDirectory, splitImage } from "../../local-aws/batch/images.js";
import { containerResources, mergeEnvironment, mergeRequirements } from "../../local-aws/batch/model.js";
import { attemptOutcome, OUT_OF_MEMORY_REASON, TIMEOUT_REASON } from "../../local-aws/batch/outcome.js";

describe("resources and overrides", () => {
  it("takes VCPU and MEMORY from requirements before the legacy fields", () => {
    expect(containerResources([{ type: "VCPU", value: "4" }], { vcpus: 2, memory: 100 })).toEqual({ vcpus: 4, memoryMiB: 100 });
  });
  it("replaces requirements and variables of the same kind, keeps the others", () => {
    expect(mergeRequirements([{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "512" }], [{ type: "VCPU", value: "8" }])).toEqual([{ type: "MEMORY", value: "512" }, { type: "VCPU", value: "8" }]);
    expect(mergeEnvironment([{ name: "A", value: "1" }, { name: "B", value: "2" }], [{ name: "A", value: "3" }])).toEqual([{ name: "B", value: "2" }, { name: "A", value: "3" }]);
  });
});

describe("attemptOutcome", () => {
  it.each([
    ["exit 0", undefined, 0, { succeeded: true, retriable: false, statusReason: "Essential container in task exited", exitCode: 0 }],
    ["exit 2", undefined, 2, { succeeded: false, retriable: true, statusReason: "Essential container in task exited", exitCode: 2 }],
    ["user stop", { kind: "user", reason: "stopped by user" } as const, 137, { succeeded: false, retriable: false, statusReason: "stopped by user", exitCode: 137 }],
    ["timeout", { kind: "timeout" } as const, 137, { succeeded: false, retriable: false, statusReason: TIMEOUT_REASON, exitCode: 137 }],
    ["out of memory", { kind: "out-of-memory" } as const, 137, { succeeded: false, retriable: true, statusReason: "Essential container in task exited", exitCode: 137, reason: OUT_OF_MEMORY_REASON }],
    ["instance lost", { kind: "instance-terminated", instanceId: "i-1" } as const, 137, { succeeded: false, retriable: true, statusReason: "Host EC2 (instance i-1) terminated." }],
  ])("%s", (_, cause, exitCode, expected) => expect(attemptOutcome(cause, exitCode)).toEqual(expected));

  it("names the image that cannot be pulled", () => {
    expect(attemptOutcome({ kind: "cannot-pull", image: "x/y:1" }, undefined).reason).toMatch(/^CannotPullContainerError: .*x\/y:1/);
  });
});

describe("failures asked for", () => {
  it("checks the control API's request", () => {
    expect(parseFailureRequest({ kind: "instance-terminated", attempts: [1], afterMs: 100 })).toEqual({ kind: "instance-terminated", attempts: [1], afterMs: 100 });
    expect(() => parseFailureRequest({ kind: "meteor" })).toThrow(/kind must be one of/);
    expect(() => parseFailureRequest({ kind: "out-of-memory", attempts: [0] })).toThrow(/attempt numbers from 1 to 10/);
  });

  it("gives each attempt the failure meant for it; one without attempts goes to the first attempt that runs", () => {
    const failures: FailureRequest[] = [{ kind: "instance-terminated", attempts: [1, 3] }, { kind: "out-of-memory" }];
    expect([1, 2, 3, 4].map((n) => takeFailure(failures, n)?.kind)).toEqual(["instance-terminated", "out-of-memory", "instance-terminated", undefined]);
  });
});

describe("images", () => {
  it.each([
    ["nextstrain/base", { repository: "nextstrain/base", tag: "latest" }],
    ["nextstrain/base:build-1", { repository: "nextstrain/base", tag: "build-1" }],
    ["host:5000/x", { repository: "host:5000/x", tag: "latest" }],
    ["host:5000/x:tag", { repository: "host:5000/x", tag: "tag" }],
  ])("splits %s", (image, expected) => expect(splitImage(image)).toEqual(expected));

  it("prefers an exact repo:tag entry, else the repository's", () => {
    const images = { "nextstrain/base": "/any", "nextstrain/base:special": "/special" };
    expect(imageDirectory(images, "nextstrain/base:special")).toBe("/special");
    expect(imageDirectory(images, "nextstrain/base:other")).toBe("/any");
    expect(imageDirectory(images, "other/image")).toBeUndefined();
  });
});
