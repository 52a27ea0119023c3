/**
 * The bucket itself, as `setup` creates it, `check-setup` reads it and
 * `teardown` removes it: public access block, default encryption, lifecycle
 * rules and tags. (Objects are s3.ts's and s3-objects.ts's.)
 *
 * Surprises: outside us-east-1, CreateBucket needs a LocationConstraint
 * naming the region, and us-east-1 refuses one
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html);
 * PutBucketLifecycleConfiguration replaces every rule, so other rules are
 * read first and kept; a bucket without a configuration answers
 * NoSuchLifecycleConfiguration (or NoSuchTagSet, ...) rather than an empty one.
 */
import type { LifecycleRule, S3Client } from "@aws-sdk/client-s3";
import { awsErrorName, httpStatus } from "./errors.js";
import { withRetries } from "./retry.js";

const S3 = () => import("@aws-sdk/client-s3");

export interface BucketFound {
  publicAccessBlocked: boolean;
  encrypted: boolean;
  lifecycle: LifecycleRule[];
  tags: Record<string, string>;
}

const ABSENT_CONFIGURATION = new Set(["NoSuchLifecycleConfiguration", "NoSuchPublicAccessBlockConfiguration", "ServerSideEncryptionConfigurationNotFoundError", "NoSuchTagSet", "NoSuchTagSetError"]);

/** The answer, or `absent` when the bucket has no such configuration. */
async function optional<T>(read: () => Promise<T>, absent: T): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (ABSENT_CONFIGURATION.has(awsErrorName(error) ?? "")) return absent;
    throw error;
  }
}

/** The bucket's set-up, or undefined when HeadBucket says there is no such bucket. */
export async function readBucket(client: S3Client, bucket: string): Promise<BucketFound | undefined> {
  const s3 = await S3();
  try {
    await withRetries("setup-read", () => client.send(new s3.HeadBucketCommand({ Bucket: bucket })));
  } catch (error) {
    if (httpStatus(error) === 404 || awsErrorName(error) === "NotFound" || awsErrorName(error) === "NoSuchBucket") return undefined;
    throw error;
  }
  const Bucket = bucket;
  const [block, encryption, lifecycle, tags] = await Promise.all([
    optional(async () => (await withRetries("setup-read", () => client.send(new s3.GetPublicAccessBlockCommand({ Bucket })))).PublicAccessBlockConfiguration, undefined),
    optional(async () => (await withRetries("setup-read", () => client.send(new s3.GetBucketEncryptionCommand({ Bucket })))).ServerSideEncryptionConfiguration?.Rules ?? [], []),
    optional(async () => (await withRetries("setup-read", () => client.send(new s3.GetBucketLifecycleConfigurationCommand({ Bucket })))).Rules ?? [], []),
    optional(async () => (await withRetries("setup-read", () => client.send(new s3.GetBucketTaggingCommand({ Bucket })))).TagSet ?? [], []),
  ]);
  return {
    publicAccessBlocked: Boolean(block?.BlockPublicAcls && block.BlockPublicPolicy && block.IgnorePublicAcls && block.RestrictPublicBuckets),
    encrypted: encryption.some((rule) => rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm !== undefined),
    lifecycle,
    tags: Object.fromEntries(tags.map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
  };
}

export async function createBucket(client: S3Client, bucket: string, region: string, tags: Record<string, string>): Promise<void> {
  const { CreateBucketCommand, PutBucketTaggingCommand } = await S3();
  const location = region === "us-east-1" ? undefined : { LocationConstraint: region as never };
  await withRetries("setup-change", () => client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: location })));
  await withRetries("setup-change", () => client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } })));
}

export async function blockPublicAccess(client: S3Client, bucket: string): Promise<void> {
  const { PutPublicAccessBlockCommand } = await S3();
  const all = { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true };
  await withRetries("setup-change", () => client.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: all })));
}

/** SSE-S3, which AWS applies to new buckets anyway since 2023; said explicitly so that check-setup can see it. */
export async function encryptByDefault(client: S3Client, bucket: string): Promise<void> {
  const { PutBucketEncryptionCommand } = await S3();
  await withRetries("setup-change", () => client.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } })));
}

/** Puts `rule`, replacing the rule with its ID and keeping the others. */
export async function putLifecycleRule(client: S3Client, bucket: string, rule: LifecycleRule, existing: readonly LifecycleRule[]): Promise<void> {
  const { PutBucketLifecycleConfigurationCommand } = await S3();
  const Rules = [...existing.filter((other) => other.ID !== rule.ID), rule];
  await withRetries("setup-change", () => client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules } })));
}

/** Whether the bucket holds any object (one listed key is enough). */
export async function bucketHasObjects(client: S3Client, bucket: string): Promise<boolean> {
  const { ListObjectsV2Command } = await S3();
  const answer = await withRetries("setup-read", () => client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 })));
  return (answer.KeyCount ?? answer.Contents?.length ?? 0) > 0;
}

/** Deletes every object, 1,000 a call (DeleteObjects' limit), and aborts unfinished multipart uploads; answers how many objects went. */
export async function emptyBucket(client: S3Client, bucket: string): Promise<number> {
  const s3 = await S3();
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await withRetries("setup-read", () => client.send(new s3.ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token })));
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length > 0) await withRetries("setup-change", () => client.send(new s3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } })));
    deleted += keys.length;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const uploads = await withRetries("setup-read", () => client.send(new s3.ListMultipartUploadsCommand({ Bucket: bucket })));
  for (const upload of uploads.Uploads ?? []) await withRetries("setup-change", () => client.send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId })));
  return deleted;
}

export async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  const { DeleteBucketCommand } = await S3();
  await withRetries("setup-change", () => client.send(new DeleteBucketCommand({ Bucket: bucket })));
}
