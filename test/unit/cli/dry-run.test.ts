import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runMain } from "../../helpers/io.js";

describe("build --dry-run", () => {
  const repo = mkdtempSync(join(tmpdir(), "nextstrain-ts-dry-run-"));
  writeFileSync(join(repo, "nextstrain-pathogen.yaml"), "");
  mkdirSync(join(repo, "phylogenetic"));
  const config = join(repo, "config");
  writeFileSync(config, "[aws-batch]\nqueue = config-queue\n\n[core]\nrunner = aws-batch\n");

  it("shows each setting with its source and touches nothing (C5, C47)", async () => {
    const result = await runMain(["build", "--dry-run", "--cpus", "4", "phylogenetic"], {
      cwd: repo,
      env: { NEXTSTRAIN_CONFIG: config, NEXTSTRAIN_AWS_BATCH_S3_BUCKET: "s3://my-bucket/runs/", AWS_DEFAULT_REGION: "eu-central-1" },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    const row = (label: string) => lines.find((line) => line.trimStart().startsWith(label)) ?? "";
    expect(row("runtime")).toMatch(/aws-batch\s+from \[core\] runner in .*config$/);
    expect(row("job queue")).toMatch(/config-queue\s+from \[aws-batch\] queue in /);
    expect(row("job definition")).toMatch(/nextstrain-job\s+from built-in default$/);
    expect(row("S3 bucket")).toMatch(/s3:\/\/my-bucket\/runs\/\s+from NEXTSTRAIN_AWS_BATCH_S3_BUCKET$/);
    expect(row("vCPUs")).toMatch(/4\s+from --cpus$/);
    expect(row("region")).toMatch(/eu-central-1\s+from AWS_DEFAULT_REGION$/);
    expect(result.stdout).toContain(`Uploaded directory (build root): ${repo}`);
    expect(result.stdout).toContain("Working directory in the job: /nextstrain/build/phylogenetic");
  });

  it("shows and passes on the exact MiB of --memory, with no floating-point rounding", async () => {
    // 522.190848 MB is exactly 498 MiB; floating point makes it 522190847 bytes, 497 MiB.
    const result = await runMain(["build", "--dry-run", "--memory", "522.190848mb", "phylogenetic"], { cwd: repo, env: { NEXTSTRAIN_CONFIG: config } });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/memory \(MiB\)\s+498\s+from --memory/);
    expect(result.stdout).toContain("--resources=mem_mb=498");
  });
});
