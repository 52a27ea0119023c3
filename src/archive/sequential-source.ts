/**
 * A RangeSource over one streaming read of a span of the archive (the
 * streaming plan of download-plan.ts): reads must come in increasing order;
 * the bytes before each read's start are consumed and dropped, and nothing
 * is pulled from the stream before a read asks for it, so memory stays at
 * one response chunk plus the read being served (backpressure: the HTTP
 * connection waits while the writing does).
 *
 * A stream that fails or ends early after some bytes is reopened from the
 * current offset, a few times; opening itself is retried by the caller's
 * `open` (src/aws/s3.ts retries until the first byte).
 */
import type { Span } from "./fetch-plan.js";
import type { RangeSource } from "./zip-reader.js";

/** Opens a stream of bytes [start, end) of the archive. */
export type OpenStream = (start: number, end: number) => Promise<AsyncIterable<Uint8Array>>;

/** Reopens after a failure mid-stream, at most; one that makes no progress counts too. */
export const MAX_REOPENS = 3;

export class SequentialSource implements RangeSource {
  /** Bytes pulled from streams, the discarded ones included. */
  streamedBytes = 0;
  /** Streams opened (the first included). */
  opens = 0;
  private position: number;
  private iterator: AsyncIterator<Uint8Array> | undefined;
  /** The unread rest of the last chunk; it starts at `position`. */
  private pending: Buffer = Buffer.alloc(0);
  private reopens = 0;

  constructor(
    readonly size: number,
    private readonly open: OpenStream,
    private readonly span: Span,
    private readonly signal?: AbortSignal,
  ) {
    this.position = span.start;
  }

  async read(start: number, end: number): Promise<Buffer> {
    if (start < this.position) throw new Error(`sequential read at ${start} after ${this.position}`);
    if (end > this.span.end) throw new Error(`read up to ${end} beyond the streamed span's end ${this.span.end}`);
    await this.skipTo(start);
    const parts: Buffer[] = [];
    let wanted = end - start;
    while (wanted > 0) {
      const chunk = await this.take(wanted);
      parts.push(chunk);
      wanted -= chunk.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, end - start);
  }

  /** Ends the stream early (what remains is not needed). */
  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    this.pending = Buffer.alloc(0);
    await iterator?.return?.();
  }

  private async skipTo(start: number): Promise<void> {
    while (this.position < start) await this.take(start - this.position);
  }

  /** Up to `most` bytes at `position`, and moves past them. */
  private async take(most: number): Promise<Buffer> {
    while (this.pending.length === 0) this.pending = await this.pull();
    const chunk = this.pending.subarray(0, most);
    this.pending = this.pending.subarray(chunk.length);
    this.position += chunk.length;
    return chunk;
  }

  /** The next chunk, reopening the stream at `position` after a failure or a short stream. */
  private async pull(): Promise<Buffer> {
    for (;;) {
      this.signal?.throwIfAborted();
      this.iterator ??= await this.openAt(this.position);
      let failure: unknown;
      try {
        const next = await this.iterator.next();
        if (!next.done) {
          this.streamedBytes += next.value.byteLength;
          return Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        }
        failure = new Error(`the stream ended at byte ${this.position} of ${this.span.start}-${this.span.end}`);
      } catch (error) {
        failure = error;
      }
      this.iterator = undefined;
      if (this.signal?.aborted || this.reopens >= MAX_REOPENS) throw failure;
      this.reopens += 1;
    }
  }

  private async openAt(position: number): Promise<AsyncIterator<Uint8Array>> {
    this.opens += 1;
    const stream = await this.open(position, this.span.end);
    return stream[Symbol.asyncIterator]();
  }
}
