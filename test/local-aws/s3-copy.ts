// Copies S3 makes from an existing object (UploadPartCopy, CopyObject): the
// source named in `x-amz-copy-source`, the bytes a copy takes, and the
// `x-amz-copy-source-if-match` / `-if-none-match` conditions, which moto 5.2
// does not check (it copies whatever the ETag). The stack checks them against
// the source's current ETag and answers 412 PreconditionFailed as S3 does.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
import type { IncomingHttpHeaders } from "node:http";

/** The path (and query) of the source object, for a HEAD request to moto. */
export function copySourcePath(header: string): string {
  const [path = "", query] = header.split("?");
  const versionId = new URLSearchParams(query ?? "").get("versionId");
  return `/${path.replace(/^\//, "")}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ""}`;
}

/** Bytes in `bytes=first-last`; undefined when there is no range. */
export function rangeLength(range: string | undefined): number | undefined {
  const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
  return match ? Number(match[2]) - Number(match[1]) + 1 : undefined;
}

/** The condition header that does not hold for a source with this ETag, or undefined when the copy may go ahead. */
export function failedCondition(headers: IncomingHttpHeaders, sourceEtag: string): string | undefined {
  const ifMatch = headers["x-amz-copy-source-if-match"];
  if (typeof ifMatch === "string" && !etagListMatches(ifMatch, sourceEtag)) return "x-amz-copy-source-If-Match";
  const ifNoneMatch = headers["x-amz-copy-source-if-none-match"];
  if (typeof ifNoneMatch === "string" && etagListMatches(ifNoneMatch, sourceEtag)) return "x-amz-copy-source-If-None-Match";
  return undefined;
}

/** `*`, or a comma-separated list of ETags (quoted or not, weak or not) that includes this one. */
function etagListMatches(list: string, etag: string): boolean {
  const bare = (value: string) => value.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
  return list.split(",").some((candidate) => candidate.trim() === "*" || bare(candidate) === bare(etag));
}
