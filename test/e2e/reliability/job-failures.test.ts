// R5: each way a job can fail gets its final line (C82), its exit status (C90),
// and a word on what to do next.
import { RegisterJobDefinitionCommand } from "@aws-sdk/client-batch";
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { localAws, nextstrainTs, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { ABSENT_IMAGE, batch, STACK_TRACE } from "./helpers.js";

const stack = localAws();
const FINAL = (reason: string) => new RegExp(`Job FAILED after \\d+\\.\\d minutes \\(${reason}\\)\\n`);
const TIMEOUT_DEFINITION = "reliability-timeout-job";

beforeAll(async () => {
  // A copy of the seeded definition whose attempts time out after 60 (emulated) seconds.
  await batch().send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: TIMEOUT_DEFINITION,
      type: "container",
      timeout: { attemptDurationSeconds: 60 },
      containerProperties: { image: "nextstrain/base:latest", vcpus: 1, memory: 1024 },
    }),
  );
});

describe.concurrent("R5: job failures", () => {
  it.each([
    ["non-zero exit", undefined, "echo partial > partial.txt\nexit 3", FINAL("exited 3"), 3, /its log above says why/],
    ["out of memory", "out-of-memory", "echo started\nsleep 30", FINAL("OutOfMemoryError: Container killed due to memory usage, exited 137"), 137, /--memory/],
    ["instance terminated", "instance-terminated", "echo started\nsleep 30", FINAL("Host EC2 \\(instance i-[0-9a-f]+\\) terminated\\."), 1, /Run the build again/],
    ["failed to start", "cannot-pull", "echo never", FINAL("CannotPullContainerError: [^\\n]*"), 1, /--image/],
  ] as const)("%s: final line, exit status, what to do next (C82, C90)", async (_name, kind, script, line, status, hint) => {
    const dir = scriptBuild(`r5-${kind ?? "exit"}`, script);
    // An image the stack does not serve fails to start by itself: asking for
    // cannot-pull once the job id is out would race the job's start.
    const image = kind === "cannot-pull" ? ["--image", ABSENT_IMAGE] : [];
    const running = startNextstrainTs([...SCRIPT, ...image, dir]);
    const [, jobId] = await running.waitFor(/AWS Batch Job ID: (\S+)/);
    if (kind && kind !== "cannot-pull") await stack.control.failJob(jobId as string, { kind, afterMs: 300 });
    const result = await running.done;
    expect(result.stdout).toMatch(line);
    expect(result.status).toBe(status);
    expect(result.stderr).toMatch(hint);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    // C83: results of a job that failed on its own are still downloaded.
    if (!kind) expect(existsSync(path.join(dir, "partial.txt"))).toBe(true);
  });

  it("timeout: the attempt is stopped, the final line says so, the hint names the job definition's timeout (C82, C90)", async () => {
    const dir = scriptBuild("r5-timeout", "echo started\nsleep 30");
    const result = await nextstrainTs([...SCRIPT, "--aws-batch-job", TIMEOUT_DEFINITION, dir]);
    expect(result.stdout).toMatch(FINAL("[^\\n]*Job attempt duration exceeded timeout"));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/timeout/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  });

  it("stopped by user: SIGINT cancels, no download, the container's exit status (C83, C90, C99)", async () => {
    const dir = scriptBuild("r5-stopped", "echo started\necho written > written.txt\nsleep 30");
    const running = startNextstrainTs([...SCRIPT, dir]);
    await running.waitFor(/\[batch\] \[[^\]]+\] started/);
    running.child.kill("SIGINT");
    const result = await running.done;
    expect(result.stdout).toContain("Canceling job…");
    expect(result.stdout).toMatch(FINAL("[^\\n]*stopped by user"));
    expect(result.stdout).not.toContain("Downloading");
    expect(existsSync(path.join(dir, "written.txt"))).toBe(false);
    expect([137, 143]).toContain(result.status);
    expect(result.stderr).toMatch(/Run the build again/);
  });
});
