/**
 * Deflating on every core for the ZIP writer (zip-writer.ts): the Deflater
 * (zlib's thread pool, a bounded number of calls at a time), the file
 * pieces it works on and the buffers they are read into.
 */
import type { FileHandle } from "node:fs/promises";
import { constants as zlibConstants, deflateRaw, deflateRawSync } from "node:zlib";
import { LOOKAHEAD_BYTES } from "./item-queue.js";

/**
 * Files are read and deflated in pieces of this size: big enough that the
 * hand-over to a thread costs nothing next to the work, small enough that
 * every core gets a share of one large file.
 */
export const PIECE = 1 << 20;
/**
 * Files up to this size are deflated at once on the main thread: a call on
 * zlib's thread pool costs about 90 µs of bookkeeping, more than deflating
 * 16 KiB takes.
 */
const INLINE_DEFLATE = 16 << 10;

/** An empty final block with fixed Huffman codes: what closes a member deflated in pieces. */
export const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/**
 * Piece buffers are reused once deflated: left to the garbage collector, a
 * gigabyte read in fresh 1 MiB buffers keeps far more memory than needed.
 */
export class PieceBuffers {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(PIECE);
  }

  give(buffer: Buffer): void {
    if (buffer.buffer.byteLength === PIECE && this.free.length < LOOKAHEAD_BYTES / PIECE) this.free.push(Buffer.from(buffer.buffer, 0, PIECE));
  }
}

/** The next piece of a file; empty at the end. */
export async function readPiece(handle: FileHandle, buffers: PieceBuffers): Promise<Buffer> {
  const buffer = buffers.take();
  let filled = 0;
  while (filled < PIECE) {
    const { bytesRead } = await handle.read(buffer, filled, PIECE - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/**
 * Buffer of its own when it is a small view of a larger allocation: zlib
 * hands back a view of its 16 KiB output buffer, so the few hundred bytes of
 * a small deflated file would keep 16 KiB alive while they wait to be sent.
 * Copied, 100,000 small files held 40 MB less at the peak.
 */
function compact(buffer: Buffer): Buffer {
  return buffer.buffer.byteLength > 2 * buffer.length ? Buffer.from(buffer) : buffer;
}

/** The same promise, marked as handled: it is awaited later, in order, and may fail before then. */
export function settled<T>(promise: Promise<T>): Promise<T> {
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
export class Deflater {
  readonly buffers = new PieceBuffers();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Two calls per thread of the pool keep every thread busy. */
  private readonly maxActive = 2 * (Number(process.env.UV_THREADPOOL_SIZE) || 4);

  constructor(private readonly level: number) {}

  /** A whole member's data as one deflate stream. */
  whole(data: Buffer): Promise<Buffer> {
    if (data.length <= INLINE_DEFLATE) return settled(Promise.resolve(compact(deflateRawSync(data, { level: this.level }))));
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
