import type { JobDefinition } from "@aws-sdk/client-batch";
import { describe, expect, it } from "vitest";
import {
  checkDerivedDefinition,
  chooseDefinition,
  derivedDefinitionName,
  latestActiveRevision,
  registrationInput,
} from "../../../src/aws/job-definition.js";
import { JobDefinitionNotFound } from "../../../src/aws/resource-errors.js";
import { UserError } from "../../../src/errors.js";

const definition = (revision: number, image = "nextstrain/base", more: Partial<JobDefinition> = {}): JobDefinition => ({
  jobDefinitionName: "nextstrain-job",
  jobDefinitionArn: `arn:aws:batch:us-east-1:123456789012:job-definition/nextstrain-job:${revision}`,
  revision,
  status: "ACTIVE",
  type: "container",
  containerProperties: { image, command: ["true"], environment: [{ name: "A", value: "1" }] },
  ...more,
});

const thrown = (action: () => unknown): UserError => {
  try {
    action();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error("expected a UserError");
};

describe("latestActiveRevision (C63)", () => {
  it("takes the highest revision, whatever the order", () => {
    expect(latestActiveRevision([definition(3), definition(7), definition(5)])?.revision).toBe(7);
  });
  it("ignores inactive revisions", () => {
    expect(latestActiveRevision([definition(3), definition(7, "x", { status: "INACTIVE" })])?.revision).toBe(3);
  });
  it("finds nothing in an empty page", () => {
    expect(latestActiveRevision([])).toBeUndefined();
    expect(latestActiveRevision([definition(2, "x", { status: "INACTIVE" })])).toBeUndefined();
  });
});

describe("chooseDefinition (C63, C64, C65)", () => {
  it("fails with the Nextstrain CLI's text when the base does not exist", () => {
    const error = thrown(() => chooseDefinition("my-job", undefined, "nextstrain/base"));
    expect(error.message).toBe("AWS Batch job definition «my-job» does not exist");
    // Which setting named it is added above the AWS layer (test/unit/config/explain.test.ts).
    expect(error).toBeInstanceOf(JobDefinitionNotFound);
    expect((error as JobDefinitionNotFound).resources).toEqual([{ kind: "job definition", name: "my-job" }]);
  });

  it.each([
    ["nextstrain/base", "nextstrain/base:latest", { kind: "base", name: "nextstrain-job" }],
    ["nextstrain/base:latest", "nextstrain/base", { kind: "base", name: "nextstrain-job" }],
    ["nextstrain/base", "docker.io/nextstrain/base", { kind: "derived", name: "nextstrain-job_7_docker-io-nextstrain-base_latest" }],
    ["nextstrain/base", "ghcr.io/nextstrain/base:branch-x", { kind: "derived", name: "nextstrain-job_7_ghcr-io-nextstrain-base_branch-x" }],
  ])("base image %s, wanted %s", (baseImage, image, choice) => {
    expect(chooseDefinition("nextstrain-job", definition(7, baseImage), image)).toStrictEqual(choice);
  });

  it("refuses a base definition without a container image", () => {
    const base = definition(2, "x", { type: "multinode", containerProperties: undefined });
    expect(thrown(() => chooseDefinition("nextstrain-job", base, "x")).message).toBe(
      "AWS Batch job definition «nextstrain-job» has no container image (containerProperties.image)",
    );
  });
});

describe("derivedDefinitionName (C65)", () => {
  it.each([
    ["nextstrain-job", 7, "ghcr.io/nextstrain/base:branch-x", "nextstrain-job_7_ghcr-io-nextstrain-base_branch-x"],
    ["nextstrain-job", 1, "nextstrain/base:build-20250717T164950Z", "nextstrain-job_1_nextstrain-base_build-20250717T164950Z"],
    ["nextstrain-job", 1, "nextstrain/base", "nextstrain-job_1_nextstrain-base_latest"],
    ["job", 2, "host:5000/x:t", "job_2_host-5000-x_t"],
    ["job", 2, "x@sha256:abc", "job_2_x_sha256-abc"],
    ["job", 2, "x:t@sha256:abc", "job_2_x_t-sha256-abc"],
    ["jöb", 2, "x/\u{1F600}:t", "j-b_2_x--_t"],
  ])("%s rev %d + %s -> %s", (base, revision, image, name) => {
    expect(derivedDefinitionName(base, revision, image)).toBe(name);
  });

  it("cuts the name at 128 characters", () => {
    const name = derivedDefinitionName("b".repeat(100), 12, `r/${"x".repeat(40)}:t`);
    expect(name).toHaveLength(128);
    expect(name).toBe(`${"b".repeat(100)}_12_r-${"x".repeat(22)}`);
  });
});

describe("checkDerivedDefinition", () => {
  it("accepts a derived definition with the same image", () => {
    expect(() => checkDerivedDefinition(definition(1, "x:latest"), "base", "x")).not.toThrow();
  });
  it("names both images when they differ", () => {
    const derived = definition(1, "x:t1", { jobDefinitionName: "base_1_x_t" });
    expect(thrown(() => checkDerivedDefinition(derived, "base", "x:t2")).message).toBe(
      "Expected job definition «base_1_x_t», derived from «base», to use image «x:t2», but it uses «x:t1» instead",
    );
  });
});

describe("registrationInput (C66)", () => {
  const base = definition(7, "nextstrain/base", {
    containerOrchestrationType: "ECS",
    parameters: { p: "1" },
    retryStrategy: { attempts: 2 },
    timeout: { attemptDurationSeconds: 3600 },
    tags: { team: "x" },
    platformCapabilities: ["EC2"],
    propagateTags: true,
    schedulingPriority: 5,
  });

  it("copies the base, replaces name and image, and drops read-only keys", () => {
    expect(registrationInput(base, "nextstrain-job_7_x_t", "x:t")).toStrictEqual({
      jobDefinitionName: "nextstrain-job_7_x_t",
      type: "container",
      parameters: { p: "1" },
      schedulingPriority: 5,
      containerProperties: { image: "x:t", command: ["true"], environment: [{ name: "A", value: "1" }] },
      retryStrategy: { attempts: 2 },
      propagateTags: true,
      timeout: { attemptDurationSeconds: 3600 },
      tags: { team: "x" },
      platformCapabilities: ["EC2"],
    });
  });

  it("drops keys the SDK does not know", () => {
    const input = registrationInput({ ...base, someFutureReadOnlyKey: 1 } as JobDefinition, "n", "x:t");
    expect(Object.keys(input)).not.toContain("someFutureReadOnlyKey");
    expect(Object.keys(input)).not.toContain("revision");
  });

  it("refuses to derive from a definition without a container image", () => {
    const multinode = definition(2, "x", { type: "multinode", containerProperties: undefined });
    expect(thrown(() => registrationInput(multinode, "n", "x:t")).message).toContain("has no container image");
  });

  it("leaves the base untouched (deep copy)", () => {
    const input = registrationInput(base, "n", "x:t");
    input.containerProperties?.environment?.push({ name: "B", value: "2" });
    (input.parameters as Record<string, string>).p = "changed";
    expect(base.containerProperties?.environment).toStrictEqual([{ name: "A", value: "1" }]);
    expect(base.containerProperties?.image).toBe("nextstrain/base");
    expect(base.parameters).toStrictEqual({ p: "1" });
    expect(base.jobDefinitionName).toBe("nextstrain-job");
  });
});
