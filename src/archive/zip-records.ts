/**
 * The ZIP records the writer (zip-writer.ts) puts around and after the
 * members' data (PKWARE APPNOTE 6.3, layouts in zip-format.ts): local
 * headers, data descriptors, central-directory headers and the end records
 * (C54-C56). Members record Unix mode bits and "made by Unix", so `unzip` in
 * the job restores executable bits; DOS times are the submitter's local time
 * and no extended-timestamp extra field is written, as the Nextstrain CLI
 * does. ZIP64 records appear only where needed: for members of 3.75 GiB or
 * more (decided from the size before reading), for offsets past 4 GiB and
 * for more than 65,534 members.
 */
import { UserError } from "../errors.js";
import { toLocalDosDateTime } from "./dos-time.js";
import {
  CENTRAL_HEADER_SIZE,
  DOS_DIRECTORY,
  END_SIZE,
  EXTRA_ZIP64,
  FLAG_DATA_DESCRIPTOR,
  FLAG_UTF8,
  HOST_UNIX,
  LOCAL_HEADER_SIZE,
  MAGIC16,
  MAGIC32,
  S_IFDIR,
  S_IFREG,
  SIG_CENTRAL_HEADER,
  SIG_DATA_DESCRIPTOR,
  SIG_END,
  SIG_LOCAL_HEADER,
  SIG_ZIP64_END,
  SIG_ZIP64_LOCATOR,
  VERSION_DEFAULT,
  VERSION_ZIP64,
  ZIP64_END_SIZE,
  ZIP64_LOCATOR_SIZE,
  writeUInt64,
} from "./zip-format.js";
import type { ZipMember } from "./zip-member.js";

/** Members whose walked size reaches this get ZIP64 sizes; the margin absorbs files that grow while read. */
const ZIP64_MEMBER_THRESHOLD = 0xf000_0000;

export interface MemberHeader {
  name: Buffer;
  flags: number;
  method: number;
  zip64: boolean;
  version: number;
  dosDate: number;
  dosTime: number;
  externalAttributes: number;
}

export function describeMember(member: ZipMember, method: number): MemberHeader {
  const name = Buffer.from(member.name, "utf8");
  if (name.length > MAGIC16) throw new UserError(`The path ${member.path} is too long to be stored in a ZIP archive.`);
  const zip64 = !member.isDirectory && member.size >= ZIP64_MEMBER_THRESHOLD;
  const dos = toLocalDosDateTime(member.mtime);
  const typeBits = member.isDirectory ? S_IFDIR : S_IFREG;
  return {
    name,
    flags: (member.isDirectory ? 0 : FLAG_DATA_DESCRIPTOR) | (name.length !== member.name.length ? FLAG_UTF8 : 0),
    method,
    zip64,
    version: zip64 ? VERSION_ZIP64 : VERSION_DEFAULT,
    dosDate: dos.date,
    dosTime: dos.time,
    externalAttributes: ((((typeBits | member.mode) & 0xffff) << 16) | (member.isDirectory ? DOS_DIRECTORY : 0)) >>> 0,
  };
}

export function localHeader(header: MemberHeader): Buffer {
  // With a data descriptor the CRC and sizes follow the data; ZIP64 members
  // point at a ZIP64 extra field (zeroed here too), as Python's zipfile does.
  const extra = header.zip64 ? zip64Extra([0, 0]) : Buffer.alloc(0);
  const buffer = Buffer.alloc(LOCAL_HEADER_SIZE + header.name.length + extra.length);
  buffer.writeUInt32LE(SIG_LOCAL_HEADER, 0);
  buffer.writeUInt16LE(header.version, 4);
  buffer.writeUInt16LE(header.flags, 6);
  buffer.writeUInt16LE(header.method, 8);
  buffer.writeUInt16LE(header.dosTime, 10);
  buffer.writeUInt16LE(header.dosDate, 12);
  const sizes = header.zip64 ? MAGIC32 : 0;
  buffer.writeUInt32LE(0, 14);
  buffer.writeUInt32LE(sizes, 18);
  buffer.writeUInt32LE(sizes, 22);
  buffer.writeUInt16LE(header.name.length, 26);
  buffer.writeUInt16LE(extra.length, 28);
  header.name.copy(buffer, LOCAL_HEADER_SIZE);
  extra.copy(buffer, LOCAL_HEADER_SIZE + header.name.length);
  return buffer;
}

export interface Sums {
  crc: number;
  size: number;
  compressedSize: number;
}

export function dataDescriptor(zip64: boolean, sums: Sums): Buffer {
  const buffer = Buffer.alloc(zip64 ? 24 : 16);
  buffer.writeUInt32LE(SIG_DATA_DESCRIPTOR, 0);
  buffer.writeUInt32LE(sums.crc, 4);
  if (zip64) {
    writeUInt64(buffer, sums.compressedSize, 8);
    writeUInt64(buffer, sums.size, 16);
  } else {
    buffer.writeUInt32LE(sums.compressedSize, 8);
    buffer.writeUInt32LE(sums.size, 12);
  }
  return buffer;
}

export function centralHeader(header: MemberHeader, sums: Sums, headerOffset: number): Buffer {
  // ZIP64 extra values come in a fixed order, each only when its field holds the magic value.
  const wide: number[] = [];
  if (header.zip64) wide.push(sums.size, sums.compressedSize);
  if (headerOffset >= MAGIC32) wide.push(headerOffset);
  const extra = wide.length > 0 ? zip64Extra(wide) : Buffer.alloc(0);

  const buffer = Buffer.alloc(CENTRAL_HEADER_SIZE + header.name.length + extra.length);
  buffer.writeUInt32LE(SIG_CENTRAL_HEADER, 0);
  buffer.writeUInt16LE((HOST_UNIX << 8) | header.version, 4);
  // The version needed stays the local header's: Zip 3.0 warns when the two differ.
  buffer.writeUInt16LE(header.version, 6);
  buffer.writeUInt16LE(header.flags, 8);
  buffer.writeUInt16LE(header.method, 10);
  buffer.writeUInt16LE(header.dosTime, 12);
  buffer.writeUInt16LE(header.dosDate, 14);
  buffer.writeUInt32LE(sums.crc, 16);
  buffer.writeUInt32LE(header.zip64 ? MAGIC32 : sums.compressedSize, 20);
  buffer.writeUInt32LE(header.zip64 ? MAGIC32 : sums.size, 24);
  buffer.writeUInt16LE(header.name.length, 28);
  buffer.writeUInt16LE(extra.length, 30);
  buffer.writeUInt16LE(0, 32); // comment length
  buffer.writeUInt16LE(0, 34); // disk number
  buffer.writeUInt16LE(0, 36); // internal attributes
  buffer.writeUInt32LE(header.externalAttributes, 38);
  buffer.writeUInt32LE(Math.min(headerOffset, MAGIC32), 42);
  header.name.copy(buffer, CENTRAL_HEADER_SIZE);
  extra.copy(buffer, CENTRAL_HEADER_SIZE + header.name.length);
  return buffer;
}

function zip64Extra(values: number[]): Buffer {
  const buffer = Buffer.alloc(4 + 8 * values.length);
  buffer.writeUInt16LE(EXTRA_ZIP64, 0);
  buffer.writeUInt16LE(8 * values.length, 2);
  values.forEach((value, i) => writeUInt64(buffer, value, 4 + 8 * i));
  return buffer;
}

/**
 * The central directory, kept until the end. Records are packed into large
 * buffers as they come, so 100,000 members cost about 100 bytes each.
 */
export class CentralDirectory {
  private readonly packed: Buffer[] = [];
  private pending: Buffer[] = [];
  private count = 0;
  private size = 0;

  add(record: Buffer): void {
    this.pending.push(record);
    this.count += 1;
    this.size += record.length;
    if (this.pending.length >= 4096) this.pack();
  }

  /** The central directory and end records, for a directory that starts at `offset`. */
  *finish(offset: number): Generator<Buffer> {
    this.pack();
    yield* this.packed;
    const needsZip64 = this.count >= MAGIC16 || this.size >= MAGIC32 || offset >= MAGIC32;
    if (needsZip64) yield this.zip64End(offset);
    const end = Buffer.alloc(END_SIZE);
    end.writeUInt32LE(SIG_END, 0);
    end.writeUInt16LE(Math.min(this.count, MAGIC16), 8);
    end.writeUInt16LE(Math.min(this.count, MAGIC16), 10);
    end.writeUInt32LE(Math.min(this.size, MAGIC32), 12);
    end.writeUInt32LE(Math.min(offset, MAGIC32), 16);
    yield end;
  }

  private zip64End(offset: number): Buffer {
    const buffer = Buffer.alloc(ZIP64_END_SIZE + ZIP64_LOCATOR_SIZE);
    buffer.writeUInt32LE(SIG_ZIP64_END, 0);
    writeUInt64(buffer, ZIP64_END_SIZE - 12, 4);
    buffer.writeUInt16LE((HOST_UNIX << 8) | VERSION_ZIP64, 12);
    buffer.writeUInt16LE(VERSION_ZIP64, 14);
    writeUInt64(buffer, this.count, 24);
    writeUInt64(buffer, this.count, 32);
    writeUInt64(buffer, this.size, 40);
    writeUInt64(buffer, offset, 48);
    const locator = ZIP64_END_SIZE;
    buffer.writeUInt32LE(SIG_ZIP64_LOCATOR, locator);
    writeUInt64(buffer, offset + this.size, locator + 8);
    buffer.writeUInt32LE(1, locator + 16);
    return buffer;
  }

  private pack(): void {
    if (this.pending.length === 0) return;
    this.packed.push(Buffer.concat(this.pending));
    this.pending = [];
  }
}

/**
 * A central-directory record of a member copied, as it was, to `offset` in a
 * new archive: only the local header's offset changes, in the ZIP64 extra
 * field when the record keeps it there (the field then holds the magic value).
 */
export function relocatedRecord(record: Buffer, offset: number): Buffer {
  const copy = Buffer.from(record);
  if (copy.readUInt32LE(42) !== MAGIC32) {
    if (offset >= MAGIC32) throw new RangeError("a member moved past 4 GiB needs a ZIP64 offset its record does not have");
    copy.writeUInt32LE(offset, 42);
    return copy;
  }
  const extraStart = CENTRAL_HEADER_SIZE + copy.readUInt16LE(28);
  const extraEnd = extraStart + copy.readUInt16LE(30);
  for (let at = extraStart; at + 4 <= extraEnd; at += 4 + copy.readUInt16LE(at + 2)) {
    if (copy.readUInt16LE(at) !== EXTRA_ZIP64) continue;
    // The values present come in APPNOTE order: uncompressed size, compressed size, offset.
    const before = [24, 20].filter((field) => copy.readUInt32LE(field) === MAGIC32).length;
    writeUInt64(copy, offset, at + 4 + 8 * before);
    return copy;
  }
  throw new RangeError("a central record says its offset is in a ZIP64 extra field, but has none");
}
