/**
 * The bounded hand-over between the reading side of the ZIP writer (files
 * read, deflating started) and its writing side (bytes out, in archive
 * order): see ItemQueue.
 */
import type { ZipMember } from "./zip-member.js";

/**
 * How many bytes the items waiting to be written may hold: file pieces read
 * and still being deflated count with their own size, deflated ones with
 * their output's. Enough to keep every thread busy, small enough for memory.
 */
export const LOOKAHEAD_BYTES = 8 << 20;
const LOOKAHEAD_ITEMS = 4096;

/**
 * What the reading side hands the writing side, in archive order. Data items
 * hold promises: their deflating runs on zlib's threads while the writer is
 * still busy with earlier members. A `rest` item stands for the remainder of
 * a stored file, from `position` on: the writing side reads it when its turn
 * comes, so a large stored file (already compressed, limited by the link)
 * holds no memory ahead, and the reading side goes on deflating the members
 * after it meanwhile. `crc` and `size` cover the bytes before `position`.
 */
export type Item =
  | { kind: "start"; member: ZipMember; method: Promise<number> }
  | { kind: "data"; bytes: Promise<Buffer> }
  | { kind: "rest"; path: string; position: number; crc: number; size: number }
  | { kind: "end"; crc: number; size: number };

interface Entry {
  item: Item;
  weight: number;
  queued: boolean;
}

/**
 * The bounded hand-over between reading and writing: push() waits while the
 * items waiting to be written weigh more than LOOKAHEAD_BYTES. A failure of
 * the reading side is thrown by next() after the items that came before it.
 */
export class ItemQueue {
  private readonly items: Entry[] = [];
  private weight = 0;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  /**
   * Adds `item` weighing `weight` bytes; when `settles` gives another weight
   * (a piece deflated to fewer bytes) before the item is taken, it weighs
   * that from then on.
   */
  async push(item: Item, weight: number, settles?: Promise<number>): Promise<void> {
    while (!this.closed && (this.weight >= LOOKAHEAD_BYTES || this.items.length >= LOOKAHEAD_ITEMS)) {
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
    if (this.closed) throw new Error("the archive is no longer being written");
    const entry: Entry = { item, weight, queued: true };
    this.items.push(entry);
    this.weight += weight;
    settles?.then(
      (settled) => {
        if (!entry.queued) return;
        this.weight += settled - entry.weight;
        entry.weight = settled;
        this.wakeReader?.();
      },
      () => undefined, // the failure reaches the writer through the item itself
    );
    this.wakeWriter?.();
  }

  async next(): Promise<Item | undefined> {
    while (this.items.length === 0) {
      if (this.failure) throw this.failure.error;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
    const entry = this.items.shift() as Entry;
    entry.queued = false;
    this.weight -= entry.weight;
    this.wakeReader?.();
    return entry.item;
  }

  /** No more items; with an error, next() throws it once the queue is empty. */
  close(error?: unknown): void {
    if (error !== undefined && !this.closed) this.failure = { error };
    this.closed = true;
    this.wakeReader?.();
    this.wakeWriter?.();
  }
}
