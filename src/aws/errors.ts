/**
 * How AWS errors are told apart and explained. The SDK throws errors whose
 * `name` is the AWS error code and whose `$metadata.httpStatusCode` is the
 * HTTP status; network failures come from Node with a `code` such as
 * ECONNRESET. Only throttling and 5xx/network failures are worth retrying;
 * credential problems become UserErrors that say what to do.
 */
import { UserError } from "../errors.js";

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "RequestThrottledException",
]);

const NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH"]);

const INVALID_CREDENTIALS = new Set([
  "InvalidAccessKeyId",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "AuthFailure",
]);

const EXPIRED_CREDENTIALS = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);

function shape(error: unknown): AwsErrorShape {
  return typeof error === "object" && error !== null ? (error as AwsErrorShape) : {};
}

export function awsErrorName(error: unknown): string | undefined {
  return shape(error).name;
}

export function httpStatus(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

export function isThrottling(error: unknown): boolean {
  const { name, $retryable } = shape(error);
  return (name !== undefined && THROTTLING.has(name)) || httpStatus(error) === 429 || $retryable?.throttling === true;
}

/** Throttling, a 5xx answer, or a failed connection: worth another try. */
export function isTransient(error: unknown): boolean {
  if (isThrottling(error)) return true;
  const status = httpStatus(error);
  // 501 Not Implemented (an operation an endpoint lacks) does not mend with time.
  if (status !== undefined && status >= 500 && status !== 501) return true;
  const { name, code, message } = shape(error);
  if (code !== undefined && NETWORK.has(code)) return true;
  if (name === "TimeoutError" || name === "RequestTimeout" || name === "RequestTimeoutException") return true;
  return /socket hang up|ECONNRESET|EPIPE|network|premature close/i.test(message ?? "");
}

/** A UserError for credential problems, else undefined (the caller decides). */
export function credentialsProblem(error: unknown): UserError | undefined {
  const { name, message } = shape(error);
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message ?? "")) {
    return new UserError(
      "No AWS credentials were found.",
      "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with AWS_PROFILE, or sign in with `aws sso login`.",
    );
  }
  if (name !== undefined && EXPIRED_CREDENTIALS.has(name)) {
    return new UserError(`Your AWS credentials have expired (${name}).`, "Renew them (for example `aws sso login`, or new session credentials) and run the command again.");
  }
  if (name !== undefined && INVALID_CREDENTIALS.has(name)) {
    return new UserError(`AWS did not accept your credentials (${name}: ${message ?? ""}).`, "Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the profile in use (AWS_PROFILE).");
  }
  return undefined;
}

/** AWS's own words for an error: "Name: message". */
export function describeAwsError(error: unknown): string {
  const { name, message } = shape(error);
  if (name && message && !message.startsWith(name)) return `${name}: ${message}`;
  return message ?? name ?? String(error);
}
