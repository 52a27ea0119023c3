/**
 * Everything the tool does with S3: check the bucket, stream an archive into
 * an object, read byte ranges of an object (ranged GETs, or one streaming
 * GET), remove what a run left behind.
 *
 * Streaming upload: S3 multipart parts are 5 MiB to 5 GiB and at most 10,000
 * per object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html),
 * and an archive's size is unknown until it is written. So the part size grows
 * with the part number: 6 MiB for the first 1,000 parts, doubling every 1,000,
 * which fits any object up to S3's 5 TiB limit while keeping memory to a few
 * parts for ordinary builds. Several parts are in flight at once; each is
 * retried on transient failures without resending the parts already stored;
 * any failure aborts the multipart upload so no parts are left behind (after
 * an interruption, the caller told of the upload does it, with its own
 * deadline). An archive smaller than one part is a single PutObject.
 * (lib-storage's Upload uses one fixed part size, so it cannot do this.)
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { GetMeter } from "../archive/download-plan.js";
import type { OpenStream } from "../archive/sequential-source.js";
import type { RangeSource } from "../archive/zip-reader.js";
import { UserError } from "../errors.js";
import { awsErrorName, credentialsProblem, describeAwsError, httpStatus } from "./errors.js";
import { BucketNotFound, BucketUnreadable } from "./resource-errors.js";
import { copyParts, type CompletedPart, type CopiedParts } from "./s3-copy.js";
import { withRetries, type RetryHooks } from "./retry.js";
import { s3Url, type S3Location } from "./s3-location.js";

export { parseS3ObjectUrl, s3Url, type S3Location } from "./s3-location.js";

const S3 = () => import("@aws-sdk/client-s3");

/** HeadBucket, with the Nextstrain CLI's explanation when it fails (C41). */
export async function checkBucket(client: S3Client, bucket: string): Promise<void> {
  const { HeadBucketCommand } = await S3();
  try {
    await withRetries("s3-transfer", () => client.send(new HeadBucketCommand({ Bucket: bucket })));
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
export const FIRST_PART_SIZE = 6 * MiB;
export const MAX_PARTS = 10_000;

/** The size of part `partNumber` (1-based). */
export function partSize(partNumber: number): number {
  return FIRST_PART_SIZE * 2 ** Math.floor((partNumber - 1) / 1000);
}

/** Parts uploading at once. */
export const PARTS_IN_FLIGHT = 4;

export interface UploadOptions extends Pick<RetryHooks, "onRetry" | "clock"> {
  signal?: AbortSignal;
  /** Called as bytes are stored in S3. */
  onStored?: (bytes: number) => void;
  /**
   * Told the id of the multipart upload once S3 made one. After an
   * interruption (`signal`), removing it is then left to the caller, who can
   * give it a deadline and tell the user what remains.
   */
  onMultipart?: (uploadId: string) => void;
  /** Parts copied inside S3 from an earlier object, which start the object before the streamed bytes (s3-copy.ts). */
  copyFirst?: CopiedParts;
}

export interface UploadResult {
  /** Bytes sent. */
  bytes: number;
  parts: number;
  /** Bytes copied inside S3 (copyFirst). */
  copied: number;
}

export async function uploadStream(client: S3Client, target: S3Location, body: AsyncIterable<Uint8Array>, options: UploadOptions = {}): Promise<UploadResult> {
  const upload = new PartUploader(client, target, options, await S3());
  try {
    if (options.copyFirst) await upload.copyFirst(options.copyFirst);
    for await (const chunk of body) {
      options.signal?.throwIfAborted();
      await upload.add(chunk);
    }
    options.signal?.throwIfAborted();
    return await upload.finish();
  } catch (error) {
    await upload.abandon();
    throw explainS3Error(error, `upload to ${s3Url(target)}`, target.bucket);
  }
}

/** One streaming upload: bytes gathered into parts, several parts in flight, then completed (or abandoned). */
class PartUploader {
  private uploadId: string | undefined;
  private readonly completed: CompletedPart[] = [];
  /** The copied parts, running alongside the sent ones; joined before the upload completes. */
  private copying: Promise<CompletedPart[]> | undefined;
  private copied = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private partNumber = 1;
  /** The part being gathered: chunks are copied in as they come, so none is held beyond its copy. */
  private part: Buffer | undefined;
  /**
   * Part buffers whose upload finished, to gather the next parts in. Left to
   * the garbage collector, dead parts piled up to 60 MB before V8
   * freed them (it sweeps for outside memory only after it grew by 64 MB).
   */
  private readonly spare: Buffer[] = [];
  private pendingBytes = 0;
  private total = 0;

  constructor(
    private readonly client: S3Client,
    private readonly target: S3Location,
    private readonly options: UploadOptions,
    private readonly sdk: typeof import("@aws-sdk/client-s3"),
  ) {}

  private retrying<T>(request: (sending: { abortSignal?: AbortSignal }) => Promise<T>): Promise<T> {
    const { onRetry, clock, signal } = this.options;
    return withRetries("s3-transfer", () => request({ abortSignal: signal }), { onRetry, clock, signal });
  }

  async add(chunk: Uint8Array): Promise<void> {
    this.total += chunk.byteLength;
    let from = 0;
    while (from < chunk.byteLength) {
      const size = partSize(this.partNumber);
      this.part ??= this.spareOf(size) ?? Buffer.allocUnsafeSlow(size);
      const taken = Math.min(size - this.pendingBytes, chunk.byteLength - from);
      this.part.set(chunk.subarray(from, from + taken), this.pendingBytes);
      this.pendingBytes += taken;
      from += taken;
      if (this.pendingBytes === size) await this.startPart(this.takePart());
    }
  }

  /** Sends the rest: one PutObject for a small archive, else the last part and CompleteMultipartUpload. */
  async finish(): Promise<UploadResult> {
    const { bucket, key } = this.target;
    if (this.uploadId === undefined) {
      const data = this.takePart();
      const put = new this.sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentLength: data.length });
      await this.retrying((sending) => this.client.send(put, sending));
      this.options.onStored?.(data.length);
      return { bytes: this.total, parts: 1, copied: 0 };
    }
    if (this.pendingBytes > 0) await this.startPart(this.takePart());
    await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    if (this.copying) this.completed.push(...(await this.copying));
    this.completed.sort((a, b) => a.PartNumber - b.PartNumber);
    const complete = new this.sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MultipartUpload: { Parts: this.completed } });
    await this.retrying((sending) => this.client.send(complete, sending));
    return { bytes: this.total, parts: this.completed.length, copied: this.copied };
  }

  /** Starts copying the ranges as the first parts; the streamed bytes become the parts after them. */
  async copyFirst(copy: CopiedParts): Promise<void> {
    const uploadId = await this.createUpload();
    const firstPart = this.partNumber;
    this.partNumber += copy.ranges.length;
    this.copied = copy.ranges.reduce((sum, range) => sum + range.end - range.start, 0);
    const { onRetry, clock, signal } = this.options;
    this.copying = copyParts(this.client, { location: this.target, uploadId, firstPart }, copy, { onRetry, clock, signal, concurrency: PARTS_IN_FLIGHT });
    this.copying.catch(() => undefined); // awaited by finish(), or settled by abandon()
  }

  /** After a failure: waits for the parts in flight, and aborts the multipart upload unless the caller took that on. */
  async abandon(): Promise<void> {
    await Promise.allSettled([...this.inFlight, ...(this.copying ? [this.copying] : [])]);
    if (this.uploadId === undefined || (this.options.signal?.aborted && this.options.onMultipart)) return;
    // Without this, stored parts linger (and are billed) until a lifecycle rule removes them.
    const abort = new this.sdk.AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId });
    await withRetries("s3-transfer", () => this.client.send(abort), { clock: this.options.clock }).catch(() => undefined);
  }

  private async createUpload(): Promise<string> {
    if (this.uploadId === undefined) {
      const create = new this.sdk.CreateMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key });
      const created = await this.retrying((sending) => this.client.send(create, sending));
      this.uploadId = created.UploadId;
      if (this.uploadId !== undefined) this.options.onMultipart?.(this.uploadId);
    }
    return this.uploadId ?? "";
  }

  private async startPart(data: Buffer): Promise<void> {
    const { bucket, key } = this.target;
    await this.createUpload();
    const number = this.partNumber++;
    if (number > MAX_PARTS) throw new UserError(`The archive is too large for one S3 object (more than ${MAX_PARTS} parts).`);
    const upload = new this.sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, PartNumber: number, Body: data, ContentLength: data.length });
    const part = this.retrying((sending) => this.client.send(upload, sending)).then(
      (result) => {
        this.completed.push({ PartNumber: number, ETag: result.ETag ?? "" });
        this.options.onStored?.(data.length);
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    const tracked = part.finally(() => {
      this.inFlight.delete(tracked);
      this.spare.push(Buffer.from(data.buffer, data.byteOffset, data.buffer.byteLength - data.byteOffset));
    });
    this.inFlight.add(tracked);
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  private spareOf(size: number): Buffer | undefined {
    for (let buffer = this.spare.pop(); buffer !== undefined; buffer = this.spare.pop()) if (buffer.length === size) return buffer;
    return undefined;
  }

  private takePart(): Buffer {
    const part = (this.part ?? Buffer.alloc(0)).subarray(0, this.pendingBytes);
    this.part = undefined;
    this.pendingBytes = 0;
    return part;
  }
}

/** Hooks for removing what an upload left: a few quick retries, cut short by `signal`. */
type RemovalHooks = Pick<RetryHooks, "clock" | "signal">;

/**
 * Removes an unfinished multipart upload and its stored parts. S3 answers
 * NoSuchUpload when the upload is gone: aborted already, or completed (so the
 * object may exist), which is told by answering false.
 */
export async function abortMultipartUpload(client: S3Client, location: S3Location, uploadId: string, hooks: RemovalHooks = {}): Promise<boolean> {
  const { AbortMultipartUploadCommand } = await S3();
  const abort = new AbortMultipartUploadCommand({ Bucket: location.bucket, Key: location.key, UploadId: uploadId });
  try {
    await withRetries("s3-removal", () => client.send(abort, { abortSignal: hooks.signal }), hooks);
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
  await withRetries("s3-removal", () => client.send(remove, { abortSignal: hooks.signal }), hooks);
}

/** An object's ETag and size, as HeadObject answers now. */
export interface ObjectHead {
  etag: string | undefined;
  size: number;
}

type ReadHooks = Pick<RetryHooks, "onRetry" | "clock" | "signal">;

/** HeadObject: the object's ETag and size; undefined when there is no such object (404). */
export async function headObject(client: S3Client, location: S3Location, hooks: ReadHooks = {}): Promise<ObjectHead | undefined> {
  const { HeadObjectCommand } = await S3();
  try {
    const head = await withRetries("s3-transfer", () => client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }), { abortSignal: hooks.signal }), hooks);
    return { etag: head.ETag, size: head.ContentLength ?? 0 };
  } catch (error) {
    // HeadObject answers without a body, so the SDK knows only the HTTP status.
    if (httpStatus(error) === 404 && awsErrorName(error) !== "NoSuchBucket") return undefined;
    throw explainS3Error(error, `read ${s3Url(location)}`, location.bucket);
  }
}

/**
 * A random-access view of an object, read with ranged GETs that each ask for
 * the ETag its HeadObject answered (`known`, when the caller asked already).
 * Its meter times every GET, for the choice of how to fetch (download-plan.ts).
 */
export async function openObjectRanges(client: S3Client, location: S3Location, hooks: ReadHooks = {}, known?: ObjectHead): Promise<RangeSource & ObjectHead & { meter: GetMeter }> {
  const { GetObjectCommand } = await S3();
  const head = known ?? (await headObject(client, location, hooks));
  if (head === undefined) throw explainS3Error(Object.assign(new Error("NotFound"), { name: "NotFound" }), `read ${s3Url(location)}`, location.bucket);
  const { size, etag } = head;
  const meter = new GetMeter();
  const get = async (start: number, endExclusive: number): Promise<Buffer> => {
    const ended = meter.begin();
    const sent = performance.now();
    try {
      const answer = await client.send(new GetObjectCommand(rangedGet(location, etag, start, endExclusive)), { abortSignal: hooks.signal });
      const waitMs = performance.now() - sent;
      const body = (await answer.Body?.transformToByteArray()) ?? new Uint8Array();
      // A view, not a copy: a central directory of 100,000 members is 9 MB.
      const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      if (bytes.length !== endExclusive - start) {
        throw Object.assign(new Error(`short read of ${s3Url(location)}: ${bytes.length} of ${endExclusive - start} bytes`), { name: "TimeoutError" });
      }
      ended({ bytes: bytes.length, waitMs, totalMs: performance.now() - sent });
      return bytes;
    } finally {
      ended();
    }
  };
  return {
    size,
    etag,
    meter,
    read: async (start, endExclusive) => {
      if (endExclusive <= start) return Buffer.alloc(0);
      try {
        return await withRetries("s3-transfer", () => get(start, endExclusive), hooks);
      } catch (error) {
        throw explainS3Error(error, `read ${s3Url(location)}`, location.bucket);
      }
    },
  };
}

/** A GetObject of bytes [start, endExclusive) under the ETag first seen: the object must not change under us between reads. */
function rangedGet(location: S3Location, etag: string | undefined, start: number, endExclusive: number) {
  return { Bucket: location.bucket, Key: location.key, Range: `bytes=${start}-${endExclusive - 1}`, IfMatch: etag };
}

/**
 * Streaming GETs of an object (the streaming plan of download-plan.ts): each
 * call opens one ranged GET under the ETag first seen and answers its body
 * as it arrives, read at the caller's pace. Retried until the response
 * starts; a failure while the body flows is the caller's to handle (it may
 * open again from where it is: archive/sequential-source.ts).
 */
export function openObjectStream(client: S3Client, location: S3Location, head: ObjectHead, hooks: ReadHooks = {}): OpenStream {
  return async (start, endExclusive) => {
    const { GetObjectCommand } = await S3();
    try {
      return await withRetries(
        "s3-transfer",
        async () => {
          const answer = await client.send(new GetObjectCommand(rangedGet(location, head.etag, start, endExclusive)), { abortSignal: hooks.signal });
          // In Node the body is the response's Readable, an async iterable of chunks.
          return (answer.Body as AsyncIterable<Uint8Array> | undefined) ?? (async function* () {})();
        },
        hooks,
      );
    } catch (error) {
      throw explainS3Error(error, `read ${s3Url(location)}`, location.bucket);
    }
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
