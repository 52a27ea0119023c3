import { describe, expect, it } from "vitest";
import { bucketUrl, parseBucket } from "../../../src/config/bucket.js";

describe("bucket setting forms (C40)", () => {
  it.each([
    ["nextstrain-jobs", "nextstrain-jobs", ""],
    ["my-bucket/runs/", "my-bucket", "runs/"],
    ["my-bucket/runs", "my-bucket", "runs"],
    ["s3://my-bucket", "my-bucket", ""],
    ["s3://my-bucket/", "my-bucket", ""],
    ["s3://my-bucket//a/b/", "my-bucket", "a/b/"],
    ["S3://my-bucket/x", "my-bucket", "x"],
    ["s3://my-bucket/x?versionId=1#frag", "my-bucket", "x"],
    ["Legacy_Bucket.Name", "Legacy_Bucket.Name", ""],
  ])("%j is bucket %j with prefix %j", (value, bucket, prefix) => {
    expect(parseBucket(value)).toEqual({ ok: true, location: { bucket, prefix } });
  });

  it("keeps the prefix a raw string prefix", () => {
    expect(bucketUrl({ bucket: "b", prefix: "runs" }) + "uuid.zip").toBe("s3://b/runsuuid.zip");
  });

  it.each([
    ["gs://bucket/x", "expected an s3://… URL but got a URL for gs:… instead: 'gs://bucket/x'"],
    ["https://bucket.s3.amazonaws.com", "expected an s3://… URL but got a URL for https:… instead"],
    ["s3://", "no bucket name in 's3://'"],
    ["/just/a/path", "no bucket name"],
    ["my bucket", "is not an S3 bucket name"],
    ["ab", "is not an S3 bucket name"],
    ["user@bucket", "is not an S3 bucket name"],
  ])("refuses %j", (value, reason) => {
    const parsed = parseBucket(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});
