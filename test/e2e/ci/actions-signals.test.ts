// Cancelling a GitHub Actions run, as its runner does it: SIGINT to the
// step's own process (the shell of `run:`, which execs nextstrain-ts as
// docs/ci.md's steps do), then SIGTERM 7.5 seconds later, then SIGKILL
// (docs/ci.md#cancelling-a-run). Without a terminal, the SIGINT cancels the
// job (TerminateJob) at once; the SIGTERM, once it is sent, ends the tool and
// the job stops all the same. (A SIGTERM that comes while TerminateJob is
// still being sent waits for it: test/unit/runner/control.test.ts, where the
// answer's timing is the test's to choose.) With --detach-on-interrupt the
// SIGINT detaches, exit 0, and the job goes on.
import { describe, expect, it, onTestFinished } from "vitest";
import { BINARY, scratchDir, start } from "../../local-aws/run.js";
import { startGate } from "../../local-aws/gate.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { clients, describe as describeJob, finished, waitFor } from "../local-aws/helpers.js";

const { batch } = clients();
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });

async function startedBuild(prefix: string, extra: string[]) {
  const gate = await startGate();
  onTestFinished(() => gate.close());
  const dir = scriptBuild(prefix, `echo started\n${gate.wait}\necho done`);
  // As a `run:` step of docs/ci.md runs it: bash, which execs nextstrain-ts, so the runner's signals reach it.
  const running = start("bash", ["-e", "-c", 'exec "$@"', "bash", process.execPath, BINARY, ...SCRIPT, ...extra, dir], { env: home() });
  await running.waitFor(/\] started\n/);
  // With --json, the text for people is on stderr.
  const jobId = /AWS Batch Job ID: (\S+)/.exec(running.stdout() + running.stderr())?.[1] as string;
  return { running, jobId, gate };
}

describe("a cancelled GitHub Actions run (SIGINT, then SIGTERM)", () => {
  it("cancels the job on the SIGINT; the SIGTERM then ends the tool, the job stopped all the same", async () => {
    const { running, jobId } = await startedBuild("actions-cancel", ["--json"]);
    running.child.kill("SIGINT");
    // The runner waits 7.5 s; TerminateJob is answered well before.
    await running.waitFor(/Waiting for job to stop…/);
    running.child.kill("SIGTERM");
    const result = await running.done;
    // Killed by it; 143 when it came just as the cancellation was answered; or, on a slow machine, the stopped job's own status if it ended first.
    expect(result.signal === "SIGTERM" || result.status === 143 || result.status === 137, `status ${result.status}, signal ${result.signal}`).toBe(true);
    const { job } = await waitFor(batch, jobId, finished);
    expect([job.status, job.statusReason]).toEqual(["FAILED", "stopped by user"]);
  });

  it("with --detach-on-interrupt, detaches on the SIGINT (exit 0) and leaves the job running", async () => {
    const { running, jobId, gate } = await startedBuild("actions-detach", ["--detach-on-interrupt"]);
    running.child.kill("SIGINT");
    const result = await running.done;
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Detaching from job, as requested");
    expect(result.stdout.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`^nextstrain-ts build --aws-batch --attach ${jobId} `));
    expect((await describeJob(batch, jobId))?.status).toBe("RUNNING");
    gate.open();
    expect((await waitFor(batch, jobId, finished)).job.status).toBe("SUCCEEDED");
  });
});
