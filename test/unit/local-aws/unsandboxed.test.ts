// Jobs without bubblewrap: the container's paths rewritten to the attempt's
// own root, then real attempts of the nextstrain/base image run by the
// ContainerRunner as plain processes (no moto: logs go to a list).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { ContainerRunner } from "../../local-aws/batch/container.js";
import { loadImageConfig } from "../../local-aws/batch/images.js";
import type { LogEvent } from "../../local-aws/batch/log-shipper.js";
import { containerPathRewriter, handlesSignal, unsandboxedLaunch } from "../../local-aws/batch/unsandboxed.js";
import { IMAGES_DIR } from "../../local-aws/stack.js";

describe("containerPathRewriter", () => {
  const rewrite = containerPathRewriter("/w/j/attempt-1", ["/sbin/entrypoint", "/sbin/entrypoint-aws-batch"]);
  it.each([
    ["/nextstrain", "/w/j/attempt-1/nextstrain"],
    ["/nextstrain/build/ingest", "/w/j/attempt-1/nextstrain/build/ingest"],
    ["exec /sbin/entrypoint-aws-batch x", "exec /w/j/attempt-1/sbin/entrypoint-aws-batch x"],
    ['exec /sbin/entrypoint "$@"', 'exec /w/j/attempt-1/sbin/entrypoint "$@"'],
    ["envd=/nextstrain/env.d", "envd=/w/j/attempt-1/nextstrain/env.d"],
    ["--directory=/nextstrain/build", "--directory=/w/j/attempt-1/nextstrain/build"],
    ["ls /nextstrain/env.d; cat /nextstrain/x", "ls /w/j/attempt-1/nextstrain/env.d; cat /w/j/attempt-1/nextstrain/x"],
    ["s3://nextstrain-jobs/a.zip", "s3://nextstrain-jobs/a.zip"],
    ["s3://bucket/nextstrain/a.zip", "s3://bucket/nextstrain/a.zip"],
    ["/nextstrain-jobs", "/nextstrain-jobs"],
    ["$HOME/nextstrain", "$HOME/nextstrain"],
    ["${HOME}/nextstrain", "${HOME}/nextstrain"],
    ["/home/u/nextstrain/build", "/home/u/nextstrain/build"],
    ["/sbin/other", "/sbin/other"],
    ["/w/j/attempt-1/nextstrain/build", "/w/j/attempt-1/nextstrain/build"],
  ])("%s -> %s", (text, expected) => expect(rewrite(text)).toBe(expected));
});

describe("unsandboxedLaunch", () => {
  const launch = unsandboxedLaunch(
    {
      imageFiles: [
        { sandboxPath: "/sbin/entrypoint", hostPath: "/img/sbin/entrypoint" },
        { sandboxPath: "/usr/local/bin/tool", hostPath: "/img/usr/local/bin/tool" },
        { sandboxPath: "/usr/local/bin/link", hostPath: "/img/usr/local/bin/link", symlink: "/sbin/entrypoint" },
        { sandboxPath: "/opt/rel", hostPath: "/img/opt/rel", symlink: "../sbin/entrypoint" },
      ],
      jobDir: "/w/j/attempt-1/nextstrain",
      workdir: "/nextstrain/build",
      env: { HOME: "/nextstrain", PATH: "/usr/local/bin:/usr/bin:/sbin", LANG: "C.UTF-8" },
      argv: ["/sbin/entrypoint", "/sbin/entrypoint-aws-batch", "env", "--chdir", "/nextstrain/build/a", "--", "snakemake"],
    },
    "/w/j/attempt-1",
  );

  it("runs the image's entrypoint from the root, in the rewritten working directory", () => {
    expect(launch.argv).toEqual(["/w/j/attempt-1/sbin/entrypoint", "/sbin/entrypoint-aws-batch", "env", "--chdir", "/w/j/attempt-1/nextstrain/build/a", "--", "snakemake"]);
    expect(launch.cwd).toBe("/w/j/attempt-1/nextstrain/build");
  });

  it("rewrites the environment, putting the image's directories first on PATH", () => {
    expect(launch.env).toEqual({ HOME: "/w/j/attempt-1/nextstrain", PATH: "/w/j/attempt-1/usr/local/bin:/usr/local/bin:/usr/bin:/w/j/attempt-1/sbin:/sbin", LANG: "C.UTF-8" });
  });

  it("places image files under the root, absolute symlink targets too", () => {
    expect(launch.files).toEqual([
      { from: "/img/sbin/entrypoint", to: "/w/j/attempt-1/sbin/entrypoint" },
      { from: "/img/usr/local/bin/tool", to: "/w/j/attempt-1/usr/local/bin/tool" },
      { from: "/img/usr/local/bin/link", to: "/w/j/attempt-1/usr/local/bin/link", symlink: "/w/j/attempt-1/sbin/entrypoint" },
      { from: "/img/opt/rel", to: "/w/j/attempt-1/opt/rel", symlink: "../sbin/entrypoint" },
    ]);
  });
});

describe("handlesSignal", () => {
  it.each([
    ["0000000000004000", 15, true],
    ["0000000000000000", 15, false],
    ["0000000000004002", 2, true],
    ["0000000000000100", 9, true],
    ["0000000180004a02", 15, true],
    ["0000000180000a02", 15, false],
  ])("SigCgt %s, signal %i: %s", (mask, signal, expected) => {
    expect(handlesSignal(`Name:\tsh\nSigIgn:\t0000000000000000\nSigCgt:\t${mask}\n`, signal)).toBe(expected);
  });
});

describe("ContainerRunner without a sandbox", () => {
  const workRoot = mkdtempSync(path.join(tmpdir(), "local-aws-unsandboxed-"));
  afterAll(() => rmSync(workRoot, { recursive: true, force: true }));
  const streams = new Map<string, LogEvent[]>();
  const runner = new ContainerRunner({
    workRoot,
    sandbox: "none",
    logFlushMs: 20,
    logLagMs: () => 0,
    sink: {
      createStream: async (_group, stream) => void streams.set(stream, []),
      put: async (_group, stream, events) => void streams.get(stream)?.push(...events),
    },
  });
  const image = loadImageConfig(path.join(IMAGES_DIR, "nextstrain-base"));
  let jobs = 0;
  const start = async (script: string) => {
    const jobId = `job-${++jobs}`;
    const container = await runner.start({
      jobId, attempt: 1, image, command: ["sh", "-c", script],
      env: { ...image.env, PATH: process.env.PATH ?? "/usr/bin:/bin" }, logGroup: "g", logStream: jobId,
    });
    const lines = () => (streams.get(jobId) ?? []).map((event) => event.message);
    const waitForLine = async (line: string) => {
      while (!lines().includes(line)) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    return { container, lines, waitForLine };
  };

  it("runs the image's entrypoint chain in the job's own /nextstrain/build, with the image's /nextstrain files", async () => {
    const { container, lines } = await start('echo "home=$HOME pwd=$PWD"; cat /nextstrain/augur/from-image; echo made > out.txt; exit 3');
    expect((await container.exited).exitCode).toBe(3);
    const root = path.join(workRoot, "job-1", "attempt-1");
    expect(container.jobDir).toBe(path.join(root, "nextstrain"));
    expect(lines()).toEqual([`home=${root}/nextstrain pwd=${root}/nextstrain/build`, "augur as shipped in the image"]);
    expect(readFileSync(path.join(container.jobDir, "build", "out.txt"), "utf8")).toBe("made\n");
    // The image's scripts are rewritten copies: the originals still name /nextstrain.
    expect(readFileSync(path.join(root, "sbin", "entrypoint"), "utf8")).toContain(`${root}/nextstrain/env.d`);
  });

  it("ignores SIGTERM without a handler, as PID 1 does; SIGKILL ends the command and what it started", async () => {
    const { container, waitForLine } = await start('sleep 600 & i=0; while :; do i=$((i + 1)); echo "tick $i"; sleep 0.05; done');
    await waitForLine("tick 1");
    container.signal("SIGTERM");
    // Still printing after the signal: it was not delivered (a shell without a handler dies of it).
    await waitForLine("tick 3");
    container.signal("SIGKILL");
    expect((await container.exited).exitCode).toBe(137);
  });

  it("delivers SIGTERM to a command that traps it", async () => {
    const { container, waitForLine } = await start("trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
    await waitForLine("ready");
    container.signal("SIGTERM");
    expect((await container.exited).exitCode).toBe(7);
  });

  it("ends what the command left running when it exits, as the end of a PID namespace does", async () => {
    const { container, lines } = await start('sleep 600 & echo "child $!"');
    expect((await container.exited).exitCode).toBe(0);
    const pid = Number(/child (\d+)/.exec(lines().join("\n"))?.[1]);
    expect(pid).toBeGreaterThan(0);
    // Killed: its pipes are closed already, and it is gone (or a zombie) once the kernel has finished with it.
    const alive = () => existsSync(`/proc/${pid}`) && !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    await vi.waitFor(() => expect(alive()).toBe(false), { timeout: 15_000, interval: 20 });
  });
});
