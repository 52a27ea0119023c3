/**
 * The bounded hand-over between the reading side of the ZIP writer (files
 * read, deflating started) and its writing side (bytes out, in archive
 * order): see ItemQueue.
 */
import type { ZipMember } from "./zip-member.js";

/**
 * How far reading and deflating may run ahead of the consumer (the upload),
 * in bytes read: enough to keep every thread busy, small enough for memory.
 */
export const LOOKAHEAD_BYTES = 8 << 20;
const LOOKAHEAD_ITEMS = 4096;

/**
 * What the reading side hands the writing side, in archive order. Data items
 * hold promises: their deflating runs on zlib's threads while the writer is
 * still busy with earlier members.
 */
export type Item =
  | { kind: "start"; member: ZipMember; method: Promise<number> }
  | { kind: "data"; bytes: Promise<Buffer> }
  | { kind: "end"; crc: number; size: number };

/**
 * The bounded hand-over between reading and writing: push() waits while the
 * items waiting to be written hold more than LOOKAHEAD_BYTES of file data.
 * A failure of the reading side is thrown by next() after the items that
 * came before it.
 */
export class ItemQueue {
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
