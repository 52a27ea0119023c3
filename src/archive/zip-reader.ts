/**
 * Random-access reading of a ZIP archive through ranged reads (C87: only the
 * central directory and the changed members are fetched).
 *
 * The archive is reached through a RangeSource (S3 ranged GETs in production,
 * a local file in tests). readZipDirectory() reads the end records (classic and
 * ZIP64) and the central directory, reusing the bytes of its first read of the
 * tail. Each entry carries its `span`: the bytes from its local header up to
 * the next member or the central directory, i.e. exactly what extracting it
 * needs (header, data and data descriptor). openEntry() reads that span in
 * chunks, inflates when needed and checks the CRC-32 and size.
 *
 * Spans of members that lie next to each other are contiguous, so fetching
 * several members with one request is a matter of wrapping the RangeSource in
 * one that reads the union of their spans once and serves reads from it.
 *
 * Written by hand rather than with unzipper's Open.custom: that reads an entry
 * as its compressed size plus 1,000 bytes of padding from an open-ended
 * stream, finds the end record only within the last 80 bytes (so not past an
 * archive comment), never checks CRC-32, and offers no way to coalesce reads.
 */
import { Readable, Transform, pipeline } from "node:stream";
import { createInflateRaw, crc32 } from "node:zlib";
import type { DosDateTime } from "./dos-time.js";
import {
  CENTRAL_HEADER_SIZE,
  END_SIZE,
  EXTRA_ZIP64,
  HOST_UNIX,
  LOCAL_HEADER_SIZE,
  MAGIC32,
  MAX_END_SEARCH,
  METHOD_DEFLATED,
  METHOD_STORED,
  SIG_CENTRAL_HEADER,
  SIG_END,
  SIG_LOCAL_HEADER,
  SIG_ZIP64_END,
  SIG_ZIP64_LOCATOR,
  S_IFLNK,
  S_IFMT,
  ZIP64_END_SIZE,
  ZIP64_LOCATOR_SIZE,
  readUInt64,
} from "./zip-format.js";

/** Random access to the bytes of an archive. */
export interface RangeSource {
  size: number;
  /** Bytes [start, endExclusive); must return exactly that many. */
  read(start: number, endExclusive: number): Promise<Buffer>;
}

/** The archive is damaged or uses a feature this reader does not handle. */
export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipFormatError";
  }
}

export type EntryType = "file" | "directory" | "symlink";

export interface ZipEntry {
  /** The name decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD): for matching and messages. */
  name: string;
  /**
   * The name's bytes as stored, when they are not valid UTF-8 (so `name` lost
   * them): the file system needs them, since two such names can decode alike.
   * Kept for those names only, which spares memory on archives of 100,000
   * members; nameBytes() gives the bytes of any entry.
   */
  rawName?: Buffer;
  type: EntryType;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 stored, 8 deflated; others cannot be opened. */
  method: number;
  modified: DosDateTime;
  /** st_mode (type and permission bits) when made by a Unix host, else undefined. */
  unixMode: number | undefined;
  localHeaderOffset: number;
  /** [start, end) from the local header to the next member or the central directory. */
  span: { start: number; end: number };
  /** Where its record starts in the central directory (ZipDirectory.central). */
  centralAt: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  /** The central directory's bytes, when asked for (an upload that reuses members copies their records). */
  central?: Buffer;
}

const TAIL_SIZE = MAX_END_SEARCH + ZIP64_LOCATOR_SIZE + ZIP64_END_SIZE;
/**
 * The first read of the tail: enough for the end records of an archive
 * without a long comment (ours and Info-ZIP's have none) and often the whole
 * central directory of a small one. Reading all 64 KiB a comment could
 * need would fetch unneeded member data from small archives.
 */
const FIRST_TAIL_SIZE = 16 << 10;
const DEFAULT_CHUNK = 8 << 20;
const INFLATE_CHUNK = 256 << 10;

export async function readZipDirectory(source: RangeSource, options: { keepCentral?: boolean } = {}): Promise<ZipDirectory> {
  let tailStart = Math.max(0, source.size - FIRST_TAIL_SIZE);
  let tail = await source.read(tailStart, source.size);
  let endAt = findEndRecord(tail);
  if (endAt === undefined && tailStart > 0) {
    tailStart = Math.max(0, source.size - TAIL_SIZE);
    tail = await source.read(tailStart, source.size);
    endAt = findEndRecord(tail);
  }
  if (endAt === undefined) throw new ZipFormatError("not a ZIP archive (no end of central directory record)");

  let count = tail.readUInt16LE(endAt + 10);
  let cdSize = tail.readUInt32LE(endAt + 12);
  let cdOffset = tail.readUInt32LE(endAt + 16);
  let cdLimit = tailStart + endAt;

  const locatorAt = endAt - ZIP64_LOCATOR_SIZE;
  if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === SIG_ZIP64_LOCATOR) {
    const zip64EndOffset = readUInt64(tail, locatorAt + 8);
    const record = await readRange(source, tail, tailStart, zip64EndOffset, zip64EndOffset + ZIP64_END_SIZE);
    if (record.readUInt32LE(0) !== SIG_ZIP64_END) throw new ZipFormatError("ZIP64 end record not found where its locator points");
    count = readUInt64(record, 32);
    cdSize = readUInt64(record, 40);
    cdOffset = readUInt64(record, 48);
    cdLimit = zip64EndOffset;
  } else if (cdSize === MAGIC32 || cdOffset === MAGIC32) {
    // (A count of exactly 65,535 fits the classic field, so it alone proves nothing.)
    throw new ZipFormatError("the end record needs a ZIP64 record, but none was found");
  }
  if (cdOffset + cdSize > cdLimit) throw new ZipFormatError("the central directory lies outside the archive (truncated?)");

  const central = await readRange(source, tail, tailStart, cdOffset, cdOffset + cdSize);
  const entries = parseCentralDirectory(central, count);
  assignSpans(entries, cdOffset);
  return { entries, centralDirectoryOffset: cdOffset, centralDirectorySize: cdSize, ...(options.keepCentral ? { central: Buffer.from(central) } : {}) };
}

/** An entry's record in the central directory, as stored (the directory must have been read with keepCentral). */
export function centralRecord(directory: ZipDirectory, entry: ZipEntry): Buffer {
  const central = directory.central;
  if (central === undefined) throw new Error("the central directory was not kept");
  const at = entry.centralAt;
  const length = CENTRAL_HEADER_SIZE + central.readUInt16LE(at + 28) + central.readUInt16LE(at + 30) + central.readUInt16LE(at + 32);
  return central.subarray(at, at + length);
}

/** The bytes of an entry's name, as stored. */
export function nameBytes(entry: ZipEntry): Buffer {
  return entry.rawName ?? Buffer.from(entry.name);
}

/** The entry's contents, decompressed; the stream fails on a CRC-32 or size mismatch. */
export function openEntry(source: RangeSource, entry: ZipEntry, chunkSize = DEFAULT_CHUNK): Readable {
  if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
    throw new ZipFormatError(`${entry.name} uses compression method ${entry.method}; only stored and deflated members can be read`);
  }
  let crc = 0;
  let size = 0;
  const verify = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (crc !== entry.crc32 || size !== entry.uncompressedSize) {
        done(new ZipFormatError(`${entry.name} is damaged in the archive (CRC-32 or size mismatch)`));
      } else done();
    },
  });
  const raw = Readable.from(rawData(source, entry, chunkSize), { objectMode: false });
  // pipeline() destroys the returned (last) stream with the first error of any stage.
  const ignore = () => {};
  // Inflated in pieces of 256 KiB rather than zlib's 16 KiB: every piece passes
  // through the stream stages below and the writer's, and a FASTA member
  // inflates 60-fold, so small pieces cost more in stream bookkeeping than in
  // inflating.
  const inflate = () => createInflateRaw({ chunkSize: INFLATE_CHUNK });
  return entry.method === METHOD_DEFLATED ? pipeline(raw, inflate(), verify, ignore) : pipeline(raw, verify, ignore);
}

/** The member's stored bytes, read in chunks from its span. */
async function* rawData(source: RangeSource, entry: ZipEntry, chunkSize: number): AsyncGenerator<Buffer> {
  const { start, end } = entry.span;
  let buffer = await source.read(start, Math.min(end, start + Math.max(chunkSize, LOCAL_HEADER_SIZE)));
  if (buffer.length < LOCAL_HEADER_SIZE || buffer.readUInt32LE(0) !== SIG_LOCAL_HEADER) {
    throw new ZipFormatError(`no local header for ${entry.name} at offset ${start}`);
  }
  const dataStart = start + LOCAL_HEADER_SIZE + buffer.readUInt16LE(26) + buffer.readUInt16LE(28);
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > end) throw new ZipFormatError(`the data of ${entry.name} overruns the next member`);

  let position = start + buffer.length;
  if (position < dataStart) {
    buffer = Buffer.concat([buffer, await source.read(position, dataStart)]);
    position = dataStart;
  }
  const first = buffer.subarray(dataStart - start, Math.min(buffer.length, dataEnd - start));
  if (first.length > 0) yield first;
  while (position < dataEnd) {
    const next = Math.min(dataEnd, position + chunkSize);
    yield await source.read(position, next);
    position = next;
  }
}

/** Offset in `tail` of the end-of-central-directory record whose comment reaches exactly to the end. */
function findEndRecord(tail: Buffer): number | undefined {
  for (let at = tail.length - END_SIZE; at >= 0; at--) {
    if (tail.readUInt32LE(at) === SIG_END && at + END_SIZE + tail.readUInt16LE(at + 20) === tail.length) return at;
  }
  return undefined;
}

/** Bytes [start, end) of the archive, taken from the already-read tail where possible. */
async function readRange(source: RangeSource, tail: Buffer, tailStart: number, start: number, end: number): Promise<Buffer> {
  if (start >= tailStart) return tail.subarray(start - tailStart, end - tailStart);
  if (end <= tailStart) return source.read(start, end);
  return Buffer.concat([await source.read(start, tailStart), tail.subarray(0, end - tailStart)]);
}

function parseCentralDirectory(central: Buffer, count: number): CentralEntry[] {
  const entries: CentralEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_SIZE > central.length || central.readUInt32LE(at) !== SIG_CENTRAL_HEADER) {
      throw new ZipFormatError(`central directory entry ${i + 1} of ${count} is missing or damaged`);
    }
    const nameLength = central.readUInt16LE(at + 28);
    const extraLength = central.readUInt16LE(at + 30);
    const commentLength = central.readUInt16LE(at + 32);
    const nameStart = at + CENTRAL_HEADER_SIZE;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > central.length) throw new ZipFormatError(`central directory entry ${i + 1} of ${count} is truncated`);

    const fields = {
      uncompressedSize: central.readUInt32LE(at + 24),
      compressedSize: central.readUInt32LE(at + 20),
      localHeaderOffset: central.readUInt32LE(at + 42),
    };
    applyZip64Extra(central.subarray(extraStart, extraStart + extraLength), fields);

    // Names are UTF-8 in practice: this tool and Info-ZIP on Linux write them
    // so, but Info-ZIP stores a name that is not UTF-8 as its bytes.
    const name = central.toString("utf8", nameStart, extraStart);
    const raw = central.subarray(nameStart, extraStart);
    const rawName = name.includes("\uFFFD") && !Buffer.from(name).equals(raw) ? Buffer.from(raw) : undefined;
    const unixMode = central.readUInt8(at + 5) === HOST_UNIX ? central.readUInt32LE(at + 38) >>> 16 : undefined;
    const type = name.endsWith("/") ? "directory" : unixMode !== undefined && (unixMode & S_IFMT) === S_IFLNK ? "symlink" : "file";
    entries.push(new CentralEntry(name, rawName, type, central.readUInt32LE(at + 16), fields, central.readUInt16LE(at + 10), central.readUInt32LE(at + 12), unixMode, at));
    at = next;
  }
  return entries;
}

/** Replace fields holding the magic value by their values from the ZIP64 extra field, in APPNOTE order. */
function applyZip64Extra(
  extra: Buffer,
  fields: { uncompressedSize: number; compressedSize: number; localHeaderOffset: number },
): void {
  for (let at = 0; at + 4 <= extra.length; at += 4 + extra.readUInt16LE(at + 2)) {
    if (extra.readUInt16LE(at) !== EXTRA_ZIP64) continue;
    const end = at + 4 + extra.readUInt16LE(at + 2);
    let position = at + 4;
    for (const key of ["uncompressedSize", "compressedSize", "localHeaderOffset"] as const) {
      if (fields[key] !== MAGIC32) continue;
      if (position + 8 > end) throw new ZipFormatError("a ZIP64 extra field is too short");
      fields[key] = readUInt64(extra, position);
      position += 8;
    }
    return;
  }
}

/**
 * An entry as read from the central directory, kept small: an archive of
 * 100,000 members holds 100,000 of them for the whole download. Its span and
 * DOS time are made when asked for, from plain numbers.
 */
class CentralEntry implements ZipEntry {
  readonly rawName?: Buffer;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /** Where the span ends: set by assignSpans once every entry is read. */
  spanEnd: number;

  constructor(
    readonly name: string,
    rawName: Buffer | undefined,
    readonly type: EntryType,
    readonly crc32: number,
    fields: { uncompressedSize: number; compressedSize: number; localHeaderOffset: number },
    readonly method: number,
    /** DOS time in the low 16 bits, date in the high ones, as stored. */
    private readonly dos: number,
    readonly unixMode: number | undefined,
    readonly centralAt: number,
  ) {
    if (rawName !== undefined) this.rawName = rawName;
    this.compressedSize = fields.compressedSize;
    this.uncompressedSize = fields.uncompressedSize;
    this.localHeaderOffset = fields.localHeaderOffset;
    this.spanEnd = fields.localHeaderOffset;
  }

  get modified(): DosDateTime {
    return { time: this.dos & 0xffff, date: this.dos >>> 16 };
  }

  get span(): { start: number; end: number } {
    return { start: this.localHeaderOffset, end: this.spanEnd };
  }
}

/** Each span ends where the next member (by offset) or the central directory begins. */
function assignSpans(entries: CentralEntry[], cdOffset: number): void {
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  byOffset.forEach((entry, i) => {
    entry.spanEnd = byOffset[i + 1]?.localHeaderOffset ?? cdOffset;
  });
}
