// Telling which AWS service and operation an incoming request is for, from the
// SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`)
// and the protocol's own conventions: the path for Batch, X-Amz-Target for the
// JSON protocols (CloudWatch Logs), method + path + query for S3.
import type { IncomingHttpHeaders } from "node:http";

export interface RequestInfo {
  service: string | undefined;
  operation: string | undefined;
  accessKeyId?: string;
}

const SCOPE = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

/** Access key and service of a SigV4-signed request (header or presigned URL). */
export function credentialScope(headers: IncomingHttpHeaders, url: URL): { accessKeyId?: string; service?: string } {
  const authorization = headers.authorization ?? "";
  const match = SCOPE.exec(authorization) ?? SCOPE.exec(`Credential=${url.searchParams.get("X-Amz-Credential") ?? ""}`);
  return { accessKeyId: match?.[1], service: match?.[2] };
}

export function identify(method: string, headers: IncomingHttpHeaders, url: URL): RequestInfo {
  const { service, accessKeyId } = credentialScope(headers, url);
  return { ...operationOf(service, method, headers, url), accessKeyId };
}

function operationOf(service: string | undefined, method: string, headers: IncomingHttpHeaders, url: URL): RequestInfo {
  const target = headers["x-amz-target"];
  if (typeof target === "string") return { service, operation: target.split(".").at(-1) };
  if (service === "batch") return { service, operation: url.pathname.replace(/^\/v1\//, "") };
  if (service === "s3") return { service, operation: s3Operation(method, url) };
  return { service, operation: url.searchParams.get("Action") ?? undefined };
}

/** The S3 operation of a path-style request (enough of them for fault rules). */
export function s3Operation(method: string, url: URL): string {
  const [, bucket, ...key] = url.pathname.split("/");
  const hasKey = key.join("/") !== "";
  const q = url.searchParams;
  if (!bucket) return "ListBuckets";
  if (!hasKey) {
    const bucketOps: Record<string, string> = { GET: "ListObjectsV2", HEAD: "HeadBucket", PUT: "CreateBucket", DELETE: "DeleteBucket", POST: "DeleteObjects" };
    return bucketOps[method] ?? method;
  }
  if (method === "POST") return q.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
  if (method === "PUT") return q.has("uploadId") ? "UploadPart" : "PutObject";
  if (method === "DELETE") return q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
  if (method === "GET") return q.has("uploadId") ? "ListParts" : "GetObject";
  if (method === "HEAD") return "HeadObject";
  return method;
}
