// `build --aws-batch` end to end on the local AWS stack, with the real binary:
// upload, submit, follow, download, exit status (docs/architecture.md#stages).
import { DescribeJobDefinitionsCommand, BatchClient } from "@aws-sdk/client-batch";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobPath, localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { IMAGES_DIR } from "../../local-aws/stack.js";
import { SCRIPT, scriptBuild, writeFiles, zikaMini } from "./fixtures.js";

const stack = localAws();

describe("build --aws-batch", () => {
  it("runs the example: upload, logs, download, exit 0, untouched files left alone (C51, C69, C81, C87, C118)", async () => {
    const dir = zikaMini();
    const fasta = path.join(dir, "data", "sequences.fasta");
    const before = statSync(fasta);
    const result = await nextstrainTs(["build", "--aws-batch", "--exec", "./build.sh", dir]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^Nextstrain Run ID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n/);
    expect(out).toContain(`Uploading ${dir} to S3`);
    expect(out).toContain(`zipping: ${path.join(dir, "build.sh")}`);
    expect(out).toMatch(/uploaded: s3:\/\/nextstrain-jobs\/[0-9a-f-]{36}\.zip\n/);
    expect(out).toMatch(/AWS Batch Job ID: [0-9a-f-]{36}\n/);
    expect(out).toMatch(/\[batch\] \[[^\]]+\] Wrote results\/counts\.tsv/);
    expect(out).toMatch(/Job SUCCEEDED after \d+\.\d minutes \(exited 0\)\n/);
    expect(out).toContain(`Downloading all files modified by job to ${dir}`);
    expect(out).toContain(`unzipping: ${path.join(dir, "results", "counts.tsv")}`);
    expect(readFileSync(path.join(dir, "results", "counts.tsv"), "utf8")).toMatch(/^country\tsequences\n/);
    const after = statSync(fasta);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(out).not.toContain(`unzipping: ${fasta}`);
  });

  it("uploads a pathogen repository and runs in the sub-directory (C47, C48)", async () => {
    const repo = scratchDir("repo");
    writeFiles(repo, {
      "nextstrain-pathogen.yaml": "",
      "defaults/reference.txt": "ref\n",
      "phylogenetic/run.sh": "#!/bin/sh\nset -e\npwd > where.txt\ncat ../defaults/reference.txt > seen.txt\n",
    });
    const result = await nextstrainTs([...SCRIPT, path.join(repo, "phylogenetic")]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Uploading ${repo} to S3`);
    expect(result.stdout).toMatch(new RegExp(`env --chdir ${jobPath("/nextstrain/build/phylogenetic")} `));
    expect(readFileSync(path.join(repo, "phylogenetic", "where.txt"), "utf8")).toMatch(new RegExp(`^${jobPath("/nextstrain/build/phylogenetic")}\n$`));
    expect(readFileSync(path.join(repo, "phylogenetic", "seen.txt"), "utf8")).toBe("ref\n");
  });

  it("registers a derived job definition for another image, once (C64-C66)", async () => {
    const image = `nextstrain/base:build-20250801T000000Z`;
    await stack.control.setImage(image, path.join(IMAGES_DIR, "nextstrain-base"));
    const dir = scriptBuild("image", "echo hello from the derived image");
    const first = await nextstrainTs([...SCRIPT, "--image", image, dir]);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("hello from the derived image");
    const batch = new BatchClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    const derived = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: "nextstrain-job_1_nextstrain-base_build-20250801T000000Z" }));
    expect(derived.jobDefinitions?.map((d) => [d.revision, d.containerProperties?.image])).toEqual([[1, image]]);
    const second = await nextstrainTs([...SCRIPT, "--image", image, dir]);
    expect(second.status).toBe(0);
    const again = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: "nextstrain-job_1_nextstrain-base_build-20250801T000000Z" }));
    expect(again.jobDefinitions).toHaveLength(1);
  });

  it("honours --exclude-from-upload and --download patterns (C24, C26, C28, C84)", async () => {
    const dir = scriptBuild("patterns", "ls -R data > results-listing.txt || true\nmkdir -p results auspice\necho r > results/a.json\necho s > auspice/b.json", {
      "data/keep.tsv": "keep\n",
      "data/big.fasta": "skip me\n",
      ".env": "secret\n",
    });
    const result = await nextstrainTs([...SCRIPT, "--exclude-from-upload", "*.fasta", "--download", "results/**", "--download", "*.txt", dir]);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain("zipping: " + path.join(dir, "data", "big.fasta"));
    expect(result.stdout).toContain(`Downloading select files modified by job to ${dir}\n  - results/**\n  - *.txt\n`);
    expect(readFileSync(path.join(dir, "results-listing.txt"), "utf8")).not.toContain("big.fasta");
    expect(existsSync(path.join(dir, "results", "a.json"))).toBe(true);
    expect(existsSync(path.join(dir, "auspice"))).toBe(false);
  });

  it("exits with the workflow's exit status and still downloads its partial results (C83, C90)", async () => {
    const dir = scriptBuild("exit3", "echo partial > partial.txt\nexit 3");
    const result = await nextstrainTs([...SCRIPT, dir]);
    expect(result.status).toBe(3);
    expect(result.stdout).toMatch(/Job FAILED after \d+\.\d minutes \(exited 3\)/);
    expect(readFileSync(path.join(dir, "partial.txt"), "utf8")).toBe("partial\n");
  });

  it("passes environment variables through env.d, never in the job's description (C58-C60, S1)", async () => {
    const dir = scriptBuild("envd", 'printf "%s" "$PLANTED" > planted.txt');
    const marker = "marker-7f3c9a";
    const result = await nextstrainTs([...SCRIPT, "--env", `PLANTED=${marker}`, dir]);
    expect(result.status).toBe(0);
    expect(readFileSync(path.join(dir, "planted.txt"), "utf8")).toBe(marker);
    expect(result.stdout).toMatch(/uploaded: s3:\/\/nextstrain-jobs\/[0-9a-f-]{36}-env\.d\.zip/);
    const jobId = /AWS Batch Job ID: (\S+)/.exec(result.stdout)?.[1] as string;
    const batch = new BatchClient({ endpoint: stack.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    const { DescribeJobsCommand } = await import("@aws-sdk/client-batch");
    const described = JSON.stringify(await batch.send(new DescribeJobsCommand({ jobs: [jobId] })));
    expect(described).toContain("NEXTSTRAIN_ENVD_URL");
    expect(described).not.toContain(marker);
  });
});

describe("jobs that do not end well", () => {
  it("shows why a job is stuck RUNNABLE as soon as Batch says, and with --keep-waiting waits on (C82, docs/architecture.md#aws-facts)", async () => {
    const dir = scriptBuild("stuck", "echo never");
    const running = startNextstrainTs([...SCRIPT, "--no-preflight", "--keep-waiting", "--cpus", "4096", dir]);
    await running.waitFor(/Job is waiting: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT/);
    await running.waitFor(/more vCPUs or memory than the queue's compute environments offer/);
    expect(running.stdout()).not.toMatch(/Job (SUCCEEDED|FAILED)/);
    running.child.kill("SIGTERM");
    const result = await running.done;
    expect(result.signal ?? result.status).toBeTruthy();
  });

  it.each([
    ["out-of-memory", /Job FAILED after \d+\.\d minutes \(OutOfMemoryError: Container killed due to memory usage, exited 137\)/, 137],
    ["instance-terminated", /Job FAILED after \d+\.\d minutes \(Host EC2 \(instance i-[0-9a-f]+\) terminated\.\)/, 1],
  ] as const)("reports a job that failed with %s, with its reason and exit status (R5, C90)", async (kind, line, status) => {
    const dir = scriptBuild(kind, "echo started\nsleep 30");
    const running = startNextstrainTs([...SCRIPT, dir]);
    const [, jobId] = await running.waitFor(/AWS Batch Job ID: (\S+)/);
    await stack.control.failJob(jobId as string, { kind, afterMs: 200 });
    const result = await running.done;
    expect(result.stdout).toMatch(line);
    expect(result.status).toBe(status);
  });

  it("ends cleanly when the job's container never starts and its log stream never appears", async () => {
    const dir = scriptBuild("nopull", "echo never");
    // An image the stack does not serve: the container fails to pull, as on AWS
    // (asking for cannot-pull once the job id is out would race the job's start).
    const result = await nextstrainTs([...SCRIPT, "--image", "lifecycle/absent:1", dir]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/Job FAILED after \d+\.\d minutes \(CannotPullContainerError/);
    expect(result.stderr).toMatch(/never appeared|never started/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("the archive and the job side agree (C56)", () => {
  it("keeps executable bits and lets zip -u update the archive in the job", async () => {
    const dir = scriptBuild("modes", "test -x tools/helper.sh && echo executable > modes.txt\n./tools/helper.sh", {
      "tools/helper.sh": "#!/bin/sh\necho helper ran > helper.txt\n",
    });
    writeFileSync(path.join(dir, "tools", "data.txt"), "plain\n");
    const result = await nextstrainTs([...SCRIPT, dir]);
    expect(result.status).toBe(0);
    expect(readFileSync(path.join(dir, "modes.txt"), "utf8")).toBe("executable\n");
    expect(readFileSync(path.join(dir, "helper.txt"), "utf8")).toBe("helper ran\n");
    expect(result.stdout).toMatch(/\[batch\] \[[^\]]+\]\s+adding: helper\.txt/);
  });
});

describe("development overlays (C45, C46, C57, C112)", () => {
  it("ships --augur <dir> to the job in place of the image's augur, and brings none of it back", async () => {
    const dir = scriptBuild("overlay", "cat ../augur/VERSION > seen.txt\ntest ! -e ../augur/.git/config && echo no-git >> seen.txt");
    const augur = scratchDir("augur-src");
    writeFiles(augur, { VERSION: "augur from my laptop\n", ".git/config": "[core]\n" });
    const result = await nextstrainTs([...SCRIPT, "--augur", augur, dir]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`      and ${augur} as augur`);
    expect(result.stdout).toMatch(/removing \S*\/nextstrain\/augur because workdir ZIP contains \.\.\/augur\/ overlay/);
    expect(readFileSync(path.join(dir, "seen.txt"), "utf8")).toBe("augur from my laptop\nno-git\n");
    expect(existsSync(path.join(path.dirname(dir), "augur", "VERSION"))).toBe(false);
  });

  it("refuses a missing overlay directory before anything is uploaded", async () => {
    const dir = scriptBuild("overlay-missing", "true");
    const result = await nextstrainTs([...SCRIPT, "--auspice", path.join(dir, "no-such-dir"), dir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Error: Error: The path(s) given for the following components do not exist\nor are not directories:\n\n    • auspice: ${path.join(dir, "no-such-dir")}`);
    expect(result.stdout).not.toContain("Uploading");
  });
});
