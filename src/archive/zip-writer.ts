/**
 * A streaming ZIP writer for the workdir archive (C54-C56).
 *
 * The output is a Readable that is piped straight into an S3 upload, so it is
 * never seeked: every file member is followed by a data descriptor carrying its
 * CRC-32 and sizes. The records around the data, and which need ZIP64, are
 * zip-records.ts's.
 *
 * Reading and deflating run ahead of the writing, in parallel on zlib's
 * thread pool (deflate-pool.ts), while the output stays in member order
 * (item-queue.ts; docs/performance.md has the measurements).
 *
 * Written by hand rather than with archiver: archiver strips a leading `../`
 * from member names (the overlay members `../augur/...` must keep it, C57),
 * clamps DOS times at 2043, and leaves out the local ZIP64 extra field of large
 * members, which makes Zip 3.0 warn on `zip -u`.
 */
import { open } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { UserError } from "../errors.js";
import { Deflater, FINAL_BLOCK, PIECE, readPiece, settled } from "./deflate-pool.js";
import { readFailure } from "./fs-errors.js";
import { ItemQueue, type Item } from "./item-queue.js";
import { CentralDirectory, centralHeader, dataDescriptor, describeMember, localHeader, type MemberHeader } from "./zip-records.js";
import { MAGIC32, METHOD_DEFLATED, METHOD_STORED } from "./zip-format.js";
import type { Compression, WrittenMember, ZipMember } from "./zip-member.js";

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
  /**
   * The archive's first `offset` bytes are not written here but come from
   * elsewhere (parts copied inside S3 from an earlier archive), holding the
   * members whose central records (relocated to their new offsets) are
   * `records`: the members written here follow them, and the central
   * directory lists those first.
   */
  continues?: { offset: number; records: readonly Buffer[] };
}

const COALESCE = 64 << 10;
/**
 * A large file whose first piece deflates to more than this fraction of it is
 * stored instead: it is already compressed (an unknown format), and deflating
 * it would only cost time.
 */
const STORE_ABOVE = 0.95;
const DEFAULT_LEVEL = 6;
/** Up to this many trailing bytes of a piece prime the next one (deflate's window). */
const DICTIONARY_SIZE = 32 * 1024;

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
  const layout = new Layout(options);
  for (;;) {
    const item = await queue.next();
    if (item === undefined) break;
    if (item.kind === "start") {
      yield layout.begin(item.member, await item.method);
    } else if (item.kind === "data") {
      const bytes = await item.bytes;
      layout.advance(bytes.length);
      yield bytes;
    } else if (item.kind === "rest") {
      const sums = { crc: item.crc, size: item.size };
      for await (const piece of restOfFile(item, options)) {
        sums.crc = crc32(piece, sums.crc);
        sums.size += piece.length;
        layout.advance(piece.length);
        yield piece;
      }
      yield layout.end(sums.crc, sums.size);
    } else {
      yield layout.end(item.crc, item.size);
    }
  }
  yield* layout.central.finish(layout.offset);
}

/** Where each member lands in the archive, and the central directory that lists them. */
class Layout {
  readonly central = new CentralDirectory();
  offset: number;
  private current: { member: ZipMember; header: MemberHeader; headerOffset: number; compressedSize: number } | undefined;

  constructor(private readonly options: ZipWriterOptions) {
    for (const record of options.continues?.records ?? []) this.central.add(record);
    this.offset = options.continues?.offset ?? 0;
  }

  /** The member's local header. */
  begin(member: ZipMember, method: number): Buffer {
    this.options.onMember?.(member);
    const header = describeMember(member, method);
    const local = localHeader(header);
    const headerOffset = this.offset;
    this.current = { member, header, headerOffset, compressedSize: 0 };
    this.offset += local.length;
    if (member.isDirectory) this.central.add(centralHeader(header, { crc: 0, size: 0, compressedSize: 0 }, headerOffset));
    return local;
  }

  /** `bytes` of the current member's data were written. */
  advance(bytes: number): void {
    if (this.current) this.current.compressedSize += bytes;
    this.offset += bytes;
  }

  /** The current member's data descriptor. */
  end(crc: number, size: number): Buffer {
    if (!this.current) throw new Error("a member ended before it began");
    const { header, member, compressedSize, headerOffset } = this.current;
    const sums = { crc, size, compressedSize };
    if (!header.zip64 && Math.max(sums.size, sums.compressedSize) >= MAGIC32) {
      throw new UserError(
        `${member.path} grew past 4 GiB while it was being uploaded.`,
        "Wait until nothing writes to the build directory, then run the build again.",
      );
    }
    const descriptor = dataDescriptor(header.zip64, sums);
    this.offset += descriptor.length;
    this.central.add(centralHeader(header, sums, headerOffset));
    const method = header.method === METHOD_DEFLATED ? "deflate" : "store";
    this.options.onWritten?.({ member, crc32: sums.crc, size: sums.size, compressedSize: sums.compressedSize, method });
    return descriptor;
  }
}

/**
 * The rest of a stored file, read in pieces as the upload takes them, the
 * next piece always being read while the last one is written.
 */
async function* restOfFile(item: Extract<Item, { kind: "rest" }>, options: ZipWriterOptions): AsyncGenerator<Buffer> {
  const handle = await open(item.path, "r").catch((error: unknown) => {
    throw readFailure(error, item.path);
  });
  const readAt = (at: number) => settled(handle.read(Buffer.allocUnsafe(PIECE), 0, PIECE, at).then(({ bytesRead, buffer }) => buffer.subarray(0, bytesRead)));
  try {
    let position = item.position;
    let next = readAt(position);
    for (;;) {
      const piece = await next;
      if (piece.length === 0) break;
      position += piece.length;
      next = readAt(position);
      options.onBytes?.(piece.length);
      yield piece;
    }
  } catch (error) {
    throw readFailure(error, item.path);
  } finally {
    await handle.close();
  }
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
  await queue.push({ kind: "data", bytes: settled(bytes) }, size, deflate ? bytes.then((held) => held.length) : undefined);
  await queue.push({ kind: "end", crc, size }, 0);
}

/**
 * A large member. Stored by its name, it is left to the writing side to read
 * (a `rest` item). Otherwise its first piece decides (see STORE_ABOVE): a
 * member that does not shrink is stored, the rest of it read by the writing
 * side too; one that does is read piece by piece here, the pieces deflated on
 * the workers, each primed with the end of the one before.
 */
async function readInPieces(member: ZipMember, deflate: boolean, options: ZipWriterOptions, deflater: Deflater, queue: ItemQueue): Promise<void> {
  const stored = Promise.resolve(METHOD_STORED);
  if (!deflate) {
    await queue.push({ kind: "start", member, method: stored }, 0);
    await queue.push({ kind: "rest", path: member.path, position: 0, crc: 0, size: 0 }, 0);
    return;
  }
  const handle = await open(member.path, "r");
  try {
    const first = await readPiece(handle, deflater.buffers);
    let crc = crc32(first);
    let size = first.length;
    options.onBytes?.(size);
    const probe = size > 0 ? await deflater.piece(first, undefined) : undefined;
    if (probe === undefined || probe.length > size * STORE_ABOVE) {
      await queue.push({ kind: "start", member, method: stored }, 0);
      await queue.push({ kind: "data", bytes: Promise.resolve(first) }, size);
      await queue.push({ kind: "rest", path: member.path, position: size, crc, size }, 0);
      return;
    }
    let dictionary = Buffer.from(first.subarray(-DICTIONARY_SIZE));
    deflater.buffers.give(first);
    await queue.push({ kind: "start", member, method: Promise.resolve(METHOD_DEFLATED) }, 0);
    await queue.push({ kind: "data", bytes: Promise.resolve(probe) }, probe.length);
    for (let piece = await readPiece(handle, deflater.buffers); piece.length > 0; piece = await readPiece(handle, deflater.buffers)) {
      crc = crc32(piece, crc);
      size += piece.length;
      options.onBytes?.(piece.length);
      const next = Buffer.from(piece.subarray(-DICTIONARY_SIZE));
      const raw = piece;
      const bytes = settled(
        deflater.piece(raw, dictionary).then((deflated) => {
          deflater.buffers.give(raw);
          return deflated;
        }),
      );
      dictionary = next;
      // Weighed as read until deflated, then as deflated: a well-compressing
      // file can be deflated far ahead while a stored one is being sent.
      await queue.push({ kind: "data", bytes }, raw.length, bytes.then((deflated) => deflated.length));
    }
    await queue.push({ kind: "data", bytes: Promise.resolve(FINAL_BLOCK) }, 0);
    await queue.push({ kind: "end", crc, size }, 0);
  } finally {
    await handle.close();
  }
}
