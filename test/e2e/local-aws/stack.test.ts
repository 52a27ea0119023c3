// The stack's own interface: a second stack on its own ports that stops
// without leaving anything behind, `npm run local-aws -- --empty` starting
// with nothing set up and stopping on Ctrl-C, and the spawn helpers handing
// the stack's environment to programs.
import { DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, RegisterJobDefinitionCommand, SubmitJobCommand } from "@aws-sdk/client-batch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../local-aws/ports.js";
import { localAws, REPO_ROOT, run } from "../../local-aws/run.js";
import { FAST_DELAYS, startLocalAws } from "../../local-aws/stack.js";
import { clients as stackClients, createEnvironment, createQueue, finished, logMessages, submit, waitFor } from "./helpers.js";

/** Processes whose command line mentions `text` (sandboxes name their job directory), or that run in it (unsandboxed jobs). */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text) || readlinkSync(`/proc/${pid}/cwd`).startsWith(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function answers(url: string): Promise<boolean> {
  try {
    await (await fetch(url)).arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

describe("the stack itself", () => {
  it("starts a second stack on its own ports and stops it without leftovers, jobs included", async () => {
    const stack = await startLocalAws({ delays: FAST_DELAYS });
    try {
      expect(stack.endpoint).not.toBe(localAws().endpoint);
      expect(stack.env.AWS_ENDPOINT_URL).toBe(stack.endpoint);
      expect(await (await fetch(`${stack.endpoint}/_local-aws/health`)).json()).toEqual({ ok: true });
      expect(existsSync(stack.workRoot)).toBe(true);

      const { batch } = stackClients({ endpoint: stack.endpoint });
      // A container killed the moment it starts must not leave a half-made sandbox behind.
      await stack.control.failNextJob({ kind: "instance-terminated", afterMs: 0 });
      const killed = await submit(batch, { command: ["true"] });
      const running = await submit(batch, { command: ["sleep", "30"] });
      await waitFor(batch, killed, finished);
      await waitFor(batch, running, (j) => j.status === "RUNNING");
      expect(processesMentioning(stack.workRoot).length).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
    expect(processesMentioning(stack.workRoot)).toEqual([]);
    expect(await answers(`${stack.endpoint}/_local-aws/health`)).toBe(false);
    expect(await answers(`${stack.motoEndpoint}/moto-api/data.json`)).toBe(false);
    expect(existsSync(stack.workRoot)).toBe(false);
  });

  it("runs by hand with `npm run local-aws -- --empty`: an account with nothing set up, where a set-up made through the APIs runs a job; stops on Ctrl-C", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(REPO_ROOT, "test", "local-aws", "cli.ts"), "--port", String(port), "--fast", "--empty"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let code: number | null;
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes("Press Ctrl-C to stop.") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toContain("Local AWS stack running, empty (nothing set up yet)");
      expect(output).toContain(`export AWS_ENDPOINT_URL=http://127.0.0.1:${port}`);
      expect(output).toContain("export AWS_ACCESS_KEY_ID=");
      expect(output).toContain("export AWS_DEFAULT_REGION=us-east-1");
      expect(output).not.toContain("NodeVersionSupportWarning");
      await setUpAndRunAJob(`http://127.0.0.1:${port}`);
    } finally {
      child.kill("SIGINT");
      code = await exited;
    }
    expect(code).toBe(0);
    expect(await answers(`http://127.0.0.1:${port}/_local-aws/health`)).toBe(false);
  }, 90_000);

  it("hands the stack's environment to spawned programs", async () => {
    const { endpoint } = localAws();
    const result = await run("sh", ["-c", 'echo "$AWS_ENDPOINT_URL $AWS_DEFAULT_REGION $EXTRA"'], { env: { EXTRA: "added" } });
    expect(result).toMatchObject({ status: 0, stdout: `${endpoint} us-east-1 added\n` });
  });
});

/** On an empty stack: nothing there but the default VPC; then a minimal set-up, and a job on it. */
async function setUpAndRunAJob(endpoint: string): Promise<void> {
  const { batch, s3, logs, iam, ec2 } = stackClients({ endpoint });
  expect((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
  expect((await logs.send(new DescribeLogGroupsCommand({}))).logGroups).toEqual([]);
  expect((await iam.send(new ListRolesCommand({}))).Roles).toEqual([]);
  expect((await batch.send(new DescribeComputeEnvironmentsCommand({}))).computeEnvironments).toEqual([]);
  expect((await batch.send(new DescribeJobQueuesCommand({}))).jobQueues).toEqual([]);
  expect((await batch.send(new DescribeJobDefinitionsCommand({}))).jobDefinitions).toEqual([]);
  await expect(batch.send(new SubmitJobCommand({ jobName: "j", jobQueue: "nextstrain-job-queue", jobDefinition: "nextstrain-job" }))).rejects.toThrow("JobQueue nextstrain-job-queue not found.");

  await s3.send(new CreateBucketCommand({ Bucket: "nextstrain-jobs" }));
  await iam.send(new CreateRoleCommand({ RoleName: "ecsInstanceRole", AssumeRolePolicyDocument: "{}" }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "ecsInstanceRole" }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "ecsInstanceRole", RoleName: "ecsInstanceRole" }));
  // No service role given: Batch makes and uses its service-linked role.
  await createEnvironment({ batch, ec2 }, "nextstrain-compute", { instanceRole: "ecsInstanceRole", instanceTypes: ["optimal"], maxvCpus: 64 });
  expect((await iam.send(new ListRolesCommand({ PathPrefix: "/aws-service-role/" }))).Roles?.map((r) => r.RoleName)).toEqual(["AWSServiceRoleForBatch"]);
  await createQueue(batch, "nextstrain-job-queue", ["nextstrain-compute"]);
  await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "nextstrain-job", type: "container", containerProperties: { image: "nextstrain/base:latest", resourceRequirements: [{ type: "VCPU", value: "4" }, { type: "MEMORY", value: "7500" }] } }));
  const jobId = await submit(batch, { command: ["echo", "set up from scratch"] });
  const { job } = await waitFor(batch, jobId, finished);
  expect(job.status).toBe("SUCCEEDED");
  // As on AWS, the first job's logs create /aws/batch/job.
  expect((await logMessages(logs, job.container!.logStreamName!)).map((e) => e.message)).toEqual(["set up from scratch"]);
}
