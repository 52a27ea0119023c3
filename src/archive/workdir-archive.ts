/**
 * What goes into the workdir archive and under which names (docs/compatibility.md#upload).
 *
 * The build root is walked first: its own member is `./`, the others are named
 * by their path relative to it, directories with a trailing `/` (C54). Overlay
 * directories follow under `../<name>/`, their root as `../<name>/` (C57),
 * which is how the job recognises them. Which paths are left out is decided by
 * the predicates passed in (C52: the built-in and user exclusions for the build
 * root, the built-in ones only for overlays).
 */
import { walkTree, type ExcludePredicate, type SkipReason, type WalkEntry } from "./walk.js";
import type { ZipMember } from "./zip-member.js";

export interface OverlayVolume {
  /** Volume name, e.g. "augur": stored as `../augur/`. */
  name: string;
  /** Absolute path of the local directory. */
  src: string;
  exclude: ExcludePredicate;
}

export interface WorkdirArchiveSource {
  /** Absolute path of the build root. */
  buildRoot: string;
  exclude: ExcludePredicate;
  overlays?: readonly OverlayVolume[];
  onSkip?: (absPath: string, reason: SkipReason) => void;
}

/** The archive's members, in walk order; pass them to writeZip(). */
export async function* workdirMembers(source: WorkdirArchiveSource): AsyncGenerator<ZipMember> {
  const { onSkip } = source;
  for await (const entry of walkTree(source.buildRoot, { exclude: source.exclude, onSkip })) {
    yield toMember(entry, entry.relPath === "" ? "." : entry.relPath);
  }
  for (const overlay of source.overlays ?? []) {
    for await (const entry of walkTree(overlay.src, { exclude: overlay.exclude, onSkip })) {
      yield toMember(entry, entry.relPath === "" ? `../${overlay.name}` : `../${overlay.name}/${entry.relPath}`);
    }
  }
}

function toMember(entry: WalkEntry, name: string): ZipMember {
  return {
    name: entry.isDirectory ? `${name}/` : name,
    path: entry.path,
    isDirectory: entry.isDirectory,
    size: entry.size,
    mode: entry.mode,
    mtime: entry.mtime,
  };
}
