// R4 and S1 on the way back: a results archive that is damaged, missing, or
// planted with members that try to escape the build root; a disk that fills
// up mid-download. Each case replaces the finished job's archive in S3 and
// attaches to the job again.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild, writeFiles } from "../build/fixtures.js";
import { craftZip, getObject, jobIdOf, putObject, runIdOf, s3, snapshot, STACK_TRACE, type CraftedMember } from "./helpers.js";
import { DEFAULT_BUCKET } from "../../local-aws/stack.js";

let jobId: string;
let key: string;
let original: Buffer;

beforeAll(async () => {
  const dir = scriptBuild("r4-results", "echo done > done.txt");
  const result = await nextstrainTs([...SCRIPT, "--no-download", dir]);
  expect(result.status, result.stderr).toBe(0);
  jobId = jobIdOf(result.stdout);
  key = `${runIdOf(result.stdout)}.zip`;
  original = await getObject(key);
});

/** A build directory beside an `outside` directory that must never be written. */
function place(): { dir: string; outside: string } {
  const parent = scratchDir("r4-place");
  const dir = path.join(parent, "build");
  const outside = path.join(parent, "outside");
  writeFiles(dir, { "run.sh": "#!/bin/sh\n", "done.txt": "old\n" });
  writeFiles(outside, { "target.txt": "precious\n" });
  return { dir, outside };
}

async function attachWith(archive: Buffer | undefined, dir: string) {
  if (archive) await putObject(key, archive);
  else await s3().send(new DeleteObjectCommand({ Bucket: DEFAULT_BUCKET, Key: key }));
  return nextstrainTs(["attach", "--no-logs", jobId, dir]);
}

describe("R4: results archives that cannot be used", () => {
  afterAll(async () => putObject(key, original));

  const archives: [string, () => Buffer | undefined][] = [
    ["corrupt (not a ZIP)", () => Buffer.from("this is not a zip file at all\n".repeat(100))],
    ["truncated (first half)", () => original.subarray(0, Math.floor(original.length / 2))],
    ["missing", () => undefined],
  ];
  it.each(archives)("%s: exit 1, says what happened and what to do, touches nothing", async (_name, archive) => {
    const { dir } = place();
    const parent = path.dirname(dir);
    const before = snapshot(parent);
    const result = await attachWith(archive(), dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(archive() ? /results archive s3:\/\/.* is damaged[\s\S]*attach with --no-download/ : /the object does not exist[\s\S]*lifecycle rule/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(snapshot(parent)).toEqual(before);
  });

  it("disk full during the download: exit 1, names the directory, the old file stays whole", async () => {
    const { dir } = place();
    const mount = path.join(dir, "results");
    mkdirSync(mount);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]);
    try {
      writeFileSync(path.join(mount, "big.bin"), "old contents\n");
      const result = await attachWith(craftZip([{ name: "results/big.bin", zeros: 3 << 20 }, { name: "small.txt", data: "fits\n" }]), dir);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`No space left to write the job's results into ${mount}`));
      expect(result.stderr).not.toMatch(STACK_TRACE);
      expect(readFileSync(path.join(mount, "big.bin"), "utf8")).toBe("old contents\n");
      expect(execFileSync("ls", ["-A", mount], { encoding: "utf8" })).toBe("big.bin\n");
    } finally {
      execFileSync("umount", [mount]);
    }
  });
});

describe("S1: extraction never writes outside the build root", () => {
  afterAll(async () => putObject(key, original));

  it("skips members with absolute paths, `..` components and symlink entries (C85, by design: silently, as the Nextstrain CLI)", async () => {
    const { dir, outside } = place();
    const members: CraftedMember[] = [
      { name: path.join(outside, "absolute.txt"), data: "abs" },
      { name: "../outside/dotdot.txt", data: "dotdot" },
      { name: "sub/../../outside/sneaky.txt", data: "sneaky" },
      { name: "escape", data: outside, symlink: true },
      { name: "escape/through-link.txt", data: "via link entry" },
      { name: "ok.txt", data: "ok\n" },
    ];
    const result = await attachWith(craftZip(members), dir);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "ok.txt"), "utf8")).toBe("ok\n");
    expect(snapshot(outside).size).toBe(1);
    expect(readFileSync(path.join(outside, "target.txt"), "utf8")).toBe("precious\n");
    expect(existsSync(path.join(path.dirname(dir), "dotdot.txt"))).toBe(false);
    // The symlink entry was not made; its "contents" landed in a plain directory inside the root.
    expect(readFileSync(path.join(dir, "escape", "through-link.txt"), "utf8")).toBe("via link entry");
  });

  it("never follows a symlink planted in the build dir: refuses those members, names them, extracts the rest", async () => {
    const { dir, outside } = place();
    symlinkSync(outside, path.join(dir, "linked-dir"));
    symlinkSync(path.join(outside, "target.txt"), path.join(dir, "linked-file.txt"));
    const members: CraftedMember[] = [
      { name: "linked-dir/planted.txt", data: "planted" },
      { name: "linked-file.txt", data: "overwritten" },
      { name: "ok.txt", data: "ok\n" },
    ];
    const result = await attachWith(craftZip(members), dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/were not downloaded[\s\S]*linked-dir[\s\S]*linked-file\.txt[\s\S]*Move those symlinks/);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(path.join(dir, "ok.txt"), "utf8")).toBe("ok\n");
    expect(readFileSync(path.join(outside, "target.txt"), "utf8")).toBe("precious\n");
    expect(existsSync(path.join(outside, "planted.txt"))).toBe(false);
  });
});
