// Injected faults, per service, operation and access key, so the tool meets
// what a flaky link or a busy AWS does to it:
//
//  - `throttle` / `server-error` / `access-denied` / `expired-token`: an error
//    answer in that service's own shape (so the SDK sees what it would see
//    from AWS): S3's XML, Batch's and CloudWatch Logs' JSON, the query XML of
//    IAM and STS, EC2's own XML;
//  - `precondition-failed`: S3's 412 PreconditionFailed;
//  - `reset`: the connection is cut mid-body (half the request body read, or
//    half the answer sent);
//  - `delay`: the call is served `delayMs` late;
//  - `blackout`: from the first matching call on, every call with the same
//    access key hangs for `durationMs` and then has its connection cut, as
//    when a laptop loses its network for a while.
//
// Calls signed with a key being recorded (any key a rule names) are listed
// with their outcome and the bytes they carried, so tests can count, say,
// UploadPart calls per part, or bytes sent against bytes copied.
import type { RequestInfo } from "./requests.js";

export type ErrorKind = "throttle" | "server-error" | "access-denied" | "expired-token";
export type FaultKind = ErrorKind | "precondition-failed" | "reset" | "delay" | "blackout";
export const FAULT_KINDS: readonly FaultKind[] = ["throttle", "server-error", "access-denied", "expired-token", "precondition-failed", "reset", "delay", "blackout"];

export interface FaultRule {
  kind: FaultKind;
  /** `batch`, `s3`, `logs`, `iam`, `ec2`, `sts`...; every service when absent. */
  service?: string;
  /** Operation name such as `DescribeJobs`, `GetLogEvents`, `UploadPart`; every one when absent. */
  operation?: string;
  /** Share of the matching calls that fail, spread evenly (1 = all). */
  fraction?: number;
  /** Stop after failing this many calls. */
  count?: number;
  /** Let this many matching calls through before the rule applies. */
  after?: number;
  /** The rule lapses this many milliseconds after it was added. */
  forMs?: number;
  /** Only calls signed with this access key: lets tests running side by side keep their faults apart. */
  accessKeyId?: string;
  /** `delay`: how late the answer comes. */
  delayMs?: number;
  /** `blackout`: how long all traffic of the access key is lost. */
  durationMs?: number;
}

export interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the server does with a call a rule caught. */
export type FaultAction =
  | { kind: "respond"; response: FaultResponse }
  | { kind: "reset" }
  | { kind: "delay"; ms: number }
  /** Hold the call until `untilMs` (epoch ms), then cut its connection. */
  | { kind: "blackout"; untilMs: number };

/** One call signed with a recorded key, and what became of it. */
export interface RecordedCall {
  service?: string;
  operation?: string;
  /** The S3 part number, for UploadPart and UploadPartCopy. */
  partNumber?: number;
  /** Request body bytes the stack received before the call was answered (0 when a fault answered without reading it). */
  bytesSent: number;
  /** Bytes of the source object a copy asked for (UploadPartCopy: the range; CopyObject: the whole source). */
  bytesCopied?: number;
  /** HTTP status of the answer, or the fault that ended the call. */
  outcome: number | FaultKind;
}

/** What a call carried, noted with its outcome. */
export interface CallBytes {
  sent: number;
  copied?: number;
}

interface ActiveRule extends FaultRule {
  credit: number;
  failed: number;
  seen: number;
  expiresAt: number;
}

export class Faults {
  private rules: ActiveRule[] = [];
  /** Access key (or "*") -> end of its blackout. */
  private blackouts = new Map<string, number>();
  private recorded = new Map<string, RecordedCall[]>();

  constructor(private readonly now: () => number = Date.now) {}

  add(rule: FaultRule): void {
    if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`kind must be one of ${FAULT_KINDS.join(", ")}`);
    if (rule.kind === "precondition-failed" && rule.service !== "s3") throw new Error("precondition-failed is an S3 answer: give service s3");
    this.rules.push({ ...rule, credit: 0, failed: 0, seen: 0, expiresAt: rule.forMs === undefined ? Infinity : this.now() + rule.forMs });
    if (rule.accessKeyId !== undefined) this.record(rule.accessKeyId);
  }

  clear(): void {
    this.rules = [];
    this.blackouts.clear();
  }

  /** Starts listing the calls signed with this key (kept until the stack stops). */
  record(accessKeyId: string): void {
    if (!this.recorded.has(accessKeyId)) this.recorded.set(accessKeyId, []);
  }

  /** The calls signed with this key so far. */
  calls(accessKeyId: string): RecordedCall[] {
    return this.recorded.get(accessKeyId) ?? [];
  }

  /** Notes what became of a call (only for recorded keys). */
  note(info: RequestInfo, url: URL, outcome: RecordedCall["outcome"], bytes: CallBytes = { sent: 0 }): void {
    const list = info.accessKeyId === undefined ? undefined : this.recorded.get(info.accessKeyId);
    if (!list) return;
    const part = info.operation === "UploadPart" || info.operation === "UploadPartCopy" ? Number(url.searchParams.get("partNumber")) : undefined;
    list.push({
      service: info.service,
      operation: info.operation,
      ...(part === undefined ? {} : { partNumber: part }),
      bytesSent: bytes.sent,
      ...(bytes.copied === undefined ? {} : { bytesCopied: bytes.copied }),
      outcome,
    });
  }

  /** What to do instead of serving the call, if a rule says so. */
  check(info: RequestInfo): FaultAction | undefined {
    const now = this.now();
    const lostUntil = Math.max(this.blackouts.get(info.accessKeyId ?? "") ?? 0, this.blackouts.get("*") ?? 0);
    if (lostUntil > now) return { kind: "blackout", untilMs: lostUntil };
    this.rules = this.rules.filter((rule) => rule.expiresAt > now);
    for (const rule of this.rules) {
      if (rule.service !== undefined && rule.service !== info.service) continue;
      if (rule.accessKeyId !== undefined && rule.accessKeyId !== info.accessKeyId) continue;
      if (rule.operation !== undefined && rule.operation.toLowerCase() !== info.operation?.toLowerCase()) continue;
      rule.seen += 1;
      if (rule.seen <= (rule.after ?? 0)) continue;
      // Deterministic spreading: with fraction 0.25, every fourth matching call fails.
      rule.credit += rule.fraction ?? 1;
      if (rule.credit < 1 - 1e-9) continue;
      rule.credit -= 1;
      rule.failed += 1;
      if (rule.count !== undefined && rule.failed >= rule.count) this.rules = this.rules.filter((r) => r !== rule);
      return this.action(rule, now);
    }
    return undefined;
  }

  private action(rule: ActiveRule, now: number): FaultAction {
    switch (rule.kind) {
      case "throttle":
      case "server-error":
      case "access-denied":
      case "expired-token":
        return { kind: "respond", response: faultResponse(rule.kind, rule.service) };
      case "precondition-failed":
        return { kind: "respond", response: preconditionFailed("x-amz-copy-source-If-Match") };
      case "reset":
        return { kind: "reset" };
      case "delay":
        return { kind: "delay", ms: rule.delayMs ?? 1000 };
      case "blackout": {
        const untilMs = now + (rule.durationMs ?? 30_000);
        this.blackouts.set(rule.accessKeyId ?? "*", untilMs);
        this.rules = this.rules.filter((r) => r !== rule);
        return { kind: "blackout", untilMs };
      }
    }
  }
}

// [status, code, message] per kind and protocol family: S3, Batch, the other
// JSON services (CloudWatch Logs), the query protocol of IAM and STS, and EC2's.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
type Family = "s3" | "batch" | "json" | "query" | "ec2";
const ERRORS: Record<ErrorKind, Record<Family, [number, string, string]>> = {
  throttle: {
    s3: [503, "SlowDown", "Please reduce your request rate."],
    batch: [429, "TooManyRequestsException", "Too Many Requests"],
    json: [400, "ThrottlingException", "Rate exceeded"],
    query: [400, "Throttling", "Rate exceeded"],
    ec2: [503, "RequestLimitExceeded", "Request limit exceeded."],
  },
  "server-error": {
    s3: [500, "InternalError", "We encountered an internal error. Please try again."],
    batch: [500, "ServerException", "Internal Server Error"],
    json: [500, "ServiceUnavailableException", "Service Unavailable"],
    query: [500, "ServiceFailure", "Request processing has failed due to some unknown error, exception or failure."],
    ec2: [500, "InternalError", "An internal error has occurred."],
  },
  "access-denied": {
    s3: [403, "AccessDenied", "Access Denied"],
    batch: [403, "AccessDeniedException", "User is not authorized to perform this action"],
    json: [400, "AccessDeniedException", "User is not authorized to perform this action"],
    query: [403, "AccessDenied", "User is not authorized to perform this action"],
    ec2: [403, "UnauthorizedOperation", "You are not authorized to perform this operation."],
  },
  "expired-token": {
    s3: [400, "ExpiredToken", "The provided token has expired."],
    batch: [403, "ExpiredTokenException", "The security token included in the request is expired"],
    json: [400, "ExpiredTokenException", "The security token included in the request is expired"],
    query: [403, "ExpiredToken", "The security token included in the request is expired"],
    ec2: [400, "RequestExpired", "Request has expired."],
  },
};

function familyOf(service: string | undefined): Family {
  if (service === "s3" || service === "batch" || service === "ec2") return service;
  return service === "iam" || service === "sts" ? "query" : "json";
}

const XML = { "content-type": "text/xml" };
const S3_XML = { "content-type": "application/xml" };

export function faultResponse(kind: ErrorKind, service: string | undefined): FaultResponse {
  const family = familyOf(service);
  const [status, code, message] = ERRORS[kind][family];
  switch (family) {
    case "s3":
      return { status, headers: S3_XML, body: s3ErrorBody(code, message) };
    case "query":
      return { status, headers: XML, body: `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>local-aws</RequestId></ErrorResponse>` };
    case "ec2":
      return { status, headers: XML, body: `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>local-aws</RequestID></Response>` };
    default:
      return { status, headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code }, body: JSON.stringify({ __type: code, message }) };
  }
}

/** S3's answer to a copy whose `x-amz-copy-source-if-*` condition does not hold. */
export function preconditionFailed(condition: string): FaultResponse {
  return {
    status: 412,
    headers: S3_XML,
    body: s3ErrorBody("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", `<Condition>${condition}</Condition>`),
  };
}

function s3ErrorBody(code: string, message: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>local-aws</RequestId></Error>`;
}
