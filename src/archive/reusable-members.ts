/**
 * Which members of the previous run's archive a new upload may copy instead
 * of sending (reuse-plan.ts): those that a full upload of the tree as it is
 * now would store alike, so the job's `unzip` extracts the same file and its
 * `zip -u` sees the same time. A member is reusable when a walked file has
 * its name, size, permission bits and DOS time (as this upload would write
 * it), and the same contents: vouched for by the record of the last upload
 * or download (same size and mtime), else by reading the file for its
 * CRC-32. Directories, symlinks, names that are not UTF-8 and names the
 * archive holds twice are always written afresh.
 */
import { toLocalDosDateTime } from "./dos-time.js";
import { localCrc } from "./local-crc.js";
import { METHOD_DEFLATED, METHOD_STORED, S_IFMT, S_IFREG } from "./zip-format.js";
import type { ZipMember } from "./zip-member.js";
import type { ZipEntry } from "./zip-reader.js";

/** True when the record says the file of `member` holds contents with this CRC-32. */
export type Vouch = (member: ZipMember, crc32: number) => boolean;

/** The entries of the previous archive whose walked file is unchanged, each with the member it stands for. */
export async function reusableEntries(entries: readonly ZipEntry[], members: readonly ZipMember[], vouch: Vouch): Promise<Map<ZipEntry, ZipMember>> {
  const byName = new Map<string, ZipMember>();
  for (const member of members) if (!member.isDirectory && member.data === undefined) byName.set(member.name, member);
  const seen = new Map<string, number>();
  for (const entry of entries) seen.set(entry.name, (seen.get(entry.name) ?? 0) + 1);

  const reusable = new Map<ZipEntry, ZipMember>();
  for (const entry of entries) {
    const member = byName.get(entry.name);
    if (member === undefined || seen.get(entry.name) !== 1 || !storedAlike(entry, member)) continue;
    if (vouch(member, entry.crc32) || (await localCrc(member.path)) === entry.crc32) reusable.set(entry, member);
  }
  return reusable;
}

/** Whether the entry's headers say what a full upload would write for this file (its contents aside). */
function storedAlike(entry: ZipEntry, member: ZipMember): boolean {
  if (entry.type !== "file" || entry.rawName !== undefined) return false;
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) return false;
  if (entry.uncompressedSize !== member.size) return false;
  const mode = entry.unixMode;
  if (mode === undefined || (mode & S_IFMT) !== S_IFREG || (mode & 0o7777) !== (member.mode & 0o7777)) return false;
  const dos = toLocalDosDateTime(member.mtime);
  return dos.date === entry.modified.date && dos.time === entry.modified.time;
}
