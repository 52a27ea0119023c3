/**
 * Waiting for a Batch compute environment or job queue to settle: CREATING
 * and UPDATING last seconds to minutes on AWS, DELETING as long. Each status
 * seen is reported through `progress`; the wait gives up after `limitMs`
 * with a message that says the resource is still being worked on and that a
 * re-run finishes the job. The clock is injected, so tests do not wait.
 */
import type { Clock } from "../aws/retry.js";
import { UserError } from "../errors.js";

export type { Clock };

/** How long a create, update or delete may take before setup or teardown gives up, and how often the status is read. */
export const SETTLE_LIMIT_MS = 15 * 60_000;
/** Status reads start quick (a test stack settles in milliseconds) and slow down to one every 5 s. */
export function pollDelay(poll: number): number {
  return Math.min(5_000, 250 * 2 ** poll);
}

export interface Status {
  /** CREATING, UPDATING, DELETING, VALID, INVALID; undefined once gone. */
  status?: string;
  statusReason?: string;
}

export interface WaitOptions {
  /** "compute environment nextstrain-compute" */
  what: string;
  clock: Clock;
  progress: (text: string) => void;
  limitMs?: number;
  /** The command that finishes the work, for the message when the wait gives up. */
  rerun: string;
}

const WORKING = new Set(["CREATING", "UPDATING", "DELETING"]);

/** Reads until the status is no longer CREATING, UPDATING or DELETING; an INVALID end is an error naming AWS's reason. */
export async function waitUntilSettled(read: () => Promise<Status>, options: WaitOptions): Promise<Status> {
  const { clock, what } = options;
  const limit = options.limitMs ?? SETTLE_LIMIT_MS;
  const started = clock.now();
  let last: string | undefined;
  for (let poll = 0; ; poll++) {
    const current = await read();
    // Only the work is reported: CREATING, then VALID; a resource already settled says nothing.
    if (current.status !== last && (poll > 0 || (current.status !== undefined && WORKING.has(current.status)))) options.progress(`${what}: ${current.status ?? "gone"}`);
    last = current.status;
    if (current.status === "INVALID") {
      throw new UserError(`The ${what} is INVALID: ${current.statusReason ?? "AWS gave no reason"}.`, `Fix what AWS names, then run ${options.rerun} again.`);
    }
    if (current.status === undefined || !WORKING.has(current.status)) return current;
    const waited = clock.now() - started;
    if (waited >= limit) {
      throw new UserError(
        `Gave up waiting for the ${what}: still ${current.status} after ${Math.round(waited / 60_000)} minutes.`,
        `AWS is still working on it; nothing was undone. Run ${options.rerun} again later to finish.`,
      );
    }
    await clock.sleep(pollDelay(poll));
  }
}
