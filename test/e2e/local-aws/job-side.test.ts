// The job side of the nextstrain/base image (C103-C107) as the stack runs
// it: sandboxes that keep jobs apart, env.d delivery and deletion, overlays,
// the archive update rules for .snakemake/, tracing, custom images.
import { RegisterJobDefinitionCommand } from "@aws-sdk/client-batch";
import { HeadObjectCommand, NotFound, PutObjectCommand } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe as group, expect, it, onTestFinished } from "vitest";
import { startGate } from "../../local-aws/gate.js";
import { jobPath, localAws, scratchDir } from "../../local-aws/run.js";
import { BUCKET, clients, finished, logMessages, nextstrainCommand, readWorkdir, submit, uploadBuild, waitFor } from "./helpers.js";

const { batch, s3, logs } = clients();
const sandboxed = localAws().sandbox === "bwrap";
/** `lines` has one that matches the whole of `pattern`. */
const lineMatching = (pattern: string) => expect.arrayContaining([expect.stringMatching(new RegExp(`^${pattern}$`))]);

async function finishedJob(jobId: string) {
  const { job } = await waitFor(batch, jobId, finished);
  const lines = (await logMessages(logs, job.container!.logStreamName!)).map((e) => e.message);
  return { job, lines };
}

async function runJob(command: string[], environment: Record<string, string> = {}, extra: Parameters<typeof submit>[1] = {}) {
  return finishedJob(await submit(batch, { command, environment, ...extra }));
}

/** An env.d archive made with Info-ZIP from name -> file content; answers its s3:// URL. */
async function uploadEnvd(variables: Record<string, string>): Promise<string> {
  const envd = scratchDir("envd");
  for (const [name, content] of Object.entries(variables)) writeFileSync(path.join(envd, name), content);
  const zip = `${envd}.zip`;
  execFileSync("zip", ["-q", "-r", zip, "."], { cwd: envd });
  const key = `${randomUUID()}-env.d.zip`;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(zip) }));
  return `s3://${BUCKET}/${key}`;
}

group("job side of nextstrain/base", () => {
  it("runs two jobs at once, each with its own /nextstrain/build, the host read-only", async () => {
    // Both wait at a gate opened once both are RUNNING: they surely overlap.
    const gate = await startGate();
    onTestFinished(() => gate.close());
    const script = (name: string) =>
      [
        `echo ${name} > mine-${name}`,
        gate.wait,
        'echo "build: $(ls | tr "\\n" " ")"',
        // Without bubblewrap jobs share the host's files and /tmp: no isolation to check (or to write /etc with).
        ...(sandboxed
          ? ["touch /etc/written-by-job 2>/dev/null && echo host-writable || echo host-read-only", `echo ${name} > /tmp/shared-${name}; echo "tmp: $(ls /tmp | tr "\\n" " ")"`]
          : []),
        'echo "home: $HOME pwd: $PWD"',
      ].join("; ");
    const ids = await Promise.all([submit(batch, { command: ["sh", "-c", script("a")] }), submit(batch, { command: ["sh", "-c", script("b")] })]);
    await Promise.all(ids.map((id) => waitFor(batch, id, (j) => j.status === "RUNNING")));
    gate.open();
    const [a, b] = await Promise.all([finishedJob(ids[0]), finishedJob(ids[1])]);
    expect(a.job.startedAt!).toBeLessThan(b.job.stoppedAt!);
    expect(b.job.startedAt!).toBeLessThan(a.job.stoppedAt!);
    expect(a.lines).toContain("build: mine-a ");
    expect(b.lines).toContain("build: mine-b ");
    for (const { lines } of [a, b]) expect(lines).toEqual(lineMatching(`home: ${jobPath("/nextstrain")} pwd: ${jobPath("/nextstrain/build")}`));
    if (sandboxed) {
      for (const { lines } of [a, b]) expect(lines).toContain("host-read-only");
      expect(a.lines).toContain("tmp: shared-a ");
      expect(b.lines).toContain("tmp: shared-b ");
    }
  });

  it("loads env.d variables before the command, then deletes them from disk and S3 (C107, C60)", async () => {
    // As the client writes them: newlines as NUL, a trailing newline; an empty file unsets.
    const envdUrl = await uploadEnvd({ MULTI: "line one\0line two\n", SECRET_TOKEN: "s3cr3t\n", UNSET_ME: "" });
    const url = await uploadBuild(s3, { "show.sh": '#!/bin/sh\nprintf "MULTI=%s|\\n" "$MULTI"\necho "SECRET_TOKEN=$SECRET_TOKEN"\necho "UNSET_ME=${UNSET_ME-<unset>}"\necho "env.d entries: $(ls -A /nextstrain/env.d | wc -l)"\n' }, ["show.sh"]);

    const { job, lines } = await runJob(nextstrainCommand(["./show.sh"]), {
      NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url,
      NEXTSTRAIN_ENVD_URL: envdUrl,
      NEXTSTRAIN_DELETE_ENVD: "1",
      UNSET_ME: "set in the job environment",
    });
    expect(job.status).toBe("SUCCEEDED");
    expect(lines).toEqual(expect.arrayContaining(["MULTI=line one", "line two|", "SECRET_TOKEN=s3cr3t", "UNSET_ME=<unset>", "env.d entries: 0"]));
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: envdUrl.replace(`s3://${BUCKET}/`, "") }))).rejects.toBeInstanceOf(NotFound);
  });

  it("keeps env.d when deletion is not asked for, and refuses other URL forms (C107)", async () => {
    const envdUrl = await uploadEnvd({ KEPT: "yes\n" });
    const kept = await runJob(["sh", "-c", 'echo "KEPT=$KEPT"; ls /nextstrain/env.d'], { NEXTSTRAIN_ENVD_URL: envdUrl });
    expect(kept.lines).toEqual(expect.arrayContaining(["KEPT=yes", "KEPT"]));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: envdUrl.replace(`s3://${BUCKET}/`, "") }));
    expect(head.ContentLength).toBeGreaterThan(0);

    const { job, lines } = await runJob(["true"], { NEXTSTRAIN_ENVD_URL: "https://example.org/env.d.zip" });
    expect(job.container?.exitCode).toBe(1);
    expect(lines).toContain("create-envd: No handler for NEXTSTRAIN_ENVD_URL https://example.org/env.d.zip");
  });

  it("replaces the image's /nextstrain/augur with a ../augur/ overlay from the archive (C104)", async () => {
    const root = scratchDir("overlay");
    // Info-ZIP will not store ../ paths; Python's zipfile does, as the Nextstrain CLI's archives have them.
    execFileSync("python3", ["-c", [
      "import sys, zipfile",
      "z = zipfile.ZipFile(sys.argv[1], 'w')",
      "z.writestr('./', '')",
      "z.writestr('run.sh', '#!/bin/sh\\nls \"$HOME/augur\" \"$HOME/auspice\"\\n')",
      "z.getinfo('run.sh').external_attr = 0o100755 << 16",
      "z.writestr('../augur/', '')",
      "z.writestr('../augur/from-overlay', 'mine')",
      "z.close()",
    ].join("\n"), path.join(root, "build.zip")]);
    const key = `${randomUUID()}.zip`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(path.join(root, "build.zip")) }));
    const { job, lines } = await runJob(nextstrainCommand(["sh", "run.sh"]), { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: `s3://${BUCKET}/${key}` });
    expect(job.status).toBe("SUCCEEDED");
    expect(lines).toEqual(lineMatching(`removing ${jobPath("/nextstrain/augur")} because workdir ZIP contains \\.\\./augur/ overlay`));
    expect(lines).toContain("from-overlay");
    expect(lines.filter((l) => l === "from-image")).toHaveLength(1); // auspice keeps the image's copy
  });

  it("adds results to the archive but leaves out top-level .snakemake/ except log/, metadata/, storage/ (C105)", async () => {
    const script = [
      "mkdir -p .snakemake/log .snakemake/metadata .snakemake/incomplete ingest/.snakemake/conda results",
      "echo log > .snakemake/log/run.log; echo meta > .snakemake/metadata/m; echo x > .snakemake/incomplete/x",
      "echo env > ingest/.snakemake/conda/env.yaml; echo r > results/r.txt",
    ].join("; ");
    const url = await uploadBuild(s3, { "Snakefile": "# nothing\n" });
    const { job } = await runJob(nextstrainCommand(["sh", "-c", script]), { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url });
    expect(job.status).toBe("SUCCEEDED");
    const { members } = await readWorkdir(s3, url);
    expect(members).toEqual(expect.arrayContaining([".snakemake/log/run.log", ".snakemake/metadata/m", "ingest/.snakemake/conda/env.yaml", "results/r.txt", "Snakefile"]));
    expect(members).not.toContain(".snakemake/incomplete/x");
  });

  it("traces by default and not with NEXTSTRAIN_AWS_BATCH_VERBOSE=0; an unusable workdir URL fails (C106)", async () => {
    const url = await uploadBuild(s3, { "a.txt": "a\n" });
    const quiet = await runJob(nextstrainCommand(["cat", "a.txt"]), { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url, NEXTSTRAIN_AWS_BATCH_VERBOSE: "0" });
    expect(quiet.lines.filter((l) => l.startsWith("+ "))).toEqual([]);
    expect(quiet.lines).toContain("a");
    const loud = await runJob(nextstrainCommand(["cat", "a.txt"]), { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: url, NEXTSTRAIN_AWS_BATCH_VERBOSE: "" });
    expect(loud.lines).toEqual(lineMatching(`\\+ env --chdir ${jobPath("/nextstrain/build")} -- cat a\\.txt`));

    const broken = await runJob(nextstrainCommand(["true"]), { NEXTSTRAIN_AWS_BATCH_WORKDIR_URL: "" });
    expect(broken.job.container?.exitCode).toBe(1);
    expect(broken.lines).toContain("entrypoint-aws-batch: No handler for NEXTSTRAIN_AWS_BATCH_WORKDIR_URL ");
  });

  it("serves a user's own image directory for an image name", async () => {
    const image = scratchDir("image");
    mkdirSync(path.join(image, "usr", "local", "bin"), { recursive: true });
    writeFileSync(path.join(image, "usr", "local", "bin", "my-entrypoint"), '#!/bin/sh\necho "my entrypoint got: $*"\n');
    chmodSync(path.join(image, "usr", "local", "bin", "my-entrypoint"), 0o755);
    writeFileSync(path.join(image, "image.json"), JSON.stringify({ entrypoint: ["/usr/local/bin/my-entrypoint"], workdir: "/nextstrain" }));
    const name = `example.org/custom-${randomUUID()}`;
    await localAws().control.setImage(name, image);
    const jobDefinitionName = `custom-${Date.now()}`;
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName, type: "container", containerProperties: { image: `${name}:v1`, resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "256" }] } }));
    const { job, lines } = await runJob(["one", "two"], {}, { jobDefinition: jobDefinitionName });
    expect(job.status).toBe("SUCCEEDED");
    expect(lines).toEqual(["my entrypoint got: one two"]);
  });
});
