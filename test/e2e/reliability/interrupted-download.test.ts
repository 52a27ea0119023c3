// R3: a download killed at any point leaves every local file as it was or as
// the job wrote it, never partial; attaching again completes it.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, writeFiles } from "../build/fixtures.js";
import { contents, getObject, jobIdOf, ownKey, runIdOf, snapshot, writeRandomFile } from "./helpers.js";

const { control } = localAws();
const KILLS = 24;
/** The tool's own files: a killed download's temporary files and its lock. */
const OWN_FILE = /(^|\/)\.nextstrain-ts-/;

/** 60 files of 0 to 512 KiB; the job rewrites every other one and writes 40 new ones of varied sizes. */
function resultsBuild(): string {
  const dir = path.join(scratchDir("r3"), "build");
  mkdirSync(path.join(dir, "old"), { recursive: true });
  for (let i = 0; i < 60; i++) writeRandomFile(path.join(dir, "old", `f${i}.dat`), (i * 26_177) % (512 * 1024), `old${i}`);
  writeFiles(dir, {
    "run.sh": [
      "#!/bin/sh",
      "set -e",
      "mkdir -p new/deeper",
      "i=0; while [ $i -lt 60 ]; do head -c $(( (i * 7919) % 300000 + 1 )) /dev/urandom > old/f$i.dat; i=$((i + 2)); done",
      "i=0; while [ $i -lt 40 ]; do head -c $(( (i * 104729) % 700000 )) /dev/urandom > new/deeper/n$i.dat; i=$((i + 1)); done",
      "",
    ].join("\n"),
  });
  return dir;
}

const random = (below: number) => Math.floor(Math.random() * below);

describe("R3: interrupted download", () => {
  it(`leaves every file old or new when killed at ${KILLS} points, and attach completes the download`, async () => {
    const dir = resultsBuild();
    const first = await nextstrainTs([...SCRIPT, "--no-download", dir]);
    expect(first.status, first.stderr).toBe(0);
    const jobId = jobIdOf(first.stdout);

    // What the job wrote, unpacked by Info-ZIP for reference.
    const reference = path.join(path.dirname(dir), "reference");
    const zip = path.join(path.dirname(dir), "result.zip");
    writeFileSync(zip, await getObject(`${runIdOf(first.stdout)}.zip`));
    mkdirSync(reference);
    execFileSync("unzip", ["-q", zip, "-d", reference]);
    const pristine = path.join(path.dirname(dir), "pristine");
    cpSync(dir, pristine, { recursive: true, preserveTimestamps: true });

    const before = contents(snapshot(pristine));
    const after = contents(snapshot(reference));
    const changed = Object.keys(after).filter((name) => after[name] !== before[name] && after[name]?.startsWith("file:")).length;
    expect(changed).toBe(70);

    const { accessKeyId, env } = ownKey("r3");
    // Slow enough that a kill lands mid-member often.
    await control.addFault({ kind: "delay", service: "s3", operation: "GetObject", delayMs: 10, accessKeyId });
    const attach = () => startNextstrainTs(["attach", "--no-logs", jobId, dir], { env });
    const seenStates = new Set<string>();
    let remaining = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      // Mostly from the start; sometimes on top of the previous kill's leftovers.
      if (kill % 3 === 0 || remaining < 2) {
        rmSync(dir, { recursive: true });
        cpSync(pristine, dir, { recursive: true, preserveTimestamps: true });
        remaining = changed;
      }
      const running = attach();
      await running.waitFor(/Downloading all files modified by job/);
      const files = random(remaining);
      if (files > 0) await running.waitFor(new RegExp(`(unzipping: .*\\n){${files}}`));
      await new Promise((resolve) => setTimeout(resolve, random(40)));
      running.child.kill("SIGKILL");
      await running.done;

      const now = contents(snapshot(dir));
      let fresh = 0;
      for (const [name, state] of Object.entries(now)) {
        if (OWN_FILE.test(name)) continue;
        expect([before[name], after[name]], name).toContain(state);
        if (state === after[name] && state !== before[name]) fresh += 1;
      }
      for (const name of Object.keys(before)) expect(now[name], `${name} vanished`).toBeDefined();
      seenStates.add(String(fresh));
      remaining = changed - fresh;
    }
    // The kills landed at different points of the download.
    expect(seenStates.size).toBeGreaterThanOrEqual(4);

    // As a kill mid-member leaves it (SIGKILL gives no chance to clean up); the
    // last kills may have come before the download made its directory.
    mkdirSync(path.join(dir, "new", "deeper"), { recursive: true });
    writeFileSync(path.join(dir, "new", "deeper", ".nextstrain-ts-partial-00112233445566ff"), "half");
    const last = await nextstrainTs(["attach", jobId, dir], { env });
    expect(last.status, last.stderr).toBe(0);
    const final = contents(snapshot(dir));
    for (const name of Object.keys(final)) expect(OWN_FILE.test(name), `${name} left behind`).toBe(false);
    expect(final).toEqual({ ...before, ...after });
  }, 180_000);
});
