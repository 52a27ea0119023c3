// Retry strategies as Batch reads them: 1 to 10 attempts, and up to five
// `evaluateOnExit` rules whose glob patterns (onStatusReason, onReason,
// onExitCode; a trailing `*` matches any rest) are tried in order. The first
// rule whose patterns all match decides (RETRY or EXIT, in any case); when no
// rule matches, the job is retried.
// https://docs.aws.amazon.com/batch/latest/APIReference/API_EvaluateOnExit.html
// https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html
import { clientError } from "./errors.js";

export interface EvaluateOnExit {
  action: string;
  onStatusReason?: string;
  onReason?: string;
  onExitCode?: string;
}

export interface RetryStrategy {
  attempts: number;
  evaluateOnExit?: EvaluateOnExit[];
}

/** What an attempt ended with, as DescribeJobs shows it. */
export interface AttemptEnd {
  statusReason?: string;
  reason?: string;
  exitCode?: number;
}

const MAX_RULES = 5;
const MAX_PATTERN = 512;
// Letters, numbers, periods, colons and white space, optionally ending with `*`.
const REASON_PATTERN = /^[A-Za-z0-9.:\s]*\*?$/;
const EXIT_CODE_PATTERN = /^[0-9]*\*?$/;

/** A retry strategy from a request (SubmitJob or RegisterJobDefinition); ClientException when Batch would refuse it. */
export function parseRetryStrategy(value: unknown): RetryStrategy | undefined {
  if (value === undefined || value === null) return undefined;
  const strategy = value as { attempts?: unknown; evaluateOnExit?: unknown };
  const rules = strategy.evaluateOnExit;
  if (strategy.attempts === undefined) {
    if (rules !== undefined) throw clientError("retryStrategy.attempts is required when evaluateOnExit is given");
    return undefined;
  }
  const attempts = strategy.attempts;
  if (typeof attempts !== "number" || !Number.isInteger(attempts) || attempts < 1 || attempts > 10) {
    throw clientError(`retryStrategy.attempts must be between 1 and 10, not ${JSON.stringify(attempts)}`);
  }
  if (rules === undefined) return { attempts };
  if (!Array.isArray(rules) || rules.length > MAX_RULES) {
    throw clientError(`retryStrategy.evaluateOnExit must list at most ${MAX_RULES} rules`);
  }
  return { attempts, evaluateOnExit: rules.map(checkRule) };
}

function checkRule(rule: unknown, index: number): EvaluateOnExit {
  const r = (rule ?? {}) as Record<string, unknown>;
  const at = `retryStrategy.evaluateOnExit[${index}]`;
  if (typeof r.action !== "string" || !["RETRY", "EXIT"].includes(r.action.toUpperCase())) {
    throw clientError(`${at}.action must be RETRY or EXIT, not ${JSON.stringify(r.action)}`);
  }
  const checked: EvaluateOnExit = { action: r.action };
  for (const [key, pattern] of [["onStatusReason", REASON_PATTERN], ["onReason", REASON_PATTERN], ["onExitCode", EXIT_CODE_PATTERN]] as const) {
    const value = r[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.length > MAX_PATTERN || !pattern.test(value)) {
      const allowed = key === "onExitCode" ? "numbers" : "letters, numbers, periods, colons and white space";
      throw clientError(`${at}.${key} ${JSON.stringify(value)} must be at most ${MAX_PATTERN} ${allowed}, optionally ending with *`);
    }
    checked[key] = value;
  }
  return checked;
}

/** A Batch glob: exact, or a prefix when it ends with `*`. An absent value reads as the empty string. */
export function globMatches(pattern: string, value: string | undefined): boolean {
  const text = value ?? "";
  return pattern.endsWith("*") ? text.startsWith(pattern.slice(0, -1)) : text === pattern;
}

/** RETRY or EXIT for a failed attempt: the first rule whose patterns all match, else RETRY. */
export function exitAction(rules: EvaluateOnExit[] | undefined, end: AttemptEnd): "RETRY" | "EXIT" {
  const exitCode = end.exitCode === undefined ? undefined : String(end.exitCode);
  const rule = (rules ?? []).find(
    (r) =>
      (r.onStatusReason === undefined || globMatches(r.onStatusReason, end.statusReason)) &&
      (r.onReason === undefined || globMatches(r.onReason, end.reason)) &&
      (r.onExitCode === undefined || globMatches(r.onExitCode, exitCode)),
  );
  return rule?.action.toUpperCase() === "EXIT" ? "EXIT" : "RETRY";
}

/**
 * Whether a failed attempt is tried again: never for a stop by the user or a
 * timeout (`retriable` false), never past `attempts`, else as the rules say.
 */
export function retries(strategy: RetryStrategy | undefined, attemptsMade: number, retriable: boolean, end: AttemptEnd): boolean {
  if (!retriable || attemptsMade >= (strategy?.attempts ?? 1)) return false;
  return exitAction(strategy?.evaluateOnExit, end) === "RETRY";
}
