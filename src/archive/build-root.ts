/**
 * Which directory gets uploaded, and where the job starts (docs/compatibility.md#build-root).
 *
 * The build root is the nearest ancestor-or-self of the given directory's real
 * path that holds an entry named `nextstrain-pathogen.yaml` (any file type, any
 * contents; a dangling symlink does not count, as in the CLI), else the
 * directory itself (C47). The job's working dir is the given directory's place
 * under `/nextstrain/build` in the container (C48).
 */
import { realpath, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";

export const PATHOGEN_MARKER = "nextstrain-pathogen.yaml";
export const CONTAINER_BUILD_DIR = "/nextstrain/build";

export interface BuildRoot {
  /** The real path of the directory the user named. */
  workingDir: string;
  /** The directory that is uploaded and that results are downloaded into. */
  buildRoot: string;
}

/** Resolve `dir` (which must exist) and find its build root. */
export async function findBuildRoot(dir: string): Promise<BuildRoot> {
  const workingDir = await realpath(dir);
  for (let candidate = workingDir; ; candidate = dirname(candidate)) {
    if (await exists(join(candidate, PATHOGEN_MARKER))) return { workingDir, buildRoot: candidate };
    if (dirname(candidate) === candidate) return { workingDir, buildRoot: workingDir };
  }
}

/** `/nextstrain/build` or `/nextstrain/build/<working dir relative to the build root>`, with `/` separators. */
export function containerWorkingDir({ workingDir, buildRoot }: BuildRoot): string {
  const rel = relative(buildRoot, workingDir);
  return rel === "" ? CONTAINER_BUILD_DIR : `${CONTAINER_BUILD_DIR}/${rel.split(sep).join("/")}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
