/**
 * Where an object lives in S3, and its `s3://bucket/key` URL: shared by the
 * S3 modules (s3.ts, s3-copy.ts) and the runner.
 */

export interface S3Location {
  bucket: string;
  key: string;
}

export function s3Url(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** An `s3://bucket/key` URL, or undefined when it is not one (no bucket or no key). */
export function parseS3ObjectUrl(url: string): S3Location | undefined {
  const match = /^s3:\/\/(?<bucket>[^/?#]+)\/+(?<key>[^?#]+)/.exec(url);
  return match?.groups ? { bucket: match.groups.bucket as string, key: match.groups.key as string } : undefined;
}
