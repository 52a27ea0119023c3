// Until a job exists, a run may fail or be stopped at any point and leave
// nothing behind; once it exists, no failure loses it. These tests check both
// sides against the local stack: what is checked before anything is
// uploaded, what is removed from S3 when no job was submitted (or said, with
// the commands that remove it), Control-C during an upload over a lost
// network, and the re-attach lines every failure prints once a job exists.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { jobIdOf, STACK_TRACE } from "./helpers.js";

/** Each test keeps its own job records. */
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });

describe("attach without a directory", () => {
  it("finds the directory in the bucket's record when this machine has none", async () => {
    const dir = scriptBuild("bucket-record", "echo result > result.txt");
    const detached = await nextstrainTs([...SCRIPT, "--detach", dir], { env: home() });
    expect(detached.status, detached.stderr).toBe(0);
    const attached = await nextstrainTs(["attach", jobIdOf(detached.stdout)], { env: home() });
    expect(attached.status, attached.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "result.txt"), "utf8")).toBe("result\n");
  });

  it("says there is no record of an unknown job here or in the bucket, and to give the directory", async () => {
    const env = home();
    const id = "00000000-0000-4000-8000-00000000abcd";
    const result = await nextstrainTs(["attach", id], { env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `No record of job ${id} here (in ${path.join(env.NEXTSTRAIN_HOME, "jobs")}) or in the bucket (s3://nextstrain-jobs/): give the directory to download its results to.`,
    );
    expect(result.stderr).toContain(`nextstrain-ts attach ${id} <directory>`);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(result.stderr).not.toContain("is required");
  });
});
