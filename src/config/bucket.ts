/**
 * The S3 bucket setting: `name`, `name/prefix`, `s3://name`, `s3://name/prefix`
 * (C40). The prefix is a raw string prefix, not a directory:
 * `bucket/runs` gives keys `runs<run-id>.zip`, `bucket/runs/` gives
 * `runs/<run-id>.zip`, exactly as the Nextstrain CLI does.
 */

export interface BucketLocation {
  bucket: string;
  prefix: string;
}

export type BucketParse = { ok: true; location: BucketLocation } | { ok: false; reason: string };

const SCHEME_RE = /^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*):\/\//;
// Every character any S3 bucket name may hold (legacy us-east-1 names included).
const BUCKET_NAME_RE = /^[A-Za-z0-9._-]{3,255}$/;

export function parseBucket(value: string): BucketParse {
  const scheme = SCHEME_RE.exec(value)?.groups?.scheme;
  if (scheme !== undefined && scheme.toLowerCase() !== "s3") {
    return { ok: false, reason: `expected an s3://… URL but got a URL for ${scheme}:… instead: '${value}'` };
  }
  const rest = scheme === undefined ? value : value.slice(scheme.length + 3);
  // As urlsplit does: the bucket ends at the first "/", "?" or "#"; query and fragment are dropped.
  const end = rest.search(/[/?#]/);
  const bucket = end < 0 ? rest : rest.slice(0, end);
  const path = end < 0 ? "" : rest.slice(end).replace(/[?#].*$/s, "");
  if (bucket === "") return { ok: false, reason: `no bucket name in '${value}'` };
  if (!BUCKET_NAME_RE.test(bucket)) {
    return {
      ok: false,
      reason: `"${bucket}" is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens) in '${value}'`,
    };
  }
  return { ok: true, location: { bucket, prefix: path.replace(/^\/+/, "") } };
}

export function bucketUrl(location: BucketLocation): string {
  return `s3://${location.bucket}/${location.prefix}`;
}
