/**
 * A streaming ZIP writer for the workdir archive (C54-C56).
 *
 * The output is a Readable that is piped straight into an S3 upload, so it is
 * never seeked: every file member is followed by a data descriptor carrying its
 * CRC-32 and sizes. Members record Unix mode bits and "made by Unix", so
 * `unzip` in the job restores executable bits; DOS times are the submitter's
 * local time and no extended-timestamp extra field is written, as the
 * Nextstrain CLI does. ZIP64 records appear only where needed: for members of
 * 3.75 GiB or more (decided from the size before reading), for offsets past
 * 4 GiB and for more than 65,534 members.
 *
 * Reading and deflating run ahead of the writing, in parallel on zlib's
 * thread pool, while the output stays in member order (see Deflater and
 * ItemQueue below; docs/performance.md has the measurements).
 *
 * Written by hand rather than with archiver: archiver strips a leading `../`
 * from member names (the overlay members `../augur/...` must keep it, C57),
 * clamps DOS times at 2043, and leaves out the local ZIP64 extra field of large
 * members, which makes Zip 3.0 warn on `zip -u`.
 */
import { open, type FileHandle } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { constants as zlibConstants, crc32, deflateRaw, deflateRawSync } from "node:zlib";
import { UserError } from "../errors.js";
import { toLocalDosDateTime } from "./dos-time.js";
import { readFailure } from "./fs-errors.js";
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
  METHOD_DEFLATED,
  METHOD_STORED,
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

export interface ZipMember {
  /** Member name, `/`-separated; directories end with `/`. */
  name: string;
  /** Absolute path it comes from; read for files without `data`. */
  path: string;
  /** The contents, when held in memory rather than read from `path` (the env.d archive's secrets never touch the disk). */
  data?: Uint8Array;
  isDirectory: boolean;
  /** Size when walked; decides whether the member needs ZIP64 headers. */
  size: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  mtime: Date;
}

export type Compression = "store" | "deflate";

/** What was stored for a file member: for records of what was uploaded. */
export interface WrittenMember {
  member: ZipMember;
  crc32: number;
  /** Bytes read. */
  size: number;
  compressedSize: number;
  method: "store" | "deflate";
}

export interface ZipWriterOptions {
  /** How to compress each file member; stored when not given (the CLI stores everything). */
  compression?: (member: ZipMember) => Compression;
  /** zlib level for deflated members (default 6). */
  deflateLevel?: number;
  /** Called just before a member is written: the place for `zipping: <path>` lines. */
  onMember?: (member: ZipMember) => void;
  /** Called with the number of file bytes read, for a progress bar. */
  onBytes?: (bytes: number) => void;
  /** Called after each file member is written, with its CRC-32 and sizes. */
  onWritten?: (written: WrittenMember) => void;
}

/** Members whose walked size reaches this get ZIP64 sizes; the margin absorbs files that grow while read. */
const ZIP64_MEMBER_THRESHOLD = 0xf000_0000;
const COALESCE = 64 << 10;
/**
 * Files are read and deflated in pieces of this size: big enough that the
 * hand-over to a thread costs nothing next to the work, small enough that
 * every core gets a share of one large file.
 */
const PIECE = 1 << 20;
/**
 * Files up to this size are deflated at once on the main thread: a call on
 * zlib's thread pool costs about 90 µs of bookkeeping, more than deflating
 * 16 KiB takes.
 */
const INLINE_DEFLATE = 16 << 10;
/**
 * How far reading and deflating may run ahead of the consumer (the upload),
 * in bytes read: enough to keep every thread busy, small enough for memory.
 */
const LOOKAHEAD_BYTES = 8 << 20;
const LOOKAHEAD_ITEMS = 4096;
/**
 * A large file whose first piece deflates to more than this fraction of it is
 * stored instead: it is already compressed (an unknown format), and deflating
 * it would only cost time.
 */
const STORE_ABOVE = 0.95;
const DEFAULT_LEVEL = 6;
/** Up to this many trailing bytes of a piece prime the next one (deflate's window). */
const DICTIONARY_SIZE = 32 * 1024;
/** An empty final block with fixed Huffman codes: what closes a member deflated in pieces. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/** The archive of `members`, in order, as a byte stream. */
export function writeZip(members: AsyncIterable<ZipMember>, options: ZipWriterOptions = {}): Readable {
  return Readable.from(coalesce(zipChunks(members, options)), { objectMode: false });
}

/**
 * Join small chunks (headers, descriptors, small files) into pieces of at
 * least 64 KiB: consumers pay per chunk, and three chunks per member made
 * writing 100,000 small members to a file 30% slower (300,128 chunks, 3.0 s,
 * against 319 chunks, 2.3 s).
 */
async function* coalesce(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    pending.push(chunk);
    size += chunk.length;
    if (size >= COALESCE) {
      yield pending.length === 1 ? chunk : Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

/**
 * What the reading side hands the writing side, in archive order. Data items
 * hold promises: their deflating runs on zlib's threads while the writer is
 * still busy with earlier members.
 */
type Item =
  | { kind: "start"; member: ZipMember; method: Promise<number> }
  | { kind: "data"; bytes: Promise<Buffer> }
  | { kind: "end"; crc: number; size: number };

async function* zipChunks(members: AsyncIterable<ZipMember>, options: ZipWriterOptions): AsyncGenerator<Buffer> {
  const queue = new ItemQueue();
  const deflater = new Deflater(options.deflateLevel ?? DEFAULT_LEVEL);
  void readMembers(members, options, deflater, queue).then(
    () => queue.close(),
    (error: unknown) => queue.close(error),
  );
  try {
    yield* writeItems(queue, options);
  } finally {
    queue.close();
  }
}

async function* writeItems(queue: ItemQueue, options: ZipWriterOptions): AsyncGenerator<Buffer> {
  const central = new CentralDirectory();
  let offset = 0;
  let current: { member: ZipMember; header: MemberHeader; headerOffset: number; compressedSize: number } | undefined;

  for (;;) {
    const item = await queue.next();
    if (item === undefined) break;
    if (item.kind === "start") {
      const { member } = item;
      options.onMember?.(member);
      const header = describeMember(member, await item.method);
      const local = localHeader(header);
      current = { member, header, headerOffset: offset, compressedSize: 0 };
      yield local;
      offset += local.length;
      if (member.isDirectory) central.add(centralHeader(header, { crc: 0, size: 0, compressedSize: 0 }, current.headerOffset));
    } else if (item.kind === "data") {
      const bytes = await item.bytes;
      if (current) current.compressedSize += bytes.length;
      offset += bytes.length;
      yield bytes;
    } else if (current) {
      const { header, member } = current;
      const sums = { crc: item.crc, size: item.size, compressedSize: current.compressedSize };
      if (!header.zip64 && Math.max(sums.size, sums.compressedSize) >= MAGIC32) {
        throw new UserError(
          `${member.path} grew past 4 GiB while it was being uploaded.`,
          "Wait until nothing writes to the build directory, then run the build again.",
        );
      }
      const descriptor = dataDescriptor(header.zip64, sums);
      yield descriptor;
      offset += descriptor.length;
      central.add(centralHeader(header, sums, current.headerOffset));
      const method = header.method === METHOD_DEFLATED ? "deflate" : "store";
      options.onWritten?.({ member, crc32: sums.crc, size: sums.size, compressedSize: sums.compressedSize, method });
    }
  }

  yield* central.finish(offset);
}

/** Walks the members, reads their files and starts their deflating, pushing items in archive order. */
async function readMembers(members: AsyncIterable<ZipMember>, options: ZipWriterOptions, deflater: Deflater, queue: ItemQueue): Promise<void> {
  for await (const member of members) {
    if (member.isDirectory !== member.name.endsWith("/")) {
      throw new Error(`Member name ${JSON.stringify(member.name)} does not match its type`);
    }
    if (member.isDirectory) {
      await queue.push({ kind: "start", member, method: Promise.resolve(METHOD_STORED) }, 0);
      continue;
    }
    const deflate = options.compression?.(member) === "deflate";
    try {
      if (member.data !== undefined || member.size <= PIECE) await readWhole(member, deflate, options, deflater, queue);
      else await readInPieces(member, deflate, options, deflater, queue);
    } catch (error) {
      throw readFailure(error, member.path);
    }
  }
}

/** A small member: read at once and deflated (or not) as one piece. */
async function readWhole(member: ZipMember, deflate: boolean, options: ZipWriterOptions, deflater: Deflater, queue: ItemQueue): Promise<void> {
  // Synchronous, like the walk's stat() calls: reading 100,000 small files
  // took 6.4 s through the thread pool (16 at a time) and 1.5 s this way.
  const contents = member.data ? Buffer.from(member.data) : readFileSync(member.path);
  const crc = crc32(contents);
  const size = contents.length;
  options.onBytes?.(size);
  let method: Promise<number>;
  let bytes: Promise<Buffer>;
  if (deflate) {
    // Stored when deflating does not make it smaller, as Info-ZIP does.
    const result = deflater.whole(contents).then((deflated) => (deflated.length < size ? deflated : undefined));
    method = result.then((deflated) => (deflated ? METHOD_DEFLATED : METHOD_STORED));
    bytes = result.then((deflated) => deflated ?? contents);
  } else {
    method = Promise.resolve(METHOD_STORED);
    bytes = Promise.resolve(contents);
  }
  await queue.push({ kind: "start", member, method: settled(method) }, 0);
  await queue.push({ kind: "data", bytes: settled(bytes) }, size);
  await queue.push({ kind: "end", crc, size }, 0);
}

/**
 * A large member, read piece by piece. Whether it is deflated is decided by
 * its first piece (see STORE_ABOVE); the later pieces are deflated on the
 * workers, each primed with the end of the one before.
 */
async function readInPieces(member: ZipMember, deflate: boolean, options: ZipWriterOptions, deflater: Deflater, queue: ItemQueue): Promise<void> {
  const handle = await open(member.path, "r");
  try {
    let crc = 0;
    let size = 0;
    let piece = await readPiece(handle, deflater.buffers);
    let dictionary: Buffer | undefined;
    let deflating = false;
    const first = piece;

    if (deflate && first.length > 0) {
      crc = crc32(first, crc);
      size += first.length;
      options.onBytes?.(first.length);
      dictionary = Buffer.from(first.subarray(-DICTIONARY_SIZE));
      const probe = await deflater.piece(first, undefined);
      deflating = probe.length <= first.length * STORE_ABOVE;
      await queue.push({ kind: "start", member, method: Promise.resolve(deflating ? METHOD_DEFLATED : METHOD_STORED) }, 0);
      await queue.push({ kind: "data", bytes: Promise.resolve(deflating ? probe : first) }, first.length);
      if (deflating) deflater.buffers.give(first);
      piece = await readPiece(handle, deflater.buffers);
    } else {
      await queue.push({ kind: "start", member, method: Promise.resolve(METHOD_STORED) }, 0);
    }

    while (piece.length > 0) {
      crc = crc32(piece, crc);
      size += piece.length;
      options.onBytes?.(piece.length);
      let bytes: Promise<Buffer>;
      if (deflating) {
        const next = Buffer.from(piece.subarray(-DICTIONARY_SIZE));
        const raw = piece;
        bytes = deflater.piece(raw, dictionary).then((deflated) => {
          deflater.buffers.give(raw);
          return deflated;
        });
        dictionary = next;
      } else {
        bytes = Promise.resolve(piece);
      }
      await queue.push({ kind: "data", bytes: settled(bytes) }, piece.length);
      piece = await readPiece(handle, deflater.buffers);
    }
    if (deflating) await queue.push({ kind: "data", bytes: Promise.resolve(FINAL_BLOCK) }, 0);
    await queue.push({ kind: "end", crc, size }, 0);
  } finally {
    await handle.close();
  }
}

/**
 * Piece buffers are reused once deflated: left to the garbage collector, a
 * gigabyte read in fresh 1 MiB buffers keeps far more memory than needed.
 */
class PieceBuffers {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(PIECE);
  }

  give(buffer: Buffer): void {
    if (buffer.buffer.byteLength === PIECE && this.free.length < LOOKAHEAD_BYTES / PIECE) this.free.push(Buffer.from(buffer.buffer, 0, PIECE));
  }
}

/** The next piece of a file; empty at the end. */
async function readPiece(handle: FileHandle, buffers: PieceBuffers): Promise<Buffer> {
  const buffer = buffers.take();
  let filled = 0;
  while (filled < PIECE) {
    const { bytesRead } = await handle.read(buffer, filled, PIECE - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The same promise, marked as handled: it is awaited later, in order, and may fail before then. */
function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Deflating on every core: pieces go to zlib's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), small files are deflated at once. A
 * member larger than one piece is deflated as independent pieces, as pigz
 * does: each ends with a sync flush (so on a byte boundary), the next starts
 * with the previous 32 KiB as its preset dictionary (so matches across the
 * seam are kept), and an empty final block closes the member; the
 * concatenation is one valid deflate stream.
 *
 * Not worker threads: two workers deflating cost 50 MB more memory than the
 * thread pool for the same work, for no gain in speed.
 */
class Deflater {
  readonly buffers = new PieceBuffers();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Two calls per thread of the pool keep every thread busy. */
  private readonly maxActive = 2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4);

  constructor(private readonly level: number) {}

  /** A whole member's data as one deflate stream. */
  whole(data: Buffer): Promise<Buffer> {
    if (data.length <= INLINE_DEFLATE) return settled(Promise.resolve(deflateRawSync(data, { level: this.level })));
    return this.run(data, { finishFlush: zlibConstants.Z_FINISH });
  }

  /** One piece of a member, ending in a sync flush. */
  piece(data: Buffer, dictionary: Buffer | undefined): Promise<Buffer> {
    return this.run(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) });
  }

  private run(data: Buffer, options: { finishFlush: number; dictionary?: Buffer }): Promise<Buffer> {
    return settled(this.inTurn(() => new Promise((resolve, reject) => deflateRaw(data, { level: this.level, ...options }, (error, result) => (error ? reject(error) : resolve(result))))));
  }

  /**
   * Each call holds zlib's state (about 300 KB) from the moment it is made,
   * even while it waits for a thread: hundreds of queued small files took
   * 50 MB. So only a few calls are made at a time; the rest wait here.
   */
  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    while (this.active >= this.maxActive) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/**
 * The bounded hand-over between reading and writing: push() waits while the
 * items waiting to be written hold more than LOOKAHEAD_BYTES of file data.
 * A failure of the reading side is thrown by next() after the items that
 * came before it.
 */
class ItemQueue {
  private readonly items: { item: Item; weight: number }[] = [];
  private weight = 0;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  async push(item: Item, weight: number): Promise<void> {
    while (!this.closed && (this.weight >= LOOKAHEAD_BYTES || this.items.length >= LOOKAHEAD_ITEMS)) {
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
    if (this.closed) throw new Error("the archive is no longer being written");
    this.items.push({ item, weight });
    this.weight += weight;
    this.wakeWriter?.();
  }

  async next(): Promise<Item | undefined> {
    while (this.items.length === 0) {
      if (this.failure) throw this.failure.error;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
    const { item, weight } = this.items.shift() as { item: Item; weight: number };
    this.weight -= weight;
    this.wakeReader?.();
    return item;
  }

  /** No more items; with an error, next() throws it once the queue is empty. */
  close(error?: unknown): void {
    if (error !== undefined && !this.closed) this.failure = { error };
    this.closed = true;
    this.wakeReader?.();
    this.wakeWriter?.();
  }
}

interface MemberHeader {
  name: Buffer;
  flags: number;
  method: number;
  zip64: boolean;
  version: number;
  dosDate: number;
  dosTime: number;
  externalAttributes: number;
}

function describeMember(member: ZipMember, method: number): MemberHeader {
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

function localHeader(header: MemberHeader): Buffer {
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

interface Sums {
  crc: number;
  size: number;
  compressedSize: number;
}

function dataDescriptor(zip64: boolean, sums: Sums): Buffer {
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

function centralHeader(header: MemberHeader, sums: Sums, headerOffset: number): Buffer {
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
class CentralDirectory {
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
