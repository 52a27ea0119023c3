/** Waiting for CREATING/UPDATING/DELETING to end, on a fake clock: progress, an INVALID end, giving up. */
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { pollDelay, SETTLE_LIMIT_MS, waitUntilSettled, type Clock, type Status } from "../../../src/setup/wait.js";

function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
}

const statuses = (...seen: Status[]) => {
  let at = 0;
  return async () => seen[Math.min(at++, seen.length - 1)] as Status;
};

describe("waitUntilSettled", () => {
  it("reports each status the work goes through, and returns the settled one", async () => {
    const clock = fakeClock();
    const progress: string[] = [];
    const settled = await waitUntilSettled(statuses({ status: "CREATING" }, { status: "CREATING" }, { status: "VALID" }), { what: "job queue q", clock, progress: (t) => progress.push(t), rerun: "setup" });
    expect(settled.status).toBe("VALID");
    expect(progress).toEqual(["job queue q: CREATING", "job queue q: VALID"]);
    expect(clock.slept).toEqual([pollDelay(0), pollDelay(1)]);
  });

  it("says nothing of a resource that is already settled", async () => {
    const progress: string[] = [];
    await waitUntilSettled(statuses({ status: "VALID" }), { what: "q", clock: fakeClock(), progress: (t) => progress.push(t), rerun: "setup" });
    expect(progress).toEqual([]);
  });

  it("fails with AWS's reason when the resource ends INVALID", async () => {
    const attempt = waitUntilSettled(statuses({ status: "CREATING" }, { status: "INVALID", statusReason: "CLIENT_ERROR - Invalid IamInstanceProfile: x" }), { what: "compute environment c", clock: fakeClock(), progress: () => {}, rerun: "setup" });
    await expect(attempt).rejects.toThrow("The compute environment c is INVALID: CLIENT_ERROR - Invalid IamInstanceProfile: x.");
  });

  it("gives up after the stated time, saying nothing was undone and that a re-run finishes", async () => {
    const clock = fakeClock();
    const error = await waitUntilSettled(statuses({ status: "CREATING" }), { what: "compute environment c", clock, progress: () => {}, rerun: "nextstrain-ts setup --aws-batch", limitMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe("Gave up waiting for the compute environment c: still CREATING after 1 minutes.");
    expect((error as UserError).hint).toContain("Run nextstrain-ts setup --aws-batch again later to finish.");
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
    expect(clock.now()).toBeLessThan(60_000 + 5_000);
  });

  it("reads quickly at first, then every 5 s, and waits 15 minutes by default", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(pollDelay)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(SETTLE_LIMIT_MS).toBe(15 * 60_000);
  });
});
