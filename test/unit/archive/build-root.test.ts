import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { containerWorkingDir, findBuildRoot } from "../../../src/archive/build-root.js";
import { scratchDir } from "./fixtures.js";

describe("findBuildRoot (C47)", () => {
  it("is the nearest ancestor-or-self holding nextstrain-pathogen.yaml", async () => {
    const top = await scratchDir();
    await mkdir(join(top, "repo/ingest/sub"), { recursive: true });
    await writeFile(join(top, "nextstrain-pathogen.yaml"), "");
    await writeFile(join(top, "repo/nextstrain-pathogen.yaml"), "");
    expect(await findBuildRoot(join(top, "repo/ingest/sub"))).toEqual({
      workingDir: join(top, "repo/ingest/sub"),
      buildRoot: join(top, "repo"),
    });
    expect((await findBuildRoot(join(top, "repo"))).buildRoot).toBe(join(top, "repo"));
  });

  it("counts a directory of that name, and resolves symlinks first", async () => {
    const top = await scratchDir();
    await mkdir(join(top, "repo/nextstrain-pathogen.yaml"), { recursive: true });
    await mkdir(join(top, "repo/phylo"));
    await symlink(join(top, "repo/phylo"), join(top, "link"));
    expect(await findBuildRoot(join(top, "link"))).toEqual({ workingDir: join(top, "repo/phylo"), buildRoot: join(top, "repo") });
  });

  it("ignores a dangling symlink of that name and falls back to the directory itself", async () => {
    const top = await scratchDir();
    await mkdir(join(top, "build"));
    await symlink(join(top, "nowhere"), join(top, "build/nextstrain-pathogen.yaml"));
    expect((await findBuildRoot(join(top, "build"))).buildRoot).toBe(join(top, "build"));
  });

  it("fails on a directory that does not exist", async () => {
    const top = await scratchDir();
    await expect(findBuildRoot(join(top, "missing"))).rejects.toThrow(/ENOENT/);
  });
});

describe("containerWorkingDir (C48)", () => {
  it.each([
    ["/home/u/repo", "/home/u/repo", "/nextstrain/build"],
    ["/home/u/repo", "/home/u/repo/ingest", "/nextstrain/build/ingest"],
    ["/home/u/repo", "/home/u/repo/a/b", "/nextstrain/build/a/b"],
  ])("build root %s, working dir %s -> %s", (buildRoot, workingDir, expected) => {
    expect(containerWorkingDir({ buildRoot, workingDir })).toBe(expected);
  });
});
