/**
 * Where a download writes a member (extract.ts): each component between the
 * build root and it checked, missing directories created, symlinks followed
 * only when they lead to a place inside the root, and what is there now
 * (docs/compatibility.md#download).
 */
import type { Stats } from "node:fs";
import { lstat, mkdir, realpath, stat } from "node:fs/promises";
import { isWithin, joinBytes, parentOf, showBytes } from "./byte-paths.js";
import { errorCode, writeProblem, type WriteProblem } from "./fs-errors.js";
import { aside, stopWriting } from "./not-written.js";
import type { ZipEntry } from "./zip-reader.js";

/** Where a member is written, and what is there now. */
export interface Place {
  path: Buffer;
  existing: Stats | undefined;
}

/**
 * Where a member goes: each component between the build root and it is
 * checked, missing directories created, and symlinks followed when they lead
 * to a place inside the root. A string saying why when it cannot be written
 * there safely.
 */
export async function placeOf(root: Buffer, parts: readonly Buffer[], entry: ZipEntry): Promise<Place | WriteProblem> {
  let directory = root;
  for (const part of parts.slice(0, -1)) {
    const path = joinBytes(directory, [part]);
    const stats = await lstat(path).catch(ignoreMissing);
    if (stats === undefined) {
      const problem = await makeDirectory(path);
      if (problem !== undefined) return problem;
    } else if (stats.isSymbolicLink()) {
      const real = await followInside(root, path);
      if (typeof real === "string") return aside(`${showBytes(path)} ${real}`);
      if (!(await stat(real)).isDirectory()) return aside(`${showBytes(path)} is not a directory`);
      directory = real;
      continue;
    } else if (!stats.isDirectory()) {
      return aside(`${showBytes(path)} is not a directory`);
    }
    directory = path;
  }
  let path = joinBytes(directory, parts.slice(-1));
  let existing = await lstat(path).catch(ignoreMissing);
  if (existing?.isSymbolicLink()) {
    const inside = await followInside(root, path);
    if (typeof inside === "string") return aside(`it ${inside}`);
    path = inside;
    existing = await lstat(path);
  }
  const conflict = describeConflict(entry, existing);
  return conflict === undefined ? { path, existing } : aside(conflict);
}

/** Creates a missing directory on the way; why not when that is not allowed here. */
async function makeDirectory(path: Buffer): Promise<WriteProblem | undefined> {
  try {
    await mkdir(path);
    return undefined;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined; // made meanwhile
    const parent = showBytes(parentOf(path));
    const problem = writeProblem(error, parent);
    if (problem === undefined) throw stopWriting(error, parent);
    return problem;
  }
}

/** The real path a symlink leads to when that is inside the root; else why not, as "is a symlink to ...". */
async function followInside(root: Buffer, link: Buffer): Promise<Buffer | string> {
  const real = await realpath(link, { encoding: "buffer" }).catch(ignoreMissing);
  if (real === undefined) return "is a symlink to nothing";
  return isWithin(root, real) ? real : "is a symlink to a place outside the build directory";
}

function describeConflict(entry: ZipEntry, existing: Stats | undefined): string | undefined {
  if (existing === undefined) return undefined;
  if (entry.type === "directory") return existing.isDirectory() ? undefined : "the job made it a directory";
  if (existing.isDirectory()) return "it is a directory locally";
  if (!existing.isFile()) return "it is not a regular file locally";
  return undefined;
}

/** For .catch(): undefined when the path does not exist, else rethrow. */
export function ignoreMissing(error: unknown): undefined {
  const code = errorCode(error);
  if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
  throw error;
}
