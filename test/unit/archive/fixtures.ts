// Scratch directories and file trees for the archive tests.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

const scratch: string[] = [];
afterEach(async () => {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory, removed after the test. */
export async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ns-archive-"));
  scratch.push(dir);
  return dir;
}

/** Create files under `root`: a value of null makes a directory. */
export async function makeTree(root: string, files: Record<string, string | null>): Promise<void> {
  for (const [rel, contents] of Object.entries(files)) {
    const path = join(root, rel);
    if (contents === null) {
      await mkdir(path, { recursive: true });
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, contents);
    }
  }
}

/** A test predicate standing in for the built-in upload exclusions. */
export const excludeBuiltIns = (absPath: string): boolean =>
  /\/(\.git|\.snakemake|__pycache__)$|\/environment[^/]*$|\.pyc$/.test(absPath);
