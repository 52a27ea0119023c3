/**
 * The files the tool itself makes inside a build directory, and how to tell
 * whose they are.
 *
 * Every such name starts with `.nextstrain-ts-`, so one rule keeps them out of
 * uploads and downloads (see exclusions.ts):
 *
 *  - `.nextstrain-ts-lock`: held by the one download writing into the build
 *    directory (src/state/download-lock.ts);
 *  - `.nextstrain-ts-lock-<token>`: that lock while it is being taken;
 *  - `.nextstrain-ts-partial-<token>-<n>`: a result being written, renamed over
 *    its real name once whole. `<token>` is the download's lock token, so a
 *    temporary file belongs to the download holding the lock with that token;
 *    any other one was left by a download that was killed (SIGKILL, power cut)
 *    and is abandoned. Older versions named them `.nextstrain-ts-partial-<16 hex>`,
 *    without a token: those are always abandoned.
 */
import { readdir, rm } from "node:fs/promises";
import { basename, sep } from "node:path";

export const OWN_PREFIX = ".nextstrain-ts-";
export const LOCK_NAME = `${OWN_PREFIX}lock`;
const PARTIAL_PREFIX = `${OWN_PREFIX}partial-`;
const PARTIAL = /^\.nextstrain-ts-partial-(?:([0-9a-f]+)-[0-9a-f]+|[0-9a-f]{16})$/;

/** Whether a file name (its last component) is one of the tool's own working files. */
export function isOwnFileName(name: string): boolean {
  return name.startsWith(OWN_PREFIX);
}

/** The name of the `sequence`-th temporary file of the download holding the lock `token`. */
export function partialName(token: string, sequence: number): string {
  return `${PARTIAL_PREFIX}${token}-${sequence.toString(16)}`;
}

/**
 * Whether `name` is a temporary file that no live download owns: one of the
 * tool's temporary files whose token is not `liveToken` (the token of the
 * download that holds the lock now, if any).
 */
export function isAbandonedPartial(name: string, liveToken: string | undefined): boolean {
  const match = PARTIAL.exec(name);
  return match !== null && (liveToken === undefined || match[1] !== liveToken);
}

/** Removes the abandoned temporary files among `paths` (absolute; as bytes where names need not be UTF-8). */
export async function removeAbandonedPartials(paths: Iterable<string | Buffer>, liveToken: string | undefined): Promise<void> {
  for (const path of paths) {
    const name = typeof path === "string" ? basename(path) : path.subarray(path.lastIndexOf(SEPARATOR) + SEPARATOR.length).toString("latin1");
    if (isAbandonedPartial(name, liveToken)) await rm(path, { force: true });
  }
}

/** The tool's temporary files directly inside `directory`, whoever owns them (bytes: names need not be UTF-8). */
export async function partialsIn(directory: Buffer): Promise<Buffer[]> {
  const names = await readdir(directory, { encoding: "buffer" }).catch(() => [] as Buffer[]);
  return names.filter((name) => isAbandonedPartial(name.toString("latin1"), undefined)).map((name) => Buffer.concat([directory, SEPARATOR, name]));
}

const SEPARATOR = Buffer.from(sep);
