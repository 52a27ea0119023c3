/**
 * The one retry policy of the tool: for each kind of AWS call, which failures
 * are retried, how often and how long (R1, R2), and the one loop that applies
 * it. Every AWS call goes through here, directly (`withRetries`) or, for the
 * two polling loops that must keep their own rhythm (the job's status while
 * following, the log tailer), by asking the table for the next delay.
 *
 * Beneath this, the SDK retries each request a few times on its own
 * (AWS_MAX_ATTEMPTS); this layer covers longer outages (a connection lost for
 * half a minute) without resending work already done. What is retried:
 * throttling, 5xx answers and lost connections, never a credential problem
 * (an expired token stays expired however often it is sent).
 *
 * All waits take the injected `Clock`, so tests run them on a fake one.
 */
import { credentialsProblem, isThrottling, isTransient } from "./errors.js";

/** Time as the tool waits on it: one clock for every wait, injected by tests. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
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

export const systemClock: Clock = { now: () => Date.now(), sleep };

export interface RetryPolicy {
  /** What is retried: any transient failure, or throttling only (the request certainly did nothing). */
  on: "transient" | "throttling";
  /** Attempts in all, the first included; Infinity for loops that wait out any outage. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Full jitter over the exponential ceiling (spreads many clients); off where the delay is shown or tested exactly. */
  jitter: boolean;
}

/** The kinds of AWS call, each with its row in RETRY_POLICIES. */
export type AwsCall =
  | "s3-transfer"
  | "s3-removal"
  | "batch-read"
  | "batch-register"
  | "batch-submit"
  | "batch-terminate"
  | "ec2-read"
  | "job-status"
  | "logs-poll"
  | "setup-read"
  | "setup-change";

const PATIENT = { attempts: 10, baseDelayMs: 500, maxDelayMs: 20_000, jitter: true } as const;

/**
 * Which calls retry on what, how often and how long.
 *
 * - `s3-transfer`: uploads, downloads, records: long outages are waited out.
 * - `s3-removal`: removing what a failed run left, while the user waits.
 * - `batch-submit`: only throttling, because a SubmitJob whose answer was a
 *   5xx or was lost may have created the job (SubmitJob takes no idempotency
 *   token, https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html);
 *   runner/before-job.ts then tells the user how to look for it.
 * - `setup-read` and `setup-change`: what `setup`, `check-setup` and
 *   `teardown` read and change (IAM, EC2, STS, the bucket, the log group,
 *   compute environments and queues). A change retries on throttling only:
 *   one whose answer was a 5xx or was lost may have been made, and the plan
 *   of a re-run sees it rather than a retry tripping over it.
 * - `job-status` and `logs-poll`: following a job never gives up on an outage
 *   (R2); Logs slows to 30 s while throttled, without jitter so the log tailer's
 *   rhythm stays predictable.
 */
export const RETRY_POLICIES: Readonly<Record<AwsCall, RetryPolicy>> = {
  "s3-transfer": { on: "transient", ...PATIENT },
  "s3-removal": { on: "transient", attempts: 4, baseDelayMs: 250, maxDelayMs: 2_000, jitter: true },
  "batch-read": { on: "transient", ...PATIENT },
  "batch-register": { on: "transient", ...PATIENT },
  "batch-submit": { on: "throttling", ...PATIENT },
  "batch-terminate": { on: "transient", ...PATIENT },
  "ec2-read": { on: "transient", ...PATIENT },
  "job-status": { on: "transient", ...PATIENT, attempts: Infinity },
  "logs-poll": { on: "transient", attempts: Infinity, baseDelayMs: 2_000, maxDelayMs: 30_000, jitter: false },
  "setup-read": { on: "transient", ...PATIENT },
  "setup-change": { on: "throttling", ...PATIENT },
};

/** Whether a failure is worth another try under a policy (never a credential problem). */
export function isRetryable(policy: RetryPolicy, error: unknown): boolean {
  if (credentialsProblem(error)) return false;
  return policy.on === "throttling" ? isThrottling(error) : isTransient(error);
}

/** The delay before retry number `attempt` (1-based): an exponential ceiling, with full jitter when the policy says so. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  if (!policy.jitter) return ceiling;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryHooks {
  clock?: Clock;
  /** Called before each retry with the error that caused it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  signal?: AbortSignal;
}

/** Runs `operation`, retrying it as the policy of `call` says. */
export async function withRetries<T>(call: AwsCall, operation: () => Promise<T>, hooks: RetryHooks = {}): Promise<T> {
  const policy = RETRY_POLICIES[call];
  const clock = hooks.clock ?? systemClock;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (hooks.signal?.aborted || attempt >= policy.attempts || !isRetryable(policy, error)) throw error;
      const delay = backoffDelay(policy, attempt, hooks.random);
      hooks.onRetry?.(error, attempt, delay);
      await clock.sleep(delay, hooks.signal);
    }
  }
}
