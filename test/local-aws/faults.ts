// Injected faults: throttling or server errors on a chosen share of the calls
// to one service (and operation), answered in that service's own error shape
// so the SDK's retry logic sees what it would see from AWS.
import type { RequestInfo } from "./requests.js";

export type FaultKind = "throttle" | "server-error";

export interface FaultRule {
  kind: FaultKind;
  /** `batch`, `s3`, `logs`...; every service when absent. */
  service?: string;
  /** Operation name such as `DescribeJobs`, `GetLogEvents`, `UploadPart`; every one when absent. */
  operation?: string;
  /** Share of the matching calls that fail, spread evenly (1 = all). */
  fraction?: number;
  /** Stop after failing this many calls. */
  count?: number;
  /** Only calls signed with this access key: lets tests running side by side keep their faults apart. */
  accessKeyId?: string;
}

export interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface ActiveRule extends FaultRule {
  credit: number;
  failed: number;
}

export class Faults {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, credit: 0, failed: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The error to answer instead of serving the request, if a rule says so. */
  check(info: RequestInfo): FaultResponse | undefined {
    for (const rule of this.rules) {
      if (rule.service !== undefined && rule.service !== info.service) continue;
      if (rule.accessKeyId !== undefined && rule.accessKeyId !== info.accessKeyId) continue;
      if (rule.operation !== undefined && rule.operation.toLowerCase() !== info.operation?.toLowerCase()) continue;
      // Deterministic spreading: with fraction 0.25, every fourth matching call fails.
      rule.credit += rule.fraction ?? 1;
      if (rule.credit < 1 - 1e-9) continue;
      rule.credit -= 1;
      rule.failed += 1;
      if (rule.count !== undefined && rule.failed >= rule.count) this.rules = this.rules.filter((r) => r !== rule);
      return faultResponse(rule.kind, info.service);
    }
    return undefined;
  }
}

export function faultResponse(kind: FaultKind, service: string | undefined): FaultResponse {
  if (service === "s3") {
    const [status, code, message] = kind === "throttle" ? [503, "SlowDown", "Please reduce your request rate."] : [500, "InternalError", "We encountered an internal error. Please try again."];
    return {
      status,
      headers: { "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>local-aws</RequestId></Error>`,
    };
  }
  const [status, type, message] =
    service === "batch"
      ? kind === "throttle" ? [429, "TooManyRequestsException", "Too Many Requests"] : [500, "ServerException", "Internal Server Error"]
      : kind === "throttle" ? [400, "ThrottlingException", "Rate exceeded"] : [500, "ServiceUnavailableException", "Service Unavailable"];
  return {
    status,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-ErrorType": type },
    body: JSON.stringify({ __type: type, message }),
  };
}
