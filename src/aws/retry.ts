/**
 * Bounded retries with exponential backoff and jitter, for the requests that
 * must survive a flaky link or throttling (R1, R2). The SDK retries
 * each request a few times on its own; this layer covers longer outages (a
 * connection lost for half a minute) without resending work already done.
 * Only transient failures are retried; the first retry is reported once.
 */
import { isTransient } from "./errors.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const PATIENT: RetryPolicy = { attempts: 10, baseDelayMs: 500, maxDelayMs: 20_000 };

/** For clean-up that the user waits for, under a deadline of its own. */
export const BRIEF: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 2_000 };

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry with the error that caused it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  isRetryable?: (error: unknown) => boolean;
  random?: () => number;
  signal?: AbortSignal;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** The delay before retry number `attempt` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export async function withRetries<T>(operation: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const retryable = hooks.isRetryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (hooks.signal?.aborted || attempt >= policy.attempts || !retryable(error)) throw error;
      const delay = backoffDelay(policy, attempt, hooks.random);
      hooks.onRetry?.(error, attempt, delay);
      await (hooks.sleep ? hooks.sleep(delay) : sleep(delay, hooks.signal));
    }
  }
}
