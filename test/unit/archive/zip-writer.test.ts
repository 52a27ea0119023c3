import { spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ZipMember } from "../../../src/archive/zip-member.js";
import { excludeBuiltIns, makeTree, scratchDir } from "./fixtures.js";
import { infoZip, writeArchive, zipinfoVerbose } from "./zip-tools.js";

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** A small build directory like a pathogen repo. */
async function buildDir(): Promise<string> {
  const root = await scratchDir();
  await makeTree(root, {
    "Snakefile": "rule all:\n",
    "scripts/run.sh": "#!/bin/sh\necho ok\n",
    "data/sequences.fasta": ">a\n" + "ACGT".repeat(5000) + "\n",
    "empty/": null,
    ".git/HEAD": "ref: refs/heads/main\n",
    "environment.sh": "export SECRET=1\n",
  });
  await chmod(join(root, "scripts/run.sh"), 0o755);
  return root;
}

describe("writeZip layout and format (C54, C55, C56)", () => {
  it("writes ./ first, dir/ members, walk order, and calls back per member before writing", async () => {
    const root = await buildDir();
    const out = join(await scratchDir(), "build.zip");
    const announced: string[] = [];
    let bytes = 0;
    await writeArchive(
      out,
      { buildRoot: root, exclude: excludeBuiltIns },
      { onMember: (member) => announced.push(member.path), onBytes: (n) => (bytes += n) },
    );
    const names = infoZip("zipinfo", ["-1", out]).trim().split("\n");
    expect(names[0]).toBe("./");
    expect([...names].sort()).toEqual(["./", "Snakefile", "data/", "data/sequences.fasta", "empty/", "scripts/", "scripts/run.sh"]);
    expect(announced).toEqual(names.map((name) => (name === "./" ? root : join(root, name).replace(/\/$/, ""))));
    expect(bytes).toBe(10 + 18 + 20004);
    expect(infoZip("unzip", ["-tq", out])).toMatch(/No errors detected/);
  });

  it("marks members made by Unix with their mode bits, stored, with data descriptors and no extra field", async () => {
    const root = await buildDir();
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: excludeBuiltIns });

    const script = zipinfoVerbose(out, "scripts/run.sh");
    expect(script["file system or operating system of origin"]).toBe("Unix");
    expect(script["Unix file attributes (100755 octal)"]).toBe("-rwxr-xr-x");
    expect(script["compression method"]).toBe("none (stored)");
    expect(script["extended local header"]).toBe("yes");
    expect(script["length of extra field"]).toBe("0 bytes");
    expect(script["file last modified on (UT extra field modtime)"]).toBeUndefined();

    const dir = zipinfoVerbose(out, "scripts/");
    expect(dir["Unix file attributes (040755 octal)"]).toBe("drwxr-xr-x");
    expect(dir["MS-DOS file attributes (10 hex)"]).toBe("dir");
  });

  it("stores the mtime as the submitter's local wall-clock time (C55) and clamps it to 1980-2107 (C117)", async () => {
    process.env.TZ = "America/New_York";
    const root = await scratchDir();
    await makeTree(root, { "now.txt": "n", "epoch.txt": "e", "future.txt": "f" });
    await utimes(join(root, "now.txt"), 1_710_074_096, Date.parse("2024-03-10T12:34:56Z") / 1000);
    await utimes(join(root, "epoch.txt"), 0, 0);
    await utimes(join(root, "future.txt"), 0, Date.parse("2200-01-01T00:00:00Z") / 1000);
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: () => false });
    const dosTime = (name: string) => zipinfoVerbose(out, name)["file last modified on (DOS date/time)"];
    expect(dosTime("now.txt")).toBe("2024 Mar 10 08:34:56");
    expect(dosTime("epoch.txt")).toBe("1980 Jan 1 00:00:00");
    expect(dosTime("future.txt")).toBe("2107 Dec 31 23:59:58");
  });

  it("extracts with `unzip -: -o` keeping the executable bit and placing overlays beside the build dir (C56, C57)", async () => {
    const root = await buildDir();
    const augur = await scratchDir();
    await makeTree(augur, { "augur/__init__.py": "", "augur/__pycache__/x.pyc": "" });
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, {
      buildRoot: root,
      exclude: excludeBuiltIns,
      overlays: [{ name: "augur", src: augur, exclude: excludeBuiltIns }],
    });
    const names = infoZip("zipinfo", ["-1", out]).trim().split("\n");
    expect(names).toContain("../augur/");
    expect(names).toContain("../augur/augur/__init__.py");
    expect(names.filter((name) => name.includes("__pycache__"))).toEqual([]);

    const job = await scratchDir();
    await mkdir(join(job, "build"));
    infoZip("unzip", ["-:", "-o", out], { cwd: join(job, "build") });
    expect((await stat(join(job, "build/scripts/run.sh"))).mode & 0o777).toBe(0o755);
    expect((await stat(join(job, "build/Snakefile"))).mode & 0o111).toBe(0);
    expect(await readFile(join(job, "build/data/sequences.fasta"), "utf8")).toMatch(/^>a\nACGT/);
    expect((await stat(join(job, "build/empty"))).isDirectory()).toBe(true);
    expect((await stat(join(job, "augur/augur/__init__.py"))).isFile()).toBe(true);
  });

  it("deflates the members the caller chooses", async () => {
    const root = await buildDir();
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(
      out,
      { buildRoot: root, exclude: excludeBuiltIns },
      { compression: (member) => (member.name.endsWith(".fasta") ? "deflate" : "store") },
    );
    expect(zipinfoVerbose(out, "data/sequences.fasta")["compression method"]).toMatch(/^deflated/);
    expect(zipinfoVerbose(out, "Snakefile")["compression method"]).toBe("none (stored)");
    expect(infoZip("unzip", ["-tq", out])).toMatch(/No errors detected/);
    expect(infoZip("unzip", ["-p", out, "data/sequences.fasta"])).toBe(await readFile(join(root, "data/sequences.fasta"), "utf8"));

  });

  it("flags non-ASCII names as UTF-8 so unzip restores them", async () => {
    const root = await scratchDir();
    await makeTree(root, { "données/é.txt": "é" });
    const out = join(await scratchDir(), "build.zip");
    await writeArchive(out, { buildRoot: root, exclude: () => false });
    const job = await scratchDir();
    infoZip("unzip", ["-q", out], { cwd: job });
    expect(await readFile(join(job, "données/é.txt"), "utf8")).toBe("é");
  });

  it("writes ZIP64 end records for more than 65,535 members, readable by unzip and updatable by zip -u", async () => {
    const count = 70_000;
    const root = await scratchDir();
    await writeFile(join(root, "last.txt"), "last\n");
    async function* members(): AsyncGenerator<ZipMember> {
      const mtime = new Date();
      for (let i = 0; i < count; i++) {
        yield { name: `d${i}/`, path: join(root, `d${i}`), isDirectory: true, size: 0, mode: 0o755, mtime };
      }
      yield { name: "last.txt", path: join(root, "last.txt"), isDirectory: false, size: 5, mode: 0o644, mtime };
    }
    const work = await scratchDir();
    const out = join(work, "many.zip");
    await writeArchive(out, members());
    expect(infoZip("unzip", ["-tq", out])).toMatch(/No errors detected/);

    await writeFile(join(work, "added.txt"), "added\n");
    infoZip("zip", ["-u", out, "added.txt"], { cwd: work });
    const names = infoZip("zipinfo", ["-1", out]).trim().split("\n");
    expect(names).toHaveLength(count + 2);
    expect(names.slice(-2)).toEqual(["last.txt", "added.txt"]);
  }, 60_000);
});

describe("writeZip ZIP64 members", () => {
  it("gives a member that needs ZIP64 sizes a ZIP64 extra field and version 45 in its local header too, so zip -u does not warn", async () => {
    // Whether a member needs ZIP64 is decided from its walked size, before it is
    // read: a 1-byte member that was 3.75 GiB when walked has the headers of a
    // large one without writing gigabytes. Without the local field (archiver
    // leaves it out), Zip 3.0 warns on `zip -u`: "Local Version Needed To
    // Extract does not match CD".
    const work = await scratchDir();
    const out = join(work, "big.zip");
    const member: ZipMember = { name: "big.bin", path: join(work, "big.bin"), data: Buffer.from("x"), isDirectory: false, size: 0xf000_0000, mode: 0o644, mtime: new Date() };
    await writeArchive(out, (async function* () {
      yield member;
    })());
    const bytes = await readFile(out);
    const nameLength = bytes.readUInt16LE(26);
    expect(bytes.readUInt32LE(0)).toBe(0x04034b50);
    expect(bytes.readUInt16LE(4)).toBe(45);
    expect(bytes.readUInt16LE(28)).toBeGreaterThanOrEqual(4);
    expect(bytes.readUInt16LE(30 + nameLength)).toBe(0x0001);
    expect(zipinfoVerbose(out, "big.bin")["minimum software version required to extract"]).toMatch(/^4\.5/);

    await writeFile(join(work, "added.txt"), "added\n");
    const update = spawnSync("zip", ["-u", out, "added.txt"], { cwd: work, encoding: "utf8" });
    expect(update.status).toBe(0);
    expect(update.stdout + update.stderr).not.toMatch(/warning/i);
    expect(infoZip("unzip", ["-tq", out])).toMatch(/No errors detected/);
  });
});

describe("writeZip failures", () => {
  it("names a file that disappeared between the walk and its turn", async () => {
    const root = await scratchDir();
    await makeTree(root, { "gone.txt": "soon gone" });
    const member: ZipMember = { name: "gone.txt", path: join(root, "gone.txt"), isDirectory: false, size: 9, mode: 0o644, mtime: new Date() };
    await rm(member.path);
    const out = join(await scratchDir(), "build.zip");
    await expect(writeArchive(out, (async function* () {
      yield member;
    })())).rejects.toThrow(`${member.path} disappeared while the build directory was being uploaded.`);
  });

  it("names a large stored file that disappeared before the upload reached it", async () => {
    const root = await scratchDir();
    await makeTree(root, { "first.gz": "x".repeat(3 << 20), "second.gz": "y".repeat(3 << 20) });
    const members: ZipMember[] = ["first.gz", "second.gz"].map((name) => ({ name, path: join(root, name), isDirectory: false, size: 3 << 20, mode: 0o644, mtime: new Date() }));
    const out = join(await scratchDir(), "build.zip");
    const written = writeArchive(
      out,
      (async function* () {
        yield* members;
      })(),
      { compression: () => "store", onMember: (member) => member.name === "first.gz" && void rm(join(root, "second.gz")) },
    );
    await expect(written).rejects.toThrow(`${join(root, "second.gz")} disappeared while the build directory was being uploaded.`);
  });
});
