/**
 * The JavaScript heap's settings for moving gigabytes through short-lived
 * buffers (uploads and downloads of build directories).
 *
 * V8 frees a Buffer's memory only when the small object holding it is
 * collected, and by default its young generation grows from 2 MiB to 32 MiB
 * under a steady stream of short-lived objects, so that dead buffers pile up
 * by the tens of megabytes between sweeps. Zipping 100,000 small files
 * peaked at 181 MiB resident by default and at 116 MiB with the young
 * generation kept at its first size, in the same time (docs/performance.md).
 *
 * Only the growth factor works here: `--max-semi-space-size` is read when
 * the heap is made, before any of our code runs, while the growth factor is
 * read each time the young generation would grow
 * (https://nodejs.org/api/v8.html#v8setflagsfromstringflags warns that flags
 * set after start-up may or may not take effect; test/unit/heap.test.ts
 * checks that this one does).
 */
import { setFlagsFromString } from "node:v8";

/** Keeps the young generation at its first size, so dead transfer buffers are freed early. */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}
