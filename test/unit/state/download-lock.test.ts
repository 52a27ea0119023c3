// The build directory's download lock: one download at a time, stale locks of
// killed processes broken at once, live ones waited for.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { liveHolder, lockBuildDirectory, lockFileOf, processIsAlive, type LockHolder } from "../../../src/state/download-lock.js";

const scratch = () => mkdtempSync(join(tmpdir(), "nextstrain-ts-lock-"));
const never = async () => {
  throw new Error("must not wait");
};

/** The pid of a process that has ended. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  expect(processIsAlive(pid!)).toBe(false);
  return pid!;
}

function plant(root: string, holder: Partial<LockHolder>): void {
  writeFileSync(lockFileOf(root), JSON.stringify({ pid: 1, host: hostname(), token: "0123456789abcdef", since: "2026-01-01T00:00:00.000Z", ...holder }));
}

describe("download lock", () => {
  it("is held by one download; a second one is told who holds it, waits, and gets it once released", async () => {
    const root = scratch();
    const first = await lockBuildDirectory(root, { sleep: never });
    expect(first.locked).toBe(true);
    expect(JSON.parse(readFileSync(lockFileOf(root), "utf8"))).toMatchObject({ pid: process.pid, host: hostname(), token: first.token });

    const told: LockHolder[] = [];
    let waits = 0;
    const second = await lockBuildDirectory(root, {
      isAlive: () => true,
      onWait: (holder) => told.push(holder),
      // The first download ends during the second wait.
      sleep: async () => {
        waits += 1;
        if (waits === 2) await first.release();
      },
    });
    expect(told.map((holder) => holder.token)).toEqual([first.token]);
    expect(waits).toBe(2);
    expect(second.token).not.toBe(first.token);
    expect(JSON.parse(readFileSync(lockFileOf(root), "utf8"))).toMatchObject({ token: second.token });
    await second.release();
    expect(readdirSync(root)).toEqual([]);
  });

  it("breaks at once the lock of a process that was killed, and of an earlier process with this pid", async () => {
    for (const pid of [deadPid(), process.pid]) {
      const root = scratch();
      plant(root, { pid });
      expect(await liveHolder(root)).toBeUndefined();
      const lock = await lockBuildDirectory(root, { sleep: never });
      expect(JSON.parse(readFileSync(lockFileOf(root), "utf8"))).toMatchObject({ token: lock.token });
      await lock.release();
      expect(readdirSync(root)).toEqual([]);
    }
  });

  it("waits for a live holder on this host or any holder on another host, until stopped", async () => {
    for (const holder of [{ pid: process.ppid }, { pid: 1, host: "another-machine" }]) {
      const root = scratch();
      plant(root, holder);
      expect(await liveHolder(root)).toMatchObject({ token: "0123456789abcdef" });
      const controller = new AbortController();
      const told: LockHolder[] = [];
      const waiting = lockBuildDirectory(root, {
        signal: controller.signal,
        onWait: (h) => told.push(h),
        sleep: async () => controller.abort(new Error("stopped")),
      });
      await expect(waiting).rejects.toThrow("stopped");
      expect(told).toHaveLength(1);
      expect(JSON.parse(readFileSync(lockFileOf(root), "utf8"))).toMatchObject(holder);
      expect(readdirSync(root)).toEqual([".nextstrain-ts-lock"]);
    }
  });

  it("release leaves another download's lock alone", async () => {
    const root = scratch();
    const lock = await lockBuildDirectory(root, { sleep: never });
    plant(root, { pid: process.ppid, token: "fedcba9876543210" });
    await lock.release();
    expect(existsSync(lockFileOf(root))).toBe(true);
  });
});
