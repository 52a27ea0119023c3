// Telling which AWS service and operation an incoming request is for, from the
// SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`)
// and the protocol's own conventions: the path (and method, for tags) for
// Batch, X-Amz-Target for the JSON protocols (CloudWatch Logs), method + path +
// query + copy header for S3, the `Action` form field for the query protocols
// (IAM, STS, EC2), which carry it in the body.
import type { IncomingHttpHeaders } from "node:http";
import { TAG_OPERATIONS } from "./batch/api.js";

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

/** `form` is the body of a query-protocol request (`Action=...&...`), when it was read. */
export function identify(method: string, headers: IncomingHttpHeaders, url: URL, form?: string): RequestInfo {
  const { service, accessKeyId } = credentialScope(headers, url);
  return { ...operationOf(service, method, headers, url, form), accessKeyId };
}

/** Whether the request carries its operation in a form body (IAM, STS, EC2), which must be read to tell it. */
export function isQueryProtocol(method: string, headers: IncomingHttpHeaders, url: URL): boolean {
  const { service } = credentialScope(headers, url);
  return method === "POST" && service !== "s3" && service !== "batch" && (headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
}

function operationOf(service: string | undefined, method: string, headers: IncomingHttpHeaders, url: URL, form: string | undefined): RequestInfo {
  const target = headers["x-amz-target"];
  if (typeof target === "string") return { service, operation: target.split(".").at(-1) };
  if (service === "batch") return { service, operation: url.pathname.startsWith("/v1/tags/") ? TAG_OPERATIONS[method] : url.pathname.replace(/^\/v1\//, "") };
  if (service === "s3") return { service, operation: s3Operation(method, url, headers) };
  return { service, operation: url.searchParams.get("Action") ?? new URLSearchParams(form ?? "").get("Action") ?? undefined };
}

// Bucket settings addressed by a query parameter, and the operations' names without their verb.
const BUCKET_SUBRESOURCES: [string, string][] = [
  ["tagging", "BucketTagging"],
  ["lifecycle", "BucketLifecycleConfiguration"],
  ["publicAccessBlock", "PublicAccessBlock"],
  ["encryption", "BucketEncryption"],
  ["policy", "BucketPolicy"],
  ["versioning", "BucketVersioning"],
  ["location", "BucketLocation"],
];

/** The S3 operation of a path-style request (enough of them for fault rules and call lists). */
export function s3Operation(method: string, url: URL, headers: IncomingHttpHeaders = {}): string {
  const [, bucket, ...key] = url.pathname.split("/");
  const hasKey = key.join("/") !== "";
  const q = url.searchParams;
  if (!bucket) return "ListBuckets";
  if (!hasKey) {
    const subresource = BUCKET_SUBRESOURCES.find(([name]) => q.has(name));
    const verb = { GET: "Get", PUT: "Put", DELETE: "Delete" }[method];
    if (subresource && verb) return verb === "Delete" && subresource[0] === "lifecycle" ? "DeleteBucketLifecycle" : `${verb}${subresource[1]}`;
    const bucketOps: Record<string, string> = { GET: "ListObjectsV2", HEAD: "HeadBucket", PUT: "CreateBucket", DELETE: "DeleteBucket", POST: "DeleteObjects" };
    return bucketOps[method] ?? method;
  }
  if (method === "POST") return q.has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
  // A part or object copied from another object names its source in x-amz-copy-source.
  const copy = headers["x-amz-copy-source"] !== undefined;
  if (method === "PUT" && q.has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
  if (method === "PUT") return copy ? "CopyObject" : "PutObject";
  if (method === "DELETE") return q.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
  if (method === "GET") return q.has("uploadId") ? "ListParts" : "GetObject";
  if (method === "HEAD") return "HeadObject";
  return method;
}
