import { createWriteStream, readdirSync, readFileSync, writeFileSync, type PathLike } from "node:fs";
import { chmod, lstat, readdir, readFile, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { extractChanged, type ExtractOptions } from "../../../src/archive/extract.js";
import { localCrc } from "../../../src/archive/local-crc.js";
import type { RangeSource } from "../../../src/archive/zip-reader.js";
import type { ZipMember } from "../../../src/archive/zip-member.js";
import { makeTree, scratchDir } from "./fixtures.js";
import { fileSource, infoZip, writeArchive, zipinfoVerbose } from "./zip-tools.js";

const MTIME = new Date("2024-05-06T07:08:10Z");

/** An archive of `files` (null = directory) under the given member names, written by our writer in UTC. */
async function archiveOf(files: Record<string, string | null>): Promise<string> {
  const src = await scratchDir();
  const members: ZipMember[] = [];
  for (const [name, data] of Object.entries(files)) {
    const path = join(src, `m${members.length}`);
    if (data !== null) await writeFile(path, data);
    members.push({ name, path, isDirectory: data === null, size: data?.length ?? 0, mode: 0o644, mtime: MTIME });
  }
  const out = join(await scratchDir(), "results.zip");
  const savedTz = process.env.TZ;
  process.env.TZ = "UTC";
  try {
    await writeArchive(out, (async function* () {
      yield* members;
    })());
  } finally {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
  return out;
}

async function extract(archive: string, buildRoot: string, options: Partial<ExtractOptions> = {}) {
  const source = await fileSource(archive);
  const announced: string[] = [];
  try {
    const result = await extractChanged(source, { buildRoot, wanted: () => true, onExtract: (path) => announced.push(path), ...options });
    return { result, announced };
  } finally {
    await source.close();
  }
}


describe("localCrc (C87)", () => {
  it("is the file's CRC-32, 0 for a directory, undefined when missing or not a regular file", async () => {
    const root = await scratchDir();
    await makeTree(root, { "f.txt": "hello", "d/": null });
    infoZip("zip", ["-q", "x.zip", "f.txt"], { cwd: root });
    expect((await localCrc(join(root, "f.txt")))!.toString(16).padStart(8, "0")).toBe(zipinfoVerbose(join(root, "x.zip"), "f.txt")["32-bit CRC value (hex)"]);
    expect(await localCrc(join(root, "d"))).toBe(0);
    expect(await localCrc(join(root, "missing"))).toBeUndefined();
  });
});

describe("extractChanged", () => {
  it("writes only members whose CRC-32 differs, creating what is missing (C87, C88, C89)", async () => {
    const root = await scratchDir();
    await makeTree(root, { "same.txt": "same", "changed.txt": "old", "results/": null });
    await utimes(join(root, "same.txt"), 1_000_000_000, 1_000_000_000);
    const sameBefore = await stat(join(root, "same.txt"));
    const archive = await archiveOf({
      "./": null,
      "same.txt": "same",
      "changed.txt": "new",
      "results/": null,
      "results/new/": null,
      "results/new/deep.txt": "deep",
      "auspice/": null,
    });
    const { result, announced } = await extract(archive, root);

    expect(announced).toEqual([
      join(root, "changed.txt"),
      join(root, "results/new"),
      join(root, "results/new/deep.txt"),
      join(root, "auspice"),
    ]);
    expect(result).toMatchObject({ extracted: 4, unchanged: 2 });
    const sameAfter = await stat(join(root, "same.txt"));
    expect([sameAfter.ino, sameAfter.mtimeMs]).toEqual([sameBefore.ino, sameBefore.mtimeMs]);
    // Times first: reading a file may update its atime.
    for (const path of ["changed.txt", "results/new/deep.txt", "auspice"]) {
      const written = await stat(join(root, path));
      expect([written.mtimeMs, written.atimeMs]).toEqual([MTIME.getTime(), MTIME.getTime()]);
    }
    expect(await readFile(join(root, "changed.txt"), "utf8")).toBe("new");
    expect(await readFile(join(root, "results/new/deep.txt"), "utf8")).toBe("deep");
  });

  it("skips unsafe names silently and never writes outside the build root (C85, C112)", async () => {
    const top = await scratchDir();
    await makeTree(top, { "build/": null });
    const root = join(top, "build");
    const archive = await archiveOf({
      "../augur/": null,
      "../augur/evil.py": "x",
      "../escape.txt": "x",
      [`${top}/absolute.txt`]: "x",
      "ok/../../sneaky.txt": "x",
      "ok.txt": "ok",
    });
    const { announced } = await extract(archive, root);
    expect(announced).toEqual([join(root, "ok.txt")]);
    expect((await readdir(top)).sort()).toEqual(["build"]);
    expect(await readdir(root)).toEqual(["ok.txt"]);
  });

  it("asks the wanted predicate with member names", async () => {
    const root = await scratchDir();
    const archive = await archiveOf({ "a.txt": "a", "logs/": null, "logs/b.log": "b" });
    const asked: string[] = [];
    const { announced } = await extract(archive, root, {
      wanted: (name) => {
        asked.push(name);
        return !name.startsWith("logs");
      },
    });
    expect(asked).toEqual(["a.txt", "logs/", "logs/b.log"]);
    expect(announced).toEqual([join(root, "a.txt")]);
  });

  it("keeps a replaced file's permission bits instead of taking the archive's (C88)", async () => {
    const root = await scratchDir();
    await makeTree(root, { "run.sh": "#!/bin/sh\n" });
    await chmod(join(root, "run.sh"), 0o750);
    const archive = await archiveOf({ "run.sh": "#!/bin/sh\necho changed\n", "new.sh": "#!/bin/sh\n" });
    await extract(archive, root);
    expect((await stat(join(root, "run.sh"))).mode & 0o7777).toBe(0o750);
    expect((await stat(join(root, "new.sh"))).mode & 0o111).toBe(0);
  });

  it("refuses to write through symlinks in the build dir, extracts the rest, then names them", async () => {
    const root = await scratchDir();
    const outside = await scratchDir();
    await makeTree(outside, { "target.txt": "precious" });
    await symlink(outside, join(root, "results"));
    await symlink(join(outside, "target.txt"), join(root, "link.txt"));
    const archive = await archiveOf({ "results/x.txt": "x", "link.txt": "overwrite", "fine.txt": "fine" });
    const source = await fileSource(archive);
    const announced: string[] = [];
    const failure = await extractChanged(source, { buildRoot: root, wanted: () => true, onExtract: (path) => announced.push(path) }).catch(
      (error: unknown) => error,
    );
    await source.close();
    expect(announced).toEqual([join(root, "fine.txt")]);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toContain(`${join(root, "results/x.txt")} (${join(root, "results")} is a symlink to a place outside the build directory)`);
    expect((failure as UserError).message).toContain(`${join(root, "link.txt")} (it is a symlink to a place outside the build directory)`);
    expect((failure as UserError).hint).toMatch(/Move those symlinks/);
    expect(await readdir(outside)).toEqual(["target.txt"]);
    expect(await readFile(join(outside, "target.txt"), "utf8")).toBe("precious");
    expect(await readFile(join(root, "fine.txt"), "utf8")).toBe("fine");
  });

  it("writes through a symlink that stays inside the build root, to where it leads", async () => {
    const root = await scratchDir();
    await makeTree(root, { "real/old.txt": "kept", "real.txt": "old" });
    await symlink("real", join(root, "link"));
    await symlink("real.txt", join(root, "linked.txt"));
    await symlink(".", join(root, "here"));
    const archive = await archiveOf({ "link/": null, "link/f": "f", "linked.txt": "new", "here/deeper/g": "g" });
    const { announced } = await extract(archive, root);
    expect(announced).toEqual([join(root, "link/f"), join(root, "linked.txt"), join(root, "here/deeper/g")]);
    expect(await readFile(join(root, "real/f"), "utf8")).toBe("f");
    expect(await readFile(join(root, "real.txt"), "utf8")).toBe("new");
    expect(await readFile(join(root, "deeper/g"), "utf8")).toBe("g");
    expect((await lstat(join(root, "link"))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(root, "linked.txt"))).isSymbolicLink()).toBe(true);
  });

  it("never overwrites one result with another that leads to the same local file", async () => {
    const root = await scratchDir();
    await makeTree(root, { "real/": null });
    await symlink("real", join(root, "link"));
    const archive = await archiveOf({ "link/f": "from link", "real/f": "from real", "link/same": "same", "real/same": "same" });
    const failure = await extract(archive, root).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toContain(`${join(root, "real/f")} (another result, ${join(root, "link/f")}, was written to the same local file)`);
    expect((failure as UserError).message).not.toContain("real/same");
    expect(await readFile(join(root, "real/f"), "utf8")).toBe("from link");
    expect(await readFile(join(root, "real/same"), "utf8")).toBe("same");
  });

  it("keeps names that are not UTF-8 as their bytes: r\\xff.txt and r\\xfe.txt stay two results", async () => {
    const work = await scratchDir();
    const name = (byte: number) => Buffer.concat([Buffer.from("r"), Buffer.from([byte]), Buffer.from(".txt")]);
    writeFileSync(Buffer.concat([Buffer.from(work + "/"), name(0xff)]), "one");
    writeFileSync(Buffer.concat([Buffer.from(work + "/"), name(0xfe)]), "two");
    infoZip("zip", ["-q", "-r", "raw.zip", "."], { cwd: work });
    const root = await scratchDir();
    const { announced } = await extract(join(work, "raw.zip"), root);
    expect(announced.sort()).toEqual([join(root, "r\\xfe.txt"), join(root, "r\\xff.txt")]);
    const names = readdirSync(root, { encoding: "buffer" }).sort(Buffer.compare);
    expect(names).toEqual([name(0xfe), name(0xff)]);
    expect(readFileSync(Buffer.concat([Buffer.from(root + "/"), name(0xff)]), "utf8")).toBe("one");
    expect(readFileSync(Buffer.concat([Buffer.from(root + "/"), name(0xfe)]), "utf8")).toBe("two");
  });

  it("names only what was written; what could not be is listed with why, and the rest is written", async () => {
    const root = await scratchDir();
    await makeTree(root, { "ro/a.txt": "old" });
    const archive = await archiveOf({ "first.txt": "1", "ro/a.txt": "new", "ro/b.txt": "b", "last.txt": "2" });
    const denied = (path: PathLike, mode: number) =>
      path.toString().includes("/ro/")
        ? new Writable({ construct: (done) => done(Object.assign(new Error("EACCES: permission denied, open"), { code: "EACCES" })) })
        : createWriteStream(path, { flags: "wx", mode });
    const announced: string[] = [];
    const failure = await extract(archive, root, { createTemporary: denied, onExtract: (path) => announced.push(path) }).catch((error: unknown) => error);
    expect(announced).toEqual([join(root, "first.txt"), join(root, "last.txt")]);
    expect(failure).toBeInstanceOf(UserError);
    const { message, hint } = failure as UserError;
    expect(message).toContain(`2 of the job's results were not downloaded:`);
    expect(message).toContain(`${join(root, "ro/a.txt")} (permission denied writing into ${join(root, "ro")})`);
    expect(message).toContain(`${join(root, "ro/b.txt")} (permission denied writing into ${join(root, "ro")})`);
    expect(hint).toMatch(/Make those directories writable/);
    expect(await readFile(join(root, "ro/a.txt"), "utf8")).toBe("old");
    expect(await readFile(join(root, "last.txt"), "utf8")).toBe("2");
    expect(await readdir(join(root, "ro"))).toEqual(["a.txt"]);
  });

  it("refuses to replace a local directory by a file", async () => {
    const root = await scratchDir();
    await makeTree(root, { "out/keep.txt": "k" });
    const archive = await archiveOf({ out: "a file now" });
    await expect(extract(archive, root)).rejects.toThrow(/out \(it is a directory locally\)/);
    expect(await readFile(join(root, "out/keep.txt"), "utf8")).toBe("k");
  });

  it("skips symlink members", async () => {
    const work = await scratchDir();
    await makeTree(work, { "real.txt": "r" });
    await symlink("/etc/passwd", join(work, "link"));
    infoZip("zip", ["-q", "-y", "links.zip", "link", "real.txt"], { cwd: work });
    const root = await scratchDir();
    const { announced } = await extract(join(work, "links.zip"), root);
    expect(announced).toEqual([join(root, "real.txt")]);
    expect(await readdir(root)).toEqual(["real.txt"]);
  });
});

describe("extractChanged interrupted (R3)", () => {
  async function setUp() {
    const root = await scratchDir();
    await makeTree(root, { "results/big.txt": "old contents" });
    const archive = await archiveOf({ "results/big.txt": "n".repeat(10 << 20) });
    return { root, archive };
  }

  async function leftovers(root: string) {
    return { files: await readdir(join(root, "results")), text: await readFile(join(root, "results/big.txt"), "utf8") };
  }

  it("leaves the old file and no temporary file when the download fails mid-member", async () => {
    const { root, archive } = await setUp();
    const source = await fileSource(archive);
    // Read 1 is the central directory, read 2 the first 8 MiB of the member; then the connection drops.
    const failing: RangeSource = {
      size: source.size,
      read: async (start, end) => {
        if (source.reads.length === 2) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        return source.read(start, end);
      },
    };
    let written = 0;
    const failure = extractChanged(failing, { buildRoot: root, wanted: () => true, onBytes: (n) => (written += n) });
    await expect(failure).rejects.toThrow(/socket hang up/);
    await source.close();
    expect(written).toBeGreaterThan(0);
    expect(await leftovers(root)).toEqual({ files: ["big.txt"], text: "old contents" });
  });

  it("leaves the old file when stopped by a signal mid-member", async () => {
    const { root, archive } = await setUp();
    const controller = new AbortController();
    const failure = extract(archive, root, {
      signal: controller.signal,
      onBytes: () => controller.abort(),
    });
    await expect(failure).rejects.toThrow(/abort/i);
    expect(await leftovers(root)).toEqual({ files: ["big.txt"], text: "old contents" });
  });

  it("removes the temporary files killed downloads left in the directories it writes to, and nothing else", async () => {
    const { root, archive } = await setUp();
    await makeTree(root, {
      "results/.nextstrain-ts-partial-0123456789abcdef": "older version's",
      "results/.nextstrain-ts-partial-00aa11bb-3": "another token's",
      "results/.nextstrain-ts-partial-mine": "not one of ours",
      ".nextstrain-ts-partial-fedcba9876543210": "elsewhere",
    });
    await extract(archive, root, { lock: async () => "12345678" });
    expect((await readdir(join(root, "results"))).sort()).toEqual([".nextstrain-ts-partial-mine", "big.txt"]);
    expect(await readdir(root)).toContain(".nextstrain-ts-partial-fedcba9876543210");
  });

  it("names its temporary files with its token, and without one (no lock held) leaves others' alone", async () => {
    const { root, archive } = await setUp();
    await makeTree(root, { "results/.nextstrain-ts-partial-00aa11bb-3": "maybe live" });
    const opened: string[] = [];
    await extract(archive, root, { createTemporary: (path, mode) => (opened.push(path.toString()), createWriteStream(path, { flags: "wx", mode })) });
    expect(opened).toEqual([expect.stringMatching(/\/results\/\.nextstrain-ts-partial-[0-9a-f]+-0$/)]);
    expect(await readdir(join(root, "results"))).toContain(".nextstrain-ts-partial-00aa11bb-3");
    await makeTree(root, { "results/big.txt": "old again" });
    opened.length = 0;
    await extract(archive, root, { lock: async () => "c0ffee00", createTemporary: (path, mode) => (opened.push(path.toString()), createWriteStream(path, { flags: "wx", mode })) });
    expect(opened).toEqual([join(root, "results/.nextstrain-ts-partial-c0ffee00-0")]);
  });

  it("takes the lock once, before writing, and only when there is something to write", async () => {
    const { root, archive } = await setUp();
    const locked: string[] = [];
    const lock = async () => {
      locked.push(await readFile(join(root, "results/big.txt"), "utf8"));
      return "12345678";
    };
    await extract(archive, root, { lock });
    expect(locked).toEqual(["old contents"]);
    // Now nothing differs: the directory is left untouched, not even locked.
    const before = (await stat(root)).mtimeMs;
    await extract(archive, root, { lock });
    expect(locked).toHaveLength(1);
    // A killed download's temporary file is reason enough to take the lock and remove it.
    await makeTree(root, { "results/.nextstrain-ts-partial-00aa11bb-3": "left by a killed download" });
    await extract(archive, root, { lock });
    expect(locked).toHaveLength(2);
    expect(await readdir(join(root, "results"))).toEqual(["big.txt"]);
    expect((await stat(root)).mtimeMs).toBe(before);
  });

  it("reports a full disk as a UserError naming the directory, leaving the old file", async () => {
    const { root, archive } = await setUp();
    const full = () =>
      new Writable({
        write(_chunk, _encoding, done) {
          done(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
        },
      });
    const failure = await extract(archive, root, { createTemporary: full }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).message).toContain(`No space left to write the job's results into ${join(root, "results")}`);
    expect(await leftovers(root)).toEqual({ files: ["big.txt"], text: "old contents" });
  });
});
