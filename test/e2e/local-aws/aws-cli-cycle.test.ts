// The whole `build --aws-batch` cycle driven by a client this project did not
// write, the AWS CLI: upload a ZIP made by Info-ZIP, submit the Nextstrain job
// command, poll until SUCCEEDED, read the log stream, fetch the updated ZIP.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { aws, REPO_ROOT, scratchDir, type RunResult } from "../../local-aws/run.js";
import { BUCKET, DEFINITION, LOG_GROUP, nextstrainCommand, QUEUE, zipDir } from "./helpers.js";

function json(result: RunResult): Record<string, unknown> {
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe("AWS CLI against the local stack", () => {
  it("runs examples/zika-mini through upload, submit, describe, logs and download (C104)", async () => {
    const started = Date.now();
    const work = scratchDir("cli");
    const zip = zipDir(path.join(REPO_ROOT, "examples", "zika-mini"));
    const url = `s3://${BUCKET}/${randomUUID()}.zip`;

    const upload = await aws(["s3", "cp", "--no-progress", zip, url]);
    expect(upload.status, upload.stderr).toBe(0);

    const overrides = {
      command: nextstrainCommand(["./build.sh"]),
      environment: [{ name: "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL", value: url }],
      resourceRequirements: [{ type: "VCPU", value: "2" }, { type: "MEMORY", value: "2048" }],
    };
    const submitted = json(
      await aws(["batch", "submit-job", "--job-name", "zika-mini", "--job-queue", QUEUE, "--job-definition", DEFINITION, "--container-overrides", JSON.stringify(overrides)]),
    );
    const jobId = submitted.jobId as string;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    type Job = { status: string; statusReason?: string; container: { exitCode?: number; logStreamName?: string } };
    let job: Job | undefined;
    const seen: string[] = [];
    for (let i = 0; i < 60 && job?.status !== "SUCCEEDED" && job?.status !== "FAILED"; i++) {
      job = (json(await aws(["batch", "describe-jobs", "--jobs", jobId])).jobs as Job[])[0];
      if (job && seen.at(-1) !== job.status) seen.push(job.status);
    }
    expect(job?.status, JSON.stringify(job)).toBe("SUCCEEDED");
    expect(job?.statusReason).toBe("Essential container in task exited");
    expect(job?.container.exitCode).toBe(0);
    expect(job?.container.logStreamName).toBe(`${DEFINITION}/default/${jobId}`);

    const events = json(
      await aws(["logs", "get-log-events", "--log-group-name", LOG_GROUP, "--log-stream-name", job!.container.logStreamName!, "--start-from-head"]),
    ).events as { message: string; timestamp: number }[];
    const messages = events.map((e) => e.message);
    expect(messages).toContain("Counting 5 sequences");
    expect(messages).toContain("Wrote results/counts.tsv and auspice/zika-mini.json");
    // The job side's trace (NEXTSTRAIN_AWS_BATCH_VERBOSE defaults to on) is in the log too.
    expect(messages.some((m) => m.startsWith("+ aws s3 cp --endpoint-url"))).toBe(true);

    const result = path.join(work, "result.zip");
    const download = await aws(["s3", "cp", "--no-progress", url, result]);
    expect(download.status, download.stderr).toBe(0);
    const members = execFileSync("unzip", ["-Z1", result], { encoding: "utf8" }).split("\n");
    expect(members).toEqual(expect.arrayContaining(["results/counts.tsv", "auspice/zika-mini.json", "build.sh", "data/metadata.tsv"]));
    expect(execFileSync("unzip", ["-p", result, "results/counts.tsv"], { encoding: "utf8" })).toBe(
      "country\tsequences\nBrazil\t2\nColombia\t1\nPuerto Rico\t1\nVenezuela\t1\n",
    );
    expect(readFileSync(result).length).toBeGreaterThan(readFileSync(zip).length);

    const version = (await aws(["--version"])).stdout.trim() || (await aws(["--version"])).stderr.trim();
    console.info(`AWS CLI cycle: ${Date.now() - started} ms with ${version}; statuses ${seen.join(" ")}`);
  });
});
