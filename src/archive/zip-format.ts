/**
 * The ZIP record layouts that the writer and the reader share (PKWARE APPNOTE
 * 6.3: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT).
 *
 * Only what this tool writes and what Info-ZIP Zip 3.0 writes back in the job
 * (C104, C105) is covered: stored and deflated members, data descriptors,
 * ZIP64 extra fields and end records, Unix modes in the external attributes.
 */

export const SIG_LOCAL_HEADER = 0x04034b50;
export const SIG_CENTRAL_HEADER = 0x02014b50;
export const SIG_DATA_DESCRIPTOR = 0x08074b50;
export const SIG_END = 0x06054b50;
export const SIG_ZIP64_END = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const END_SIZE = 22;
export const ZIP64_END_SIZE = 56;
export const ZIP64_LOCATOR_SIZE = 20;
/** The end record may be followed by a comment of up to 65,535 bytes. */
export const MAX_END_SEARCH = END_SIZE + 0xffff;

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

export const FLAG_DATA_DESCRIPTOR = 1 << 3;
export const FLAG_UTF8 = 1 << 11;

export const EXTRA_ZIP64 = 0x0001;

/** "Made by" host systems (upper byte of the version-made-by field). */
export const HOST_UNIX = 3;

/** Values that do not fit a classic field; the real value is in a ZIP64 record. */
export const MAGIC32 = 0xffffffff;
export const MAGIC16 = 0xffff;

/** Version needed to extract: 2.0 (deflate, directories, data descriptors) or 4.5 (ZIP64). */
export const VERSION_DEFAULT = 20;
export const VERSION_ZIP64 = 45;

/** File-type bits of a Unix st_mode, as kept in the upper half of the external attributes. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
/** The MS-DOS "directory" attribute bit, set alongside the Unix mode for directories. */
export const DOS_DIRECTORY = 0x10;

/** Write a number below 2^53 as an unsigned 64-bit little-endian field. */
export function writeUInt64(buffer: Buffer, value: number, offset: number): void {
  buffer.writeUInt32LE(value % 0x1_0000_0000, offset);
  buffer.writeUInt32LE(Math.floor(value / 0x1_0000_0000), offset + 4);
}

/** Read an unsigned 64-bit little-endian field; ZIP sizes and offsets stay below 2^53 in practice. */
export function readUInt64(buffer: Buffer, offset: number): number {
  return buffer.readUInt32LE(offset) + buffer.readUInt32LE(offset + 4) * 0x1_0000_0000;
}
