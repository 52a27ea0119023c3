/**
 * Everything the tool does with S3: check the bucket, stream an archive into
 * an object, read byte ranges of an object, remove what a run left behind.
 *
 * Streaming upload: S3 multipart parts are 5 MiB to 5 GiB and at most 10,000
 * per object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html),
 * and an archive's size is unknown until it is written. So the part size grows
 * with the part number: 8 MiB for the first 1,000 parts, doubling every 1,000,
 * which fits any object up to S3's 5 TiB limit while keeping memory to a few
 * parts for ordinary builds. Several parts are in flight at once; each is
 * retried on transient failures without resending the parts already stored;
 * any failure aborts the multipart upload so no parts are left behind (after
 * an interruption, the caller told of the upload does it, with its own
 * deadline). An archive smaller than one part is a single PutObject.
 * (lib-storage's Upload uses one fixed part size, so it cannot do this.)
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { RangeSource } from "../archive/zip-reader.js";
import { UserError } from "../errors.js";
import { awsErrorName, credentialsProblem, describeAwsError, httpStatus } from "./errors.js";
import { BucketNotFound, BucketUnreadable } from "./resource-errors.js";
import { BRIEF, PATIENT, withRetries, type RetryHooks } from "./retry.js";

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

const S3 = () => import("@aws-sdk/client-s3");

/** HeadBucket, with the Nextstrain CLI's explanation when it fails (C41). */
export async function checkBucket(client: S3Client, bucket: string): Promise<void> {
  const { HeadBucketCommand } = await S3();
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    throw credentialsProblem(error) ?? new BucketUnreadable(bucket, bucketProblem(error));
  }
}

/** HeadBucket answers without a body, so the SDK knows only the HTTP status. */
function bucketProblem(error: unknown): string {
  switch (httpStatus(error)) {
    case 404:
      return "no such bucket (HTTP 404)";
    case 403:
      return "access denied (HTTP 403)";
    case 301:
      return "the bucket is in another region (HTTP 301)";
    default:
      return describeAwsError(error);
  }
}

const MiB = 1024 * 1024;
export const FIRST_PART_SIZE = 8 * MiB;
export const MAX_PARTS = 10_000;

/** The size of part `partNumber` (1-based). */
export function partSize(partNumber: number): number {
  return FIRST_PART_SIZE * 2 ** Math.floor((partNumber - 1) / 1000);
}

export interface UploadOptions extends Pick<RetryHooks, "onRetry" | "sleep"> {
  /** Parts uploading at once. */
  concurrency?: number;
  signal?: AbortSignal;
  contentType?: string;
  /** Called as bytes are stored in S3. */
  onStored?: (bytes: number) => void;
  /**
   * Told the id of the multipart upload once S3 made one. After an
   * interruption (`signal`), removing it is then left to the caller, who can
   * give it a deadline and tell the user what remains.
   */
  onMultipart?: (uploadId: string) => void;
}

export interface UploadResult {
  bytes: number;
  parts: number;
}

export async function uploadStream(client: S3Client, target: S3Location, body: AsyncIterable<Uint8Array>, options: UploadOptions = {}): Promise<UploadResult> {
  const { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, AbortMultipartUploadCommand, PutObjectCommand } = await S3();
  const concurrency = options.concurrency ?? 4;
  const signal = options.signal;
  const retryHooks: RetryHooks = { onRetry: options.onRetry, sleep: options.sleep, signal };
  const retrying = <T>(request: () => Promise<T>): Promise<T> => withRetries(request, PATIENT, retryHooks);
  const sending = { abortSignal: signal };

  let uploadId: string | undefined;
  const completed: { PartNumber: number; ETag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let partNumber = 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let total = 0;

  const startPart = async (data: Buffer) => {
    if (uploadId === undefined) {
      const created = await retrying(() =>
        client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ContentType: options.contentType }), sending),
      );
      uploadId = created.UploadId;
      if (uploadId !== undefined) options.onMultipart?.(uploadId);
    }
    const number = partNumber++;
    if (number > MAX_PARTS) throw new UserError(`The archive is too large for one S3 object (more than ${MAX_PARTS} parts).`);
    const upload = new UploadPartCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId: uploadId,
      PartNumber: number,
      Body: data,
      ContentLength: data.length,
    });
    const part = retrying(() => client.send(upload, sending)).then(
      (result) => {
        completed.push({ PartNumber: number, ETag: result.ETag ?? "" });
        options.onStored?.(data.length);
      },
      (error: unknown) => {
        failure ??= error;
      },
    );
    const tracked = part.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
  };

  const takePart = (size: number): Buffer => {
    const joined = Buffer.concat(pending, pendingBytes);
    const part = joined.subarray(0, size);
    const rest = joined.subarray(size);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    return part;
  };

  try {
    for await (const chunk of body) {
      if (signal?.aborted) throw signal.reason;
      pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += chunk.byteLength;
      total += chunk.byteLength;
      while (pendingBytes >= partSize(partNumber)) await startPart(takePart(partSize(partNumber)));
    }
    if (signal?.aborted) throw signal.reason;

    if (uploadId === undefined) {
      const data = takePart(pendingBytes);
      const put = new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: data, ContentLength: data.length, ContentType: options.contentType });
      await retrying(() => client.send(put, sending));
      options.onStored?.(data.length);
      return { bytes: total, parts: 1 };
    }
    if (pendingBytes > 0) await startPart(takePart(pendingBytes));
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    completed.sort((a, b) => a.PartNumber - b.PartNumber);
    const complete = new CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: completed },
    });
    await retrying(() => client.send(complete, sending));
    return { bytes: total, parts: completed.length };
  } catch (error) {
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined && !(signal?.aborted && options.onMultipart)) {
      // Without this, stored parts linger (and are billed) until a lifecycle rule removes them.
      const abort = new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId });
      await withRetries(() => client.send(abort), PATIENT, { sleep: options.sleep }).catch(() => undefined);
    }
    throw explainS3Error(error, `upload to ${s3Url(target)}`, target.bucket);
  }
}

/** Hooks for removing what an upload left: a few quick retries, cut short by `signal`. */
type RemovalHooks = Pick<RetryHooks, "sleep" | "signal">;

/**
 * Removes an unfinished multipart upload and its stored parts. S3 answers
 * NoSuchUpload when the upload is gone: aborted already, or completed (so the
 * object may exist), which is told by answering false.
 */
export async function abortMultipartUpload(client: S3Client, location: S3Location, uploadId: string, hooks: RemovalHooks = {}): Promise<boolean> {
  const { AbortMultipartUploadCommand } = await S3();
  const abort = new AbortMultipartUploadCommand({ Bucket: location.bucket, Key: location.key, UploadId: uploadId });
  try {
    await withRetries(() => client.send(abort, { abortSignal: hooks.signal }), BRIEF, hooks);
    return true;
  } catch (error) {
    if (awsErrorName(error) === "NoSuchUpload") return false;
    throw error;
  }
}

/** Deletes an object (S3 answers the same whether or not it existed). */
export async function deleteObject(client: S3Client, location: S3Location, hooks: RemovalHooks = {}): Promise<void> {
  const { DeleteObjectCommand } = await S3();
  const remove = new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key });
  await withRetries(() => client.send(remove, { abortSignal: hooks.signal }), BRIEF, hooks);
}

/** A random-access view of an object, read with ranged GETs. */
export async function openObjectRanges(client: S3Client, location: S3Location, hooks: Pick<RetryHooks, "onRetry" | "sleep" | "signal"> = {}): Promise<RangeSource> {
  const { HeadObjectCommand, GetObjectCommand } = await S3();
  let head: { ContentLength?: number; ETag?: string };
  try {
    head = await withRetries(() => client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key })), PATIENT, hooks);
  } catch (error) {
    throw explainS3Error(error, `read ${s3Url(location)}`, location.bucket);
  }
  const size = head.ContentLength ?? 0;
  return {
    size,
    read: async (start, endExclusive) => {
      if (endExclusive <= start) return Buffer.alloc(0);
      try {
        return await withRetries(
          async () => {
            const answer = await client.send(
              new GetObjectCommand({
                Bucket: location.bucket,
                Key: location.key,
                Range: `bytes=${start}-${endExclusive - 1}`,
                // The object must not change under us between reads.
                IfMatch: head.ETag,
              }),
              { abortSignal: hooks.signal },
            );
            const bytes = Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
            if (bytes.length !== endExclusive - start) {
              throw Object.assign(new Error(`short read of ${s3Url(location)}: ${bytes.length} of ${endExclusive - start} bytes`), { name: "TimeoutError" });
            }
            return bytes;
          },
          PATIENT,
          hooks,
        );
      } catch (error) {
        throw explainS3Error(error, `read ${s3Url(location)}`, location.bucket);
      }
    },
  };
}

/** A UserError for what a user can fix; other errors pass through unchanged. */
export function explainS3Error(error: unknown, doing: string, bucket: string): unknown {
  if (error instanceof UserError) return error;
  const credentials = credentialsProblem(error);
  if (credentials) return credentials;
  switch (awsErrorName(error)) {
    case "NoSuchBucket":
      return new BucketNotFound(bucket, doing);
    case "NoSuchKey":
    case "NotFound":
      return new UserError(`Could not ${doing}: the object does not exist.`, "It may have been removed by the bucket's lifecycle rule.");
    case "AccessDenied":
    case "Forbidden":
      return new UserError(`Could not ${doing}: access denied.`, "Ask your AWS administrator for s3:PutObject and s3:GetObject on the bucket (see docs/aws-setup.md).");
    case "PreconditionFailed":
      return new UserError(`Could not ${doing}: the object changed while it was being read.`, "Run the command again.");
    default:
      return error;
  }
}
