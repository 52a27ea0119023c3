// `build --json` end to end on the local AWS stack: every event of a whole
// run checked against docs/json-events.schema.json, in order, and the final
// result; the exit status is the same as without --json (docs/json-events.md).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild, zikaMini } from "../build/fixtures.js";
import { parseEvents } from "../../helpers/events-schema.js";

const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });

/** The event types in order, runs of the same type (log lines, status changes) as one. */
function shape(events: Record<string, unknown>[]): string[] {
  const types = events.map((event) => (event.type === "stage-started" || event.type === "stage-ended" ? `${event.type as string}:${event.stage as string}` : (event.type as string)));
  return types.filter((type, index) => type !== types[index - 1]);
}

describe("build --json", () => {
  it("writes the run as events, each valid against the schema, ending with the result; people's text goes to stderr", async () => {
    const dir = zikaMini("json");
    const result = await nextstrainTs(["build", "--aws-batch", "--json", "--exec", "./build.sh", dir], { env: home() });
    expect(result.status, result.stderr).toBe(0);
    const events = parseEvents(result.stdout);
    expect(shape(events.filter((event) => event.type !== "status" && event.type !== "log"))).toEqual([
      "stage-started:upload",
      "stage-ended:upload",
      "stage-started:submit",
      "stage-ended:submit",
      "job-submitted",
      "stage-started:watch",
      "attempt",
      "stage-ended:watch",
      "stage-started:download",
      "file-downloaded",
      "download-plan",
      "stage-ended:download",
      "result",
    ]);
    const submitted = events.find((event) => event.type === "job-submitted") as Record<string, string>;
    expect(submitted).toMatchObject({ queue: "nextstrain-job-queue", definition: "nextstrain-job" });
    expect(submitted.archive).toBe(`s3://nextstrain-jobs/${submitted.runId}.zip`);
    const statuses = events.filter((event) => event.type === "status").map((event) => event.status);
    // Only the statuses the follower saw: a short job can pass RUNNING between two polls. What was seen is in
    // Batch's order, each once, ending with SUCCEEDED.
    const lifecycle = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"];
    const order = statuses.map((status) => lifecycle.indexOf(status as string));
    expect(order.every((place, index) => place >= 0 && (index === 0 || place > order[index - 1]!))).toBe(true);
    expect(statuses.at(-1)).toBe("SUCCEEDED");
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(events).toContainEqual(expect.objectContaining({ type: "log", message: expect.stringContaining("Wrote results/counts.tsv") }));
    expect(events).toContainEqual(expect.objectContaining({ type: "file-downloaded", path: path.join(dir, "results", "counts.tsv") }));
    const result_ = events.at(-1) as Record<string, unknown>;
    expect(result_).toMatchObject({ type: "result", exitStatus: 0, jobId: submitted.jobId, status: "SUCCEEDED", exitCode: 0, attempts: 1 });
    expect(Object.keys(result_.stages as object)).toEqual(["upload", "submit", "watch", "download"]);
    expect(result_.bytesUp).toBeGreaterThan(1000);
    expect(result_.bytesDown).toBeGreaterThan(0);
    expect(result.stderr).toContain(`AWS Batch Job ID: ${submitted.jobId}`);
    expect(result.stderr).toContain("Job SUCCEEDED after");
  });

  it("keeps the workflow's exit status; --quiet leaves stderr empty", async () => {
    const dir = scriptBuild("json-fail", "echo failing\nexit 3");
    const result = await nextstrainTs([...SCRIPT, "--json", "--quiet", dir], { env: home() });
    expect(result.status).toBe(3);
    expect(result.stderr).toBe("");
    const events = parseEvents(result.stdout);
    expect(events).toContainEqual(expect.objectContaining({ type: "status", status: "FAILED", exitCode: 3 }));
    expect(events.at(-1)).toMatchObject({ type: "result", exitStatus: 3, status: "FAILED", exitCode: 3 });
  });
});
