import { BatchClient, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand } from "@aws-sdk/client-batch";
import { DescribeInstanceTypesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import type { AwsClients } from "../../../src/aws/clients.js";
import { preflight } from "../../../src/runner/preflight.js";
import { JsonCache } from "../../../src/state/cache.js";
import { createReporter } from "../../../src/ui/reporter.js";

const batch = mockClient(BatchClient);
const ec2 = mockClient(EC2Client);
beforeEach(() => {
  batch.reset();
  ec2.reset();
  batch.on(DescribeJobDefinitionsCommand).resolves({ jobDefinitions: [{ jobDefinitionName: "d", jobDefinitionArn: "arn:d:1", revision: 1, type: "container", status: "ACTIVE", containerProperties: { resourceRequirements: [{ type: "VCPU", value: "4" }, { type: "MEMORY", value: "7500" }] } }] });
});

function setup() {
  let out = "";
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString()), done()) });
  const reporter = createReporter({ stdout: sink, stderr: sink, env: {} });
  const aws = { region: "us-east-1", batch: async () => new BatchClient({ region: "us-east-1" }), ec2: async () => new EC2Client({ region: "us-east-1" }) } as unknown as AwsClients;
  return { aws, reporter, cache: new JsonCache(mkdtempSync(join(tmpdir(), "preflight-"))), output: () => out };
}

function seedQueue() {
  batch.on(DescribeJobQueuesCommand).resolves({ jobQueues: [{ jobQueueName: "q", jobQueueArn: "arn:q", state: "ENABLED", status: "VALID", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: "arn:ce" }] }] });
  batch.on(DescribeComputeEnvironmentsCommand).resolves({
    computeEnvironments: [{ computeEnvironmentName: "ce", computeEnvironmentArn: "arn:ce", state: "ENABLED", status: "VALID", computeResources: { type: "EC2", maxvCpus: 256, instanceTypes: ["m5.4xlarge"], subnets: [] } }],
  });
  ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ InstanceType: "m5.4xlarge", VCpuInfo: { DefaultVCpus: 16 }, MemoryInfo: { SizeInMiB: 65536 } }] });
}

describe("the pre-flight check", () => {
  it("refuses what no instance can hold, counting the job definition's memory when only --cpus is given", async () => {
    seedQueue();
    const { aws, reporter, cache } = setup();
    await expect(preflight(aws, reporter, cache, { queue: "q", definition: "d", vcpus: 32 })).rejects.toThrow(
      "The job asks for 32 vCPUs and 7500 MiB, more than any compute environment of the job queue q can ever give one job: the most it offers is 16 vCPUs and 65504 MiB (ce: 16 vCPUs and 65504 MiB). Nothing was uploaded.",
    );
    await preflight(aws, reporter, cache, { queue: "q", definition: "d", vcpus: 16, memoryMiB: 65504 });
  });

  it("keeps what it read of a queue that can place jobs for the next builds", async () => {
    seedQueue();
    const { aws, reporter, cache } = setup();
    await preflight(aws, reporter, cache, { queue: "q", definition: "d" });
    await preflight(aws, reporter, cache, { queue: "q", definition: "d" });
    expect(batch.commandCalls(DescribeJobQueuesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstanceTypesCommand)).toHaveLength(1);
  });

  it("is a one-line note, never an error, without permission to read", async () => {
    batch.on(DescribeJobQueuesCommand).rejects(Object.assign(new Error("User: arn:aws:iam::1:user/me is not authorized to perform: batch:DescribeJobQueues"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } }));
    const { aws, reporter, cache, output } = setup();
    await preflight(aws, reporter, cache, { queue: "q", definition: "d", vcpus: 4096 });
    expect(output()).toMatch(/^Pre-flight check skipped: not permitted to read the job queue, its compute environments or instance types \(AccessDeniedException: User: .* batch:DescribeJobQueues\)\.\n$/);
  });
});
