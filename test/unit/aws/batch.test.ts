import { BatchClient, DescribeJobsCommand, SubmitJobCommand } from "@aws-sdk/client-batch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { describeJobs, submitJob } from "../../../src/aws/batch.js";
import { UserError } from "../../../src/errors.js";

const batch = mockClient(BatchClient);
const client = new BatchClient({ region: "us-east-1" });

beforeEach(() => batch.reset());

describe("DescribeJobs", () => {
  it("asks for at most 100 ids a call (docs/architecture.md#aws-facts)", async () => {
    batch.on(DescribeJobsCommand).callsFake(async (input: { jobs: string[] }) => ({ jobs: input.jobs.map((jobId) => ({ jobId, status: "RUNNING" })) }));
    const ids = Array.from({ length: 250 }, (_, i) => `job-${i}`);
    const jobs = await describeJobs(client, ids);
    expect(jobs.map((job) => job.jobId)).toEqual(ids);
    expect(batch.commandCalls(DescribeJobsCommand).map((call) => call.args[0].input.jobs?.length)).toEqual([100, 100, 50]);
  });
});

describe("SubmitJob", () => {
  it("names the queue and the region when the queue is not found (R4)", async () => {
    batch.on(SubmitJobCommand).rejects(Object.assign(new Error("JobQueue nextstrain-job-queue not found."), { name: "ClientException", $metadata: { httpStatusCode: 400 } }));
    const attempt = submitJob(client, { jobName: "r", jobQueue: "nextstrain-job-queue", jobDefinition: "d" }, "eu-west-3");
    await expect(attempt).rejects.toThrow(UserError);
    await expect(attempt).rejects.toThrow('The job queue "nextstrain-job-queue" was not found in region eu-west-3');
  });
});
