// `npm run demo` on a machine without bubblewrap: a PATH that holds every
// program of this one but bwrap (and apt-get, so nothing gets installed). The
// demo says in one line what running unsandboxed loses, then builds the
// example, downloads its results and exits 0.
import { mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, run, scratchDir } from "../../local-aws/run.js";

/** A directory of links to every program on PATH except `hidden`. */
function pathWithout(hidden: string[]): string {
  const bin = path.join(scratchDir("path"), "bin");
  mkdirSync(bin);
  const seen = new Set(hidden);
  for (const dir of (process.env.PATH ?? "").split(":")) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => !seen.has(n))) {
      seen.add(name);
      symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  return bin;
}

describe("npm run demo", () => {
  it("runs the build without a sandbox where bubblewrap is missing, saying what that loses", async () => {
    const tsx = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const result = await run(process.execPath, [tsx, path.join(REPO_ROOT, "test", "local-aws", "demo.ts")], {
      env: { PATH: pathWithout(["bwrap", "apt-get"]) },
    });
    const notices = result.stderr.split("\n").filter((line) => line.startsWith("local-aws:"));
    expect(notices).toEqual([expect.stringMatching(/bubblewrap \(bwrap\) is not installed, so jobs run without a sandbox: they are not isolated .*apt-get install -y bubblewrap/)]);
    expect(result.stdout).toMatch(/Job SUCCEEDED after/);
    expect(result.stdout).toMatch(/The build exited with status 0\. Results in .*:\n {2}results\/counts\.tsv\n {2}auspice\/zika-mini\.json\n$/);
    expect(result.status).toBe(0);
    // The demo leaves its copy for a person to look at; not here.
    const copy = /Results in (\S+):/.exec(result.stdout)?.[1];
    if (copy) rmSync(path.dirname(copy), { recursive: true, force: true });
  });
});
