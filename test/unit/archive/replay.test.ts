// The job side replayed locally: our archive goes through
// Info-ZIP exactly as entrypoint-aws-batch uses it (C104), and the updated
// archive comes back through our reader and extractor.
import { chmod, copyFile, mkdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { extractChanged } from "../../../src/archive/extract.js";
import { excludeBuiltIns, makeTree, scratchDir } from "./fixtures.js";
import { fileSource, infoZip, writeArchive, type InfoZipOptions } from "./zip-tools.js";

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Uploaded files' mtime; in New York (UTC-5 in January) the archive says 07:00. */
const UPLOADED = Date.parse("2024-01-15T12:00:00Z") / 1000;
/** When the job wrote its results. */
const JOB_TIME = Date.parse("2024-01-16T09:30:00Z") / 1000;

describe("replay of the job side with Info-ZIP (A.4, C56, C87, C118)", () => {
  it("round-trips: unzip -: -o, two zip -u runs, then only changed members come back", async () => {
    process.env.TZ = "America/New_York"; // the submitter's zone
    const top = await scratchDir();
    const local = join(top, "local");
    await makeTree(local, {
      "nextstrain-pathogen.yaml": "",
      "scripts/run.sh": "#!/bin/sh\necho run\n",
      "ingest/Snakefile": "rule all:\n",
      "data/keep.txt": "keep",
      "data/edited-locally.txt": "as uploaded",
      "data/deleted-by-job.txt": "the job removes this",
      "data/deleted-locally.txt": "the user removes this",
      "results/changed-by-job.txt": "before",
      ".git/HEAD": "ref: refs/heads/main\n",
      "environment.sh": "export SECRET=1\n",
    });
    await chmod(join(local, "scripts/run.sh"), 0o755);
    for (const rel of ["scripts/run.sh", "ingest/Snakefile", "data/keep.txt", "data/edited-locally.txt", "data/deleted-by-job.txt", "data/deleted-locally.txt", "results/changed-by-job.txt"]) {
      await utimes(join(local, rel), UPLOADED, UPLOADED);
    }

    // Upload.
    const archive = join(top, "upload.zip");
    await writeArchive(archive, { buildRoot: local, exclude: excludeBuiltIns });

    // The job, in UTC: fetch to $PWD.zip, unzip -: -o in /nextstrain/build.
    const job = join(top, "nextstrain");
    const build = join(job, "build");
    await mkdir(build, { recursive: true });
    await copyFile(archive, join(job, "build.zip"));
    const inJob: InfoZipOptions = { cwd: build, env: { TZ: "UTC" } };
    infoZip("unzip", ["-:", "-o", "../build.zip"], inJob);
    expect((await stat(join(build, "scripts/run.sh"))).mode & 0o777).toBe(0o755);
    await expect(stat(join(build, ".git"))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(build, "environment.sh"))).rejects.toThrow(/ENOENT/);

    // The workflow runs in ingest/ and changes things.
    await makeTree(build, {
      "results/changed-by-job.txt": "after",
      "ingest/results/out.txt": "ingested",
      "ingest/.snakemake/log/run.log": "ingest log",
      "ingest/.snakemake/conda/env": "conda env",
      ".snakemake/log/top.log": "top log",
      ".snakemake/metadata/m": "metadata",
      ".snakemake/incomplete/z": "incomplete marker",
    });
    for (const rel of ["results/changed-by-job.txt", "ingest/results/out.txt", "ingest/.snakemake/log/run.log", "ingest/.snakemake/conda/env", ".snakemake/log/top.log", ".snakemake/metadata/m", ".snakemake/incomplete/z"]) {
      await utimes(join(build, rel), JOB_TIME, JOB_TIME);
    }
    await rm(join(build, "data/deleted-by-job.txt"));

    // Update the archive as entrypoint-aws-batch does; status 12 is "nothing to do".
    const excludeRun = ["-u", "../build.zip", "-r", ".", "--exclude", ".snakemake/*"];
    const includeRun = ["-u", "../build.zip", "-r", ".", "--include", ".snakemake/log/*", ".snakemake/metadata/*", ".snakemake/storage/*"];
    infoZip("zip", excludeRun, { ...inJob, ok: [0, 12] });
    infoZip("zip", includeRun, { ...inJob, ok: [0, 12] });
    expect(() => infoZip("zip", includeRun, { ...inJob, ok: [12] })).not.toThrow();
    expect(infoZip("unzip", ["-tq", "../build.zip"], inJob)).toMatch(/No errors detected/);
    const names = infoZip("zipinfo", ["-1", "../build.zip"], inJob).trim().split("\n");
    expect(names).toEqual(expect.arrayContaining(["ingest/.snakemake/conda/env", "ingest/.snakemake/log/run.log", ".snakemake/log/top.log", ".snakemake/metadata/m", "data/deleted-by-job.txt"]));
    expect(names.filter((name) => name.startsWith(".snakemake/incomplete"))).toEqual([]);

    // Meanwhile on the laptop.
    await writeFile(join(local, "data/edited-locally.txt"), "edited after upload");
    await rm(join(local, "data/deleted-locally.txt"));
    const before = await Promise.all(["data/keep.txt", "scripts/run.sh", "data/deleted-by-job.txt"].map((rel) => stat(join(local, rel))));

    // Download.
    const source = await fileSource(join(job, "build.zip"));
    const announced: string[] = [];
    const result = await extractChanged(source, { buildRoot: local, wanted: () => true, onExtract: (path) => announced.push(path) });
    await source.close();

    const changed = [
      "results/changed-by-job.txt",
      "ingest/results/",
      "ingest/results/out.txt",
      "ingest/.snakemake/",
      "ingest/.snakemake/log/",
      "ingest/.snakemake/log/run.log",
      "ingest/.snakemake/conda/",
      "ingest/.snakemake/conda/env",
      ".snakemake/log/",
      ".snakemake/log/top.log",
      ".snakemake/metadata/",
      ".snakemake/metadata/m",
      "data/edited-locally.txt",
      "data/deleted-locally.txt",
    ].map((rel) => join(local, rel).replace(/\/$/, ""));
    expect([...announced].sort()).toEqual([...changed].sort());
    expect(result.extracted).toBe(changed.length);

    // Untouched files keep inode and mtime; nothing is deleted locally (C118).
    const after = await Promise.all(["data/keep.txt", "scripts/run.sh", "data/deleted-by-job.txt"].map((rel) => stat(join(local, rel))));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    expect((await stat(join(local, "scripts/run.sh"))).mode & 0o777).toBe(0o755);

    // Job results carry the job's (UTC) time; the reverted and restored files
    // carry the uploaded wall-clock time read as UTC, five hours early (C89).
    expect((await stat(join(local, "results/changed-by-job.txt"))).mtimeMs).toBe(JOB_TIME * 1000);
    expect((await stat(join(local, "data/edited-locally.txt"))).mtimeMs).toBe((UPLOADED - 5 * 3600) * 1000);
    expect(await readFile(join(local, "data/edited-locally.txt"), "utf8")).toBe("as uploaded");
    expect(await readFile(join(local, "data/deleted-locally.txt"), "utf8")).toBe("the user removes this");
    expect(await readFile(join(local, "results/changed-by-job.txt"), "utf8")).toBe("after");
    expect(await readFile(join(local, "ingest/.snakemake/conda/env"), "utf8")).toBe("conda env");
  }, 30_000);
});
