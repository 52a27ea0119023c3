// Build directories for the end-to-end tests of `build --aws-batch`.
import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, scratchDir } from "../../local-aws/run.js";

/** A copy of examples/zika-mini in a fresh scratch directory. */
export function zikaMini(prefix = "zika"): string {
  const dir = path.join(scratchDir(prefix), "zika-mini");
  cpSync(path.join(REPO_ROOT, "examples", "zika-mini"), dir, { recursive: true });
  return dir;
}

/** Writes files (executable when the name ends in .sh) below `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    if (name.endsWith(".sh")) chmodSync(file, 0o755);
  }
}

/** A build directory whose program is the given shell script, run as ./run.sh. */
export function scriptBuild(prefix: string, script: string, files: Record<string, string> = {}): string {
  const dir = scratchDir(prefix);
  writeFiles(dir, { "run.sh": `#!/bin/sh\nset -e\n${script}\n`, ...files });
  return dir;
}

/** Arguments every run here shares: AWS Batch, the shell program, no terminal. */
export const SCRIPT = ["build", "--aws-batch", "--exec", "./run.sh"];
