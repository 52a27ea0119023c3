import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { chmod, symlink, utimes } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { walkTree, type ExcludePredicate, type SkipReason, type WalkEntry } from "../../../src/archive/walk.js";
import { excludeBuiltIns, makeTree, scratchDir } from "./fixtures.js";

async function collect(root: string, exclude: ExcludePredicate = excludeBuiltIns) {
  const entries: WalkEntry[] = [];
  const skipped: Array<[string, SkipReason]> = [];
  for await (const entry of walkTree(root, { exclude, onSkip: (path, reason) => skipped.push([path, reason]) })) {
    entries.push(entry);
  }
  return { entries, rels: entries.map((e) => e.relPath), skipped };
}

describe("walkTree (C52 order and pruning)", () => {
  it("yields the root first, then depth-first pre-order with each directory before its contents", async () => {
    const root = await scratchDir();
    await makeTree(root, { "a/b/c.txt": "c", "a/d.txt": "d", "e/f.txt": "f", "g.txt": "g", "h/": null });
    const { entries, rels } = await collect(root);
    expect(rels[0]).toBe("");
    expect(entries[0]).toMatchObject({ path: root, isDirectory: true });
    expect([...rels].sort()).toEqual(["", "a", "a/b", "a/b/c.txt", "a/d.txt", "e", "e/f.txt", "g.txt", "h"]);
    // Pre-order: every path comes after its parent, and a directory's subtree is contiguous.
    for (const [i, rel] of rels.entries()) {
      if (rel === "") continue;
      const parent = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
      const parentAt = rels.indexOf(parent);
      expect(parentAt).toBeLessThan(i);
      expect(rels.slice(parentAt + 1, i).every((between) => parent === "" || between.startsWith(`${parent}/`))).toBe(true);
    }
  });

  it("reports size, permission bits and mtime of each path", async () => {
    const root = await scratchDir();
    await makeTree(root, { "run.sh": "#!/bin/sh\n" });
    await chmod(join(root, "run.sh"), 0o750);
    await utimes(join(root, "run.sh"), 1_700_000_000, 1_700_000_000);
    const { entries } = await collect(root);
    expect(entries[1]).toEqual({
      path: join(root, "run.sh"),
      relPath: "run.sh",
      isDirectory: false,
      size: 10,
      mode: 0o750,
      mtime: new Date(1_700_000_000_000),
    });
  });

  it("asks the predicate with the absolute path and type, and prunes excluded directories", async () => {
    const root = await scratchDir();
    await makeTree(root, { ".git/config": "x", "environment.sh": "SECRET=1", "keep/x.pyc": "", "keep/y.py": "" });
    const asked: Array<[string, boolean]> = [];
    const { rels } = await collect(root, (path, isDirectory) => {
      asked.push([path, isDirectory]);
      return excludeBuiltIns(path);
    });
    expect([...rels].sort()).toEqual(["", "keep", "keep/y.py"]);
    expect(asked).toContainEqual([join(root, ".git"), true]);
    expect(asked).toContainEqual([join(root, "environment.sh"), false]);
    expect(asked.some(([path]) => path.startsWith(join(root, ".git/")))).toBe(false);
  });

  it("yields nothing when the root itself is excluded (the CLI's empty archive)", async () => {
    const root = await scratchDir();
    await makeTree(root, { "x.txt": "x" });
    expect((await collect(root, (path) => path === root)).rels).toEqual([]);
  });

  it("stores a symlinked file as the file and descends a symlinked directory", async () => {
    const root = await scratchDir();
    const outside = await scratchDir();
    await makeTree(outside, { "data/seq.fasta": ">a\nACGT\n", "notes.txt": "1234567" });
    await symlink(join(outside, "data"), join(root, "data"));
    await symlink(join(outside, "notes.txt"), join(root, "notes.txt"));
    const { entries } = await collect(root);
    const byRel = new Map(entries.map((e) => [e.relPath, e]));
    expect(byRel.get("data")).toMatchObject({ path: join(root, "data"), isDirectory: true });
    expect(byRel.get("data/seq.fasta")).toMatchObject({ path: join(root, "data/seq.fasta"), size: 8 });
    expect(byRel.get("notes.txt")).toMatchObject({ isDirectory: false, size: 7 });
  });

  it("does not follow a symlink back to an ancestor (the CLI loops), and reports it", async () => {
    const root = await scratchDir();
    await makeTree(root, { "a/b/x.txt": "x" });
    await symlink(root, join(root, "a/b/up"));
    await symlink("..", join(root, "a/parent"));
    const { rels, skipped } = await collect(root);
    expect([...rels].sort()).toEqual(["", "a", "a/b", "a/b/x.txt"]);
    expect(skipped.sort()).toEqual([
      [join(root, "a/b/up"), "symlink-loop"],
      [join(root, "a/parent"), "symlink-loop"],
    ]);
  });

  it("skips FIFOs, sockets and dangling symlinks, reporting each", async () => {
    const root = await scratchDir();
    await makeTree(root, { "ok.txt": "ok" });
    execFileSync("mkfifo", [join(root, "pipe")]);
    await symlink(join(root, "gone"), join(root, "dangling"));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, "sock"), resolve));
    try {
      const { rels, skipped } = await collect(root);
      expect([...rels].sort()).toEqual(["", "ok.txt"]);
      expect(skipped.sort()).toEqual([
        [join(root, "dangling"), "dangling-symlink"],
        [join(root, "pipe"), "fifo"],
        [join(root, "sock"), "socket"],
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("skips a name that is not UTF-8, saying so rather than that it vanished", async () => {
    const root = await scratchDir();
    await makeTree(root, { "ok.txt": "ok" });
    writeFileSync(Buffer.from(`${root}/bad\xff\xfe.txt`, "latin1"), "x");
    const { rels, skipped } = await collect(root);
    expect([...rels].sort()).toEqual(["", "ok.txt"]);
    expect(skipped).toEqual([[join(root, "bad\uFFFD\uFFFD.txt"), "undecodable-name"]]);
  });

  it("reads lazily: stopping early leaves the rest unvisited", async () => {
    const root = await scratchDir();
    await makeTree(root, { "a/1": "", "a/2": "", "b/3": "" });
    const asked: string[] = [];
    const walk = walkTree(root, {
      exclude: (path) => {
        asked.push(path);
        return false;
      },
    });
    await walk.next();
    await walk.next();
    await walk.return(undefined);
    expect(asked).toHaveLength(2);
  });
});
