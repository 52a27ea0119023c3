/**
 * The build root and the job's working directory (compat-spec §3.2, C47, C48).
 *
 * The build root is the nearest ancestor-or-self of the given directory holding
 * an entry named `nextstrain-pathogen.yaml` (a pathogen repository), else the
 * directory itself; it is what gets uploaded. The job runs in
 * `/nextstrain/build/<directory relative to the root>`.
 */
import { existsSync, realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

export const PATHOGEN_MARKER = "nextstrain-pathogen.yaml";
export const REMOTE_BUILD_DIR = "/nextstrain/build";

export interface BuildLocation {
  /** The given directory, resolved to a real absolute path. */
  directory: string;
  /** What is uploaded. */
  root: string;
  /** The working directory inside the job. */
  remoteWorkdir: string;
}

export function locateBuild(directory: string, exists: (path: string) => boolean = existsSync): BuildLocation {
  const resolved = realpathSync(directory);
  let root = resolved;
  for (let candidate = resolved; ; candidate = dirname(candidate)) {
    if (exists(join(candidate, PATHOGEN_MARKER))) {
      root = candidate;
      break;
    }
    if (dirname(candidate) === candidate) break;
  }
  const inside = relative(root, resolved).split(sep).join("/");
  return { directory: resolved, root, remoteWorkdir: inside ? `${REMOTE_BUILD_DIR}/${inside}` : REMOTE_BUILD_DIR };
}
