/**
 * What a download compares each wanted member with (extract.ts): the local
 * file's CRC-32 (C87), unless the caller's record vouches for it by size and
 * modification time.
 */
import { readFileSync, statSync, type PathLike } from "node:fs";
import { open } from "node:fs/promises";
import { crc32 } from "node:zlib";
import { showBytes } from "./byte-paths.js";
import { ignoreMissing } from "./result-place.js";
import type { ZipEntry } from "./zip-reader.js";

/**
 * True when the local file at `absPath`, with this size and mtime, is known
 * to hold contents with this CRC-32; "changed" when it is known to hold
 * other contents (the record knows it at this size and mtime, with another
 * CRC-32); false when nothing is known (the file is read).
 */
export type KnownUnchanged = (absPath: string, size: number, mtimeMs: number, crc32: number) => boolean | "changed";

/** Local files up to this size are read whole for their CRC-32; larger ones in chunks of it. */
const WHOLE_FILE = 1 << 20;

/**
 * What the caller's record says of the local file (ExtractOptions.knownUnchanged
 * in extract.ts): unchanged, changed (a file the job changed: not read for
 * nothing), or undefined when it does not know.
 */
export function recordSays(target: Buffer, entry: ZipEntry, knownUnchanged: KnownUnchanged | undefined): "unchanged" | "changed" | undefined {
  if (knownUnchanged === undefined || entry.type !== "file") return undefined;
  let stats;
  try {
    stats = statSync(target, { throwIfNoEntry: false });
  } catch {
    return undefined; // not a directory on the way, a loop...: read it as usual
  }
  if (stats === undefined || !stats.isFile()) return undefined;
  const known = knownUnchanged(showBytes(target), stats.size, stats.mtimeMs, entry.crc32);
  return known === true ? "unchanged" : known === "changed" ? "changed" : undefined;
}

/**
 * The local CRC-32 to compare with (C87): 0 for a directory, undefined when
 * missing or not a regular file (so it always differs). Symlinks are read
 * through, as by the CLI; only writing checks where they lead.
 */
export async function localCrc(path: PathLike): Promise<number | undefined> {
  // Synchronous for small files, as in the walk: thread-pool round trips made
  // checking 100,000 unchanged files take 20 times longer.
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    stats = ignoreMissing(error);
  }
  if (stats === undefined) return undefined;
  if (stats.isDirectory()) return 0;
  if (!stats.isFile()) return undefined;
  if (stats.size <= WHOLE_FILE) return crc32(readFileSync(path));
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(WHOLE_FILE);
    let crc = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return crc;
      crc = crc32(buffer.subarray(0, bytesRead), crc);
    }
  } finally {
    await handle.close();
  }
}
