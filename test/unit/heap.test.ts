// The young generation stays small once build and attach set it (src/heap.ts):
// measured in a fresh Node process, against one that does not set it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const HEAP = fileURLToPath(new URL("../../dist/heap.js", import.meta.url));

/** The young generation's size in MiB after churning through short-lived objects, in a new process. */
function youngGenerationAfterChurn(setIt: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { keepYoungGenerationSmall } from ${JSON.stringify(HEAP)};
    if (${setIt}) keepYoungGenerationSmall();
    let kept = [];
    for (let i = 0; i < 3e6; i++) { kept.push({ i }); if (kept.length > 200000) kept = []; }
    console.log(getHeapSpaceStatistics().find((space) => space.space_name === "new_space").space_size / 2 ** 20);`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(child.stderr).toBe("");
  return Number(child.stdout.trim());
}

describe("keepYoungGenerationSmall", () => {
  it("holds the young generation at its size where Node would let it grow", () => {
    // Node 20 starts it at 2 MiB and lets it grow to 32 MiB.
    expect(youngGenerationAfterChurn(false)).toBeGreaterThan(8);
    expect(youngGenerationAfterChurn(true)).toBeLessThanOrEqual(2);
  });
});
