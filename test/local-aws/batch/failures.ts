// Failures a test asks for through the control API: a container killed for
// using too much memory, the instance under it terminated (a spot reclaim), or
// an image that cannot be pulled; on the next attempt to run, or on chosen
// attempts (1 is the first).
export type FailureKind = "out-of-memory" | "instance-terminated" | "cannot-pull";
export const FAILURE_KINDS: readonly FailureKind[] = ["out-of-memory", "instance-terminated", "cannot-pull"];

export interface FailureRequest {
  kind: FailureKind;
  /** Milliseconds after the attempt starts RUNNING (out-of-memory and instance-terminated). */
  afterMs?: number;
  /** The attempts that fail this way; the next attempt to run when absent. */
  attempts?: number[];
}

/** A failure request from the control API's JSON; throws with what is wrong. */
export function parseFailureRequest(input: Record<string, unknown>): FailureRequest {
  if (!FAILURE_KINDS.includes(input.kind as FailureKind)) throw new Error(`kind must be one of ${FAILURE_KINDS.join(", ")}`);
  if (input.afterMs !== undefined && (typeof input.afterMs !== "number" || input.afterMs < 0)) throw new Error("afterMs must be a number of milliseconds");
  const attempts = input.attempts;
  if (attempts !== undefined && (!Array.isArray(attempts) || !attempts.every((a) => Number.isInteger(a) && a >= 1 && a <= 10))) {
    throw new Error("attempts must list attempt numbers from 1 to 10");
  }
  return { kind: input.kind as FailureKind, ...(input.afterMs !== undefined ? { afterMs: input.afterMs } : {}), ...(attempts ? { attempts: attempts as number[] } : {}) };
}

/** The failure attempt `attempt` meets, if any; one without attempt numbers is used up by the first attempt it meets. */
export function takeFailure(failures: FailureRequest[], attempt: number): FailureRequest | undefined {
  const index = failures.findIndex((f) => f.attempts === undefined || f.attempts.includes(attempt));
  if (index < 0) return undefined;
  const failure = failures[index]!;
  if (failure.attempts === undefined) failures.splice(index, 1);
  return failure;
}
