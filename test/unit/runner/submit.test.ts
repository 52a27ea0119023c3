import { BatchClient, DescribeJobDefinitionsCommand, RegisterJobDefinitionCommand, type JobDefinition } from "@aws-sdk/client-batch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { batchJobName, defaultTags, definitionFor, submitJobInput } from "../../../src/runner/submit.js";
import { UserError } from "../../../src/errors.js";

const batch = mockClient(BatchClient);
const client = new BatchClient({ region: "us-east-1" });

beforeEach(() => batch.reset());

describe("SubmitJob request shape (C68)", () => {
  const base = {
    runId: "6116f3e3-9bc0-4769-99e3-adb71b4d82c0",
    queue: "nextstrain-job-queue",
    definition: "nextstrain-job",
    environment: [{ name: "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL", value: "s3://b/6116f3e3-9bc0-4769-99e3-adb71b4d82c0.zip" }],
    remoteWorkdir: "/nextstrain/build/phylogenetic",
    argv: ["snakemake", "--forceall", "--cores=8", "--printshellcmds"],
    tags: { "nextstrain-ts:tool": "nextstrain-ts" },
    retries: 0,
  };

  it("names the job after the run id and runs the entrypoint with env --chdir", () => {
    expect(submitJobInput({ ...base, vcpus: 8, memoryMiB: 14336 })).toEqual({
      jobName: base.runId,
      jobQueue: "nextstrain-job-queue",
      jobDefinition: "nextstrain-job",
      containerOverrides: {
        environment: base.environment,
        resourceRequirements: [
          { type: "VCPU", value: "8" },
          { type: "MEMORY", value: "14336" },
        ],
        command: ["/sbin/entrypoint-aws-batch", "env", "--chdir", "/nextstrain/build/phylogenetic", "--", "snakemake", "--forceall", "--cores=8", "--printshellcmds"],
      },
      tags: { "nextstrain-ts:tool": "nextstrain-ts" },
      propagateTags: true,
    });
  });

  it("takes a readable name, a timeout, and retries only infrastructure losses", () => {
    const input = submitJobInput({ ...base, jobName: "ncov-europe", timeoutSeconds: 7200, retries: 2 });
    expect(input.jobName).toBe("ncov-europe");
    expect(input.timeout).toEqual({ attemptDurationSeconds: 7200 });
    expect(input.retryStrategy).toEqual({
      attempts: 3,
      evaluateOnExit: [
        { onStatusReason: "Host EC2*", action: "RETRY" },
        { onReason: "*", action: "EXIT" },
      ],
    });
    expect(submitJobInput(base)).not.toHaveProperty("retryStrategy");
    expect(submitJobInput(base)).not.toHaveProperty("timeout");
  });

  it.each([
    ["ncov europe/2026", "ncov-europe-2026"],
    ["--weekly", "weekly"],
    ["ok_name-1", "ok_name-1"],
    ["x".repeat(200), "x".repeat(128)],
    ["???", undefined],
  ])("names %j as %j in Batch", (given, name) => expect(batchJobName(given)).toBe(name));

  it("tags every job with the tool, its version, the build directory and the run id", () => {
    expect(defaultTags("1.2.3", "/home/me/zika tutorial", "6116f3e3")).toEqual({
      "nextstrain-ts:tool": "nextstrain-ts",
      "nextstrain-ts:version": "1.2.3",
      "nextstrain-ts:build": "zika tutorial",
      "nextstrain-ts:run-id": "6116f3e3",
    });
  });

  it("always has resourceRequirements, empty when nothing is asked for", () => {
    expect(submitJobInput(base).containerOverrides?.resourceRequirements).toEqual([]);
    expect(submitJobInput({ ...base, memoryMiB: 512 }).containerOverrides?.resourceRequirements).toEqual([{ type: "MEMORY", value: "512" }]);
  });
});

describe("job definition for the image (C63-C66)", () => {
  const baseDefinition: JobDefinition = {
    jobDefinitionName: "nextstrain-job",
    jobDefinitionArn: "arn:aws:batch:us-east-1:123456789012:job-definition/nextstrain-job:7",
    revision: 7,
    status: "ACTIVE",
    type: "container",
    containerOrchestrationType: "ECS",
    containerProperties: { image: "nextstrain/base", jobRoleArn: "arn:aws:iam::123456789012:role/NextstrainJobsRole" },
  };

  it("uses the base definition as it is when it runs the same image", async () => {
    batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [{ ...baseDefinition, revision: 3 }, baseDefinition] });
    expect(await definitionFor(client, "nextstrain-job", "nextstrain/base:latest")).toBe("nextstrain-job");
    expect(batch.commandCalls(RegisterJobDefinitionCommand)).toHaveLength(0);
  });

  it("registers a derived definition once for another image", async () => {
    batch.on(DescribeJobDefinitionsCommand, { jobDefinitionName: "nextstrain-job" }).resolves({ jobDefinitions: [baseDefinition] });
    batch.on(DescribeJobDefinitionsCommand, { jobDefinitionName: "nextstrain-job_7_ghcr-io-nextstrain-base_branch-x" }).resolves({ jobDefinitions: [] });
    batch.on(RegisterJobDefinitionCommand).resolves({});
    expect(await definitionFor(client, "nextstrain-job", "ghcr.io/nextstrain/base:branch-x")).toBe("nextstrain-job_7_ghcr-io-nextstrain-base_branch-x");
    const registered = batch.commandCalls(RegisterJobDefinitionCommand)[0]?.args[0].input;
    expect(registered).toEqual({
      jobDefinitionName: "nextstrain-job_7_ghcr-io-nextstrain-base_branch-x",
      type: "container",
      containerProperties: { image: "ghcr.io/nextstrain/base:branch-x", jobRoleArn: "arn:aws:iam::123456789012:role/NextstrainJobsRole" },
    });
  });

  it("reuses an existing derived definition", async () => {
    batch.on(DescribeJobDefinitionsCommand, { jobDefinitionName: "nextstrain-job" }).resolves({ jobDefinitions: [baseDefinition] });
    batch.on(DescribeJobDefinitionsCommand, { jobDefinitionName: "nextstrain-job_7_other_tag" }).resolves({
      jobDefinitions: [{ ...baseDefinition, jobDefinitionName: "nextstrain-job_7_other_tag", revision: 1, containerProperties: { image: "other:tag" } }],
    });
    expect(await definitionFor(client, "nextstrain-job", "other:tag")).toBe("nextstrain-job_7_other_tag");
    expect(batch.commandCalls(RegisterJobDefinitionCommand)).toHaveLength(0);
  });

  it("reads every page of definitions (C113, deliberately)", async () => {
    batch
      .on(DescribeJobDefinitionsCommand)
      .resolvesOnce({ jobDefinitions: [{ ...baseDefinition, revision: 1, containerProperties: { image: "old" } }], nextToken: "p2" })
      .resolvesOnce({ jobDefinitions: [baseDefinition] });
    expect(await definitionFor(client, "nextstrain-job", "nextstrain/base")).toBe("nextstrain-job");
  });

  it("says which definition is missing", async () => {
    batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [] });
    await expect(definitionFor(client, "nope", "nextstrain/base")).rejects.toThrow(UserError);
    await expect(definitionFor(client, "nope", "nextstrain/base")).rejects.toThrow("AWS Batch job definition «nope» does not exist");
  });
});
