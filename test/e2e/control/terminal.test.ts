// Job control on a terminal, with the real binary under a pseudo-terminal:
// Control-C twice cancels, once does not, Control-Z detaches (C95, C99).
import { BatchClient, DescribeJobsCommand } from "@aws-sdk/client-batch";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { localAws, nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { startGate } from "../../local-aws/gate.js";
import { clockJumpsOnInterrupt, CONTROL_C, CONTROL_Z, plain, startOnTerminal } from "./terminal.js";

const stack = localAws();
const batch = new BatchClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });
const jobIdIn = (text: string) => /AWS Batch Job ID: (\S+)/.exec(plain(text))?.[1] as string;
const describeJob = async (jobId: string) => (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];

describe("on a terminal", () => {
  it("cancels on Control-C twice within 10 seconds, and downloads nothing (C99, C101, C83)", async () => {
    const dir = scriptBuild("cancel", "echo started\nsleep 60\necho never > never.txt");
    const running = startOnTerminal([...SCRIPT, dir], { env: home() });
    await running.waitFor(/Job now RUNNING/);
    await running.waitFor(/\[batch\] \[[^\]]+\] started/);
    running.press(CONTROL_C);
    await running.waitFor(/Press Control-C again within 10 seconds to cancel this job\./);
    running.press(CONTROL_C);
    await running.waitFor(/Canceling job…/);
    const result = await running.done;
    const out = plain(result.stdout);
    expect(out).toContain("(Press Control-C one more time if you don't want to wait.)");
    expect(out).toMatch(/Job FAILED after \d+\.\d minutes \(.*stopped by user\)/);
    expect(out).not.toContain("Downloading");
    expect((await describeJob(jobIdIn(out)))?.statusReason).toBe("stopped by user");
  });

  it("does not cancel when the second Control-C comes after 11 seconds; Control-Z detaches and the printed command re-attaches (C95, C97)", async () => {
    // The job runs until the test opens its gate; the binary's clock jumps 11 s at each Control-C.
    const gate = await startGate();
    onTestFinished(() => gate.close());
    const dir = scriptBuild("detach", `echo started\n${gate.wait}\necho finished > finished.txt`);
    const env = home();
    const running = startOnTerminal([...SCRIPT, dir], { env: { ...env, ...clockJumpsOnInterrupt(11_000) } });
    await running.waitFor(/\[batch\] \[[^\]]+\] started/);
    running.press(CONTROL_C);
    await running.waitFor(/Press Control-C again within 10 seconds/);
    running.press(CONTROL_C);
    await running.waitFor(/Press Control-C again within 10 seconds[\s\S]*Press Control-C again within 10 seconds/);
    running.press(CONTROL_Z);
    const detached = await running.done;
    const out = plain(detached.stdout);
    expect(detached.status).toBe(0);
    expect(out).toContain("Detaching from job, as requested");
    expect(out).not.toContain("Canceling job");
    const jobId = jobIdIn(out);
    expect((await describeJob(jobId))?.status).toBe("RUNNING");
    const lastLine = out.trimEnd().split("\n").at(-1) as string;
    expect(lastLine).toBe(`nextstrain-ts build --aws-batch --attach ${jobId} ${dir}`);

    gate.open();
    const [, ...args] = lastLine.split(" ");
    const reattached = await nextstrainTs(args, { env });
    expect(reattached.status).toBe(0);
    expect(reattached.stdout).toContain(`Attaching to Nextstrain AWS Batch Job ID: ${jobId}`);
    expect(reattached.stdout).toMatch(/Job is (RUNNING|SUCCEEDED)/);
    expect(reattached.stdout).toContain("started");
    expect(readFileSync(path.join(dir, "finished.txt"), "utf8")).toBe("finished\n");
  });
});
