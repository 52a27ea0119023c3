// docs/ci.md's example workflow is run by the project's own CI: its steps
// that call nextstrain-ts must be, word for word, those of the
// docs-ci-example job in .github/workflows/ci.yml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");

/** The `run: |` blocks of a workflow's text, by the name of their step, without their indentation. */
function runBlocks(workflow: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const lines = workflow.split("\n");
  let name = "";
  lines.forEach((line, index) => {
    const named = /^\s*- name: (.+)$/.exec(line);
    if (named) name = named[1] as string;
    const run = /^(\s*)run: \|$/.exec(line);
    if (!run) return;
    const body: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== "" && next.search(/\S/) <= (run[1] as string).length) break;
      body.push(next.trim());
    }
    blocks.set(name, body.join("\n").trim());
  });
  return blocks;
}

describe("docs/ci.md's example workflow", () => {
  const doc = /```yaml\n([\s\S]*?)```/.exec(read("docs/ci.md"))?.[1] ?? "";
  const documented = runBlocks(doc);
  const tested = runBlocks(read(".github/workflows/ci.yml"));

  const steps = ["Submit the build", "Job id", "Follow the job and download its results", "Summary"];

  it("has the steps that submit and follow", () => {
    expect([...documented.keys()]).toEqual(steps);
  });

  it.each(steps)("runs %j in CI exactly as documented", (step) => {
    expect(tested.get(step)).toBe(documented.get(step));
  });
});
