import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  abortMultipartUpload,
  checkBucket,
  deleteObject,
  FIRST_PART_SIZE,
  MAX_PARTS,
  openObjectRanges,
  parseS3ObjectUrl,
  partSize,
  PARTS_IN_FLIGHT,
  uploadStream,
} from "../../../src/aws/s3.js";
import { UserError } from "../../../src/errors.js";

const s3 = mockClient(S3Client);
const client = new S3Client({ region: "us-east-1" });
const target = { bucket: "nextstrain-jobs", key: "runs/abc.zip" };
const noSleep = { sleep: async () => {}, now: () => 0 };

async function* chunks(total: number, size = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), sent % 251);
}

beforeEach(() => s3.reset());

describe("part sizes", () => {
  it("start at 6 MiB and double every 1,000 parts", () => {
    expect(partSize(1)).toBe(6 * 1024 * 1024);
    expect(partSize(1000)).toBe(FIRST_PART_SIZE);
    expect(partSize(1001)).toBe(2 * FIRST_PART_SIZE);
    expect(partSize(MAX_PARTS)).toBe(512 * FIRST_PART_SIZE);
  });

  it("let 10,000 parts hold more than S3's 5 TiB object limit, with no part over 5 GiB", () => {
    let total = 0;
    for (let part = 1; part <= MAX_PARTS; part++) total += partSize(part);
    expect(total).toBeGreaterThan(5 * 1024 ** 4);
    expect(partSize(MAX_PARTS)).toBeLessThanOrEqual(5 * 1024 ** 3);
  });
});

describe("uploadStream", () => {
  it("sends an archive smaller than a part as one PutObject", async () => {
    s3.on(PutObjectCommand).resolves({});
    const result = await uploadStream(client, target, chunks(3 * 1024 * 1024));
    expect(result).toEqual({ bytes: 3 * 1024 * 1024, parts: 1, copied: 0 });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: "nextstrain-jobs", Key: "runs/abc.zip", ContentLength: 3 * 1024 * 1024 });
  });

  it("streams a larger archive as ordered parts and completes it", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => {
      // Later parts finish first: the completion must still list them in order.
      await new Promise((resolve) => setTimeout(resolve, 10 - input.PartNumber));
      return { ETag: `"e${input.PartNumber}"` };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const total = 2 * FIRST_PART_SIZE + 5;
    let stored = 0;
    const result = await uploadStream(client, target, chunks(total, 3 * 1024 * 1024 + 7), { onStored: (bytes) => (stored += bytes) });
    expect(result).toEqual({ bytes: total, parts: 3, copied: 0 });
    expect(stored).toBe(total);
    const sizes = s3.commandCalls(UploadPartCommand).map((call) => [call.args[0].input.PartNumber, call.args[0].input.ContentLength]);
    expect(sizes).toEqual([
      [1, FIRST_PART_SIZE],
      [2, FIRST_PART_SIZE],
      [3, 5],
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts).toEqual([
      { PartNumber: 1, ETag: '"e1"' },
      { PartNumber: 2, ETag: '"e2"' },
      { PartNumber: 3, ETag: '"e3"' },
    ]);
  });

  it("gathers later parts in the buffers of parts already stored, and sends each part's bytes as they came", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    const seen: { memory: ArrayBufferLike; bytes: Buffer }[] = [];
    s3.on(UploadPartCommand).callsFake(async (input: { Body: Buffer }) => {
      // Copied now: the buffer is used again once this part is stored.
      seen.push({ memory: input.Body.buffer, bytes: Buffer.from(input.Body) });
      return { ETag: `"e${seen.length}"` };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const total = 12 * FIRST_PART_SIZE;
    await uploadStream(client, target, chunks(total, 3 * 1024 * 1024 + 7));
    expect(new Set(seen.map(({ memory }) => memory)).size).toBeLessThanOrEqual(PARTS_IN_FLIGHT + 1);
    const sent = Buffer.concat(seen.map(({ bytes }) => bytes));
    const expected: Buffer[] = [];
    for await (const chunk of chunks(total, 3 * 1024 * 1024 + 7)) expected.push(Buffer.from(chunk));
    expect(sent.equals(Buffer.concat(expected))).toBe(true);
  });

  it("retries a part that failed transiently without resending the others (R1)", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    let failures = 2;
    s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => {
      if (input.PartNumber === 2 && failures-- > 0) throw Object.assign(new Error("We encountered an internal error"), { name: "InternalError", $metadata: { httpStatusCode: 500 } });
      return { ETag: `"e${input.PartNumber}"` };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const retries: number[] = [];
    await uploadStream(client, target, chunks(2 * FIRST_PART_SIZE + 1), { clock: noSleep, onRetry: (_error, attempt) => retries.push(attempt) });
    const partNumbers = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input.PartNumber);
    expect(partNumbers.filter((n) => n === 1)).toHaveLength(1);
    expect(partNumbers.filter((n) => n === 2)).toHaveLength(3);
    expect(retries).toEqual([1, 2]);
  });

  it("aborts the multipart upload when a part fails for good", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3.on(UploadPartCommand).rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }));
    s3.on(AbortMultipartUploadCommand).resolves({});
    await expect(uploadStream(client, target, chunks(FIRST_PART_SIZE * 2), { clock: noSleep })).rejects.toThrow(UserError);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({ Bucket: "nextstrain-jobs", Key: "runs/abc.zip", UploadId: "u1" });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("aborts the multipart upload when interrupted", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u9" });
    s3.on(UploadPartCommand).resolves({ ETag: '"e"' });
    s3.on(AbortMultipartUploadCommand).resolves({});
    const controller = new AbortController();
    async function* interrupted(): AsyncGenerator<Uint8Array> {
      yield* chunks(FIRST_PART_SIZE + 1);
      controller.abort(new Error("interrupted"));
      yield Buffer.alloc(10);
    }
    await expect(uploadStream(client, target, interrupted(), { signal: controller.signal })).rejects.toThrow("interrupted");
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("leaves an interrupted multipart upload to the caller it told of the upload, without waiting on S3", async () => {
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u7" });
    s3.on(UploadPartCommand).resolves({ ETag: '"e"' });
    const controller = new AbortController();
    async function* interrupted(): AsyncGenerator<Uint8Array> {
      yield* chunks(FIRST_PART_SIZE + 1);
      controller.abort(new Error("interrupted"));
      yield Buffer.alloc(10);
    }
    const told: string[] = [];
    await expect(uploadStream(client, target, interrupted(), { signal: controller.signal, onMultipart: (id) => told.push(id) })).rejects.toThrow("interrupted");
    expect(told).toEqual(["u7"]);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });
});

describe("removing what an upload left", () => {
  it("aborts a multipart upload, and answers false when S3 no longer has it (completed, or aborted already)", async () => {
    s3.on(AbortMultipartUploadCommand, { UploadId: "live" }).resolves({});
    s3.on(AbortMultipartUploadCommand, { UploadId: "gone" }).rejects(Object.assign(new Error("gone"), { name: "NoSuchUpload", $metadata: { httpStatusCode: 404 } }));
    expect(await abortMultipartUpload(client, target, "live")).toBe(true);
    expect(await abortMultipartUpload(client, target, "gone")).toBe(false);
  });

  it("deletes an object, retrying a transient failure", async () => {
    s3.on(DeleteObjectCommand).rejectsOnce(Object.assign(new Error("busy"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } })).resolves({});
    await deleteObject(client, target, { clock: noSleep });
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: "nextstrain-jobs", Key: "runs/abc.zip" },
      { Bucket: "nextstrain-jobs", Key: "runs/abc.zip" },
    ]);
  });
});

describe("checkBucket (C41)", () => {
  it("explains a bucket that cannot be read, with the Nextstrain CLI's reasons", async () => {
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error("Not Found"), { name: "NotFound", $metadata: { httpStatusCode: 404 } }));
    const failure = checkBucket(client, "no-such-bucket");
    await expect(failure).rejects.toThrow(UserError);
    await expect(failure).rejects.toThrow(
      'Unable to read from S3 bucket "no-such-bucket". Possible reasons:\n\n1. Your AWS credentials are invalid.\n2. Your AWS credentials are valid but lack permissions to the bucket.\n3. The bucket does not exist (buckets are not automatically created for safety reasons).',
    );
  });

  it("says when there are no credentials at all", async () => {
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }));
    await expect(checkBucket(client, "b")).rejects.toThrow("No AWS credentials were found.");
  });
});

describe("ranged reads", () => {
  it("read exactly the bytes asked for, pinned to the object's ETag", async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 100, ETag: '"tag"' });
    s3.on(GetObjectCommand).callsFake(async (input: { Range: string }) => {
      const [, start, end] = /bytes=(\d+)-(\d+)/.exec(input.Range) as unknown as [string, string, string];
      const bytes = Buffer.alloc(Number(end) - Number(start) + 1, 7);
      return { Body: { transformToByteArray: async () => new Uint8Array(bytes) } };
    });
    const object = await openObjectRanges(client, target);
    expect(object.size).toBe(100);
    expect((await object.read(90, 100)).length).toBe(10);
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({ Range: "bytes=90-99", IfMatch: '"tag"' });
  });
});

describe("S3 object URLs (C72)", () => {
  it.each([
    ["s3://b/k.zip", { bucket: "b", key: "k.zip" }],
    ["s3://b/runs/k.zip", { bucket: "b", key: "runs/k.zip" }],
    ["s3://b/", undefined],
    ["s3:///k", undefined],
    ["https://b/k", undefined],
  ])("%s", (url, expected) => expect(parseS3ObjectUrl(url)).toEqual(expected));
});
