// R2: throttling on Batch and CloudWatch Logs slows the tool down; it never
// crashes it, loses a log line or prints one twice.
import { describe, expect, it } from "vitest";
import { localAws, nextstrainTs } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { jobIdOf, ownKey, STACK_TRACE } from "./helpers.js";

const { control } = localAws();
const LINES = 300;

describe("R2: throttled Batch and Logs", () => {
  it.each([
    ["throttle", 0],
    ["server-error", 7],
  ] as const)("follows the job to its end with half the Batch and Logs calls failing (%s): every line once, in order, exit %i", async (kind, exit) => {
    const dir = scriptBuild(`r2-${kind}`, `i=1\nwhile [ $i -le ${LINES} ]; do echo "numbered line $i"; i=$((i + 1)); [ $((i % 20)) -eq 0 ] && sleep 0.2; done\nexit ${exit}`);
    const { accessKeyId, env } = ownKey(`r2-${kind}`);
    for (const service of ["batch", "logs"]) await control.addFault({ kind, service, fraction: 0.5, forMs: 60_000, accessKeyId });
    const result = await nextstrainTs([...SCRIPT, dir], { env, timeoutMs: 90_000 });

    const numbers = [...result.stdout.matchAll(/^\[batch\] \[[^\]]+\] numbered line (\d+)$/gm)].map((m) => Number(m[1]));
    expect(numbers).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(result.status).toBe(exit);
    expect(result.stdout).toMatch(new RegExp(`Job (SUCCEEDED|FAILED) after \\d+\\.\\d minutes \\(exited ${exit}\\)`));
    expect(result.stderr).not.toMatch(STACK_TRACE);
    const calls = await control.calls(accessKeyId);
    const failed = (service: string) => calls.filter((c) => c.service === service && c.outcome !== 200).length;
    expect(failed("batch")).toBeGreaterThanOrEqual(3);
    expect(failed("logs")).toBeGreaterThanOrEqual(3);
  }, 100_000);

  it("says once that AWS Batch did not answer while attach looks the job up, then goes on", async () => {
    const dir = scriptBuild("r2-attach", "echo attached");
    const { accessKeyId, env } = ownKey("r2-attach");
    const detached = await nextstrainTs([...SCRIPT, "--detach", dir], { env });
    expect(detached.status).toBe(0);
    await control.addFault({ kind: "server-error", service: "batch", operation: "DescribeJobs", count: 2, accessKeyId });
    const result = await nextstrainTs(["attach", "--no-download", jobIdOf(detached.stdout)], { env: { ...env, AWS_MAX_ATTEMPTS: "1" }, timeoutMs: 60_000 });

    expect(result.stderr.match(/AWS Batch did not answer/g)).toHaveLength(1);
    expect(result.stdout).toMatch(/Job SUCCEEDED after/);
    expect(result.status).toBe(0);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  }, 80_000);
});
