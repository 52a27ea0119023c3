/**
 * Small whole objects in S3: the job record kept next to each build archive
 * (`<prefix><run-id>.json`), so a job can be found again from another machine
 * after AWS Batch has forgotten it; and when objects were last written, which
 * tells whether a forgotten job uploaded its results.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorName } from "./errors.js";
import { withRetries } from "./retry.js";
import type { S3Location } from "./s3.js";

const S3 = () => import("@aws-sdk/client-s3");

export async function putText(client: S3Client, location: S3Location, text: string): Promise<void> {
  const { PutObjectCommand } = await S3();
  const put = new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: text, ContentType: "application/json" });
  await withRetries("s3-transfer", () => client.send(put));
}

/** The object's text, or undefined when there is no such object. */
export async function getText(client: S3Client, location: S3Location): Promise<string | undefined> {
  const { GetObjectCommand } = await S3();
  try {
    const answer = await withRetries("s3-transfer", () => client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key })));
    return (await answer.Body?.transformToString("utf8")) ?? "";
  } catch (error) {
    if (awsErrorName(error) === "NoSuchKey" || awsErrorName(error) === "NotFound") return undefined;
    throw error;
  }
}

/** When the object was last written (S3 keeps whole seconds), or undefined when there is no such object. */
export async function lastModified(client: S3Client, location: S3Location): Promise<Date | undefined> {
  const { HeadObjectCommand } = await S3();
  try {
    const head = await withRetries("s3-transfer", () => client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key })));
    return head.LastModified;
  } catch (error) {
    if (awsErrorName(error) === "NoSuchKey" || awsErrorName(error) === "NotFound") return undefined;
    throw error;
  }
}

/** Keys under a prefix that end with `suffix`, page by page. */
export async function* keysEndingWith(client: S3Client, bucket: string, prefix: string, suffix: string): AsyncGenerator<string> {
  const { ListObjectsV2Command } = await S3();
  let token: string | undefined;
  do {
    const page = await withRetries("s3-transfer", () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })));
    for (const object of page.Contents ?? []) if (object.Key?.endsWith(suffix)) yield object.Key;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
