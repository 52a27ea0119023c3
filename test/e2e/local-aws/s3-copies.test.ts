// Server-side copies through the stack: a multipart upload assembled from a
// copied range and a sent part, listed in the call list as UploadPartCopy and
// UploadPart with the bytes copied and sent; copy conditions that moto
// ignores answered 412 PreconditionFailed by the stack, as S3 does.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { localAws } from "../../local-aws/run.js";
import { BUCKET, clients } from "./helpers.js";

const MiB = 1024 * 1024;

describe("S3 copies", () => {
  it("lists UploadPartCopy apart from UploadPart, with the bytes copied and sent", async () => {
    const accessKeyId = `copies-${randomUUID()}`;
    await localAws().control.recordCalls(accessKeyId);
    const { s3 } = clients({ accessKeyId });
    const source = randomBytes(6 * MiB);
    const sourceKey = `copy-source-${randomUUID()}.zip`;
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: sourceKey, Body: source }));
    const key = `copy-target-${randomUUID()}.zip`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const copied = await s3.send(
      new UploadPartCopyCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, CopySource: `${BUCKET}/${sourceKey}`, CopySourceRange: `bytes=0-${5 * MiB - 1}`, CopySourceIfMatch: ETag }),
    );
    const tail = randomBytes(1000);
    const sent = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 2, Body: tail }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult?.ETag }, { PartNumber: 2, ETag: sent.ETag }] } }),
    );
    const object = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
    expect(object.equals(Buffer.concat([source.subarray(0, 5 * MiB), tail]))).toBe(true);

    const calls = (await localAws().control.calls(accessKeyId)).filter((c) => c.operation?.startsWith("UploadPart"));
    expect(calls).toEqual([
      { service: "s3", operation: "UploadPartCopy", partNumber: 1, bytesSent: 0, bytesCopied: 5 * MiB, outcome: 200 },
      { service: "s3", operation: "UploadPart", partNumber: 2, bytesSent: expect.any(Number), outcome: 200 },
    ]);
    // The part's bytes, plus what the SDK's checksum framing adds around them.
    expect(calls[1]!.bytesSent).toBeGreaterThanOrEqual(1000);
    expect(calls[1]!.bytesSent).toBeLessThan(1200);
  });

  it("answers 412 PreconditionFailed when the source is not what x-amz-copy-source-if-match names", async () => {
    const { s3 } = clients();
    const sourceKey = `copy-source-${randomUUID()}.zip`;
    const { ETag: before } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: sourceKey, Body: randomBytes(1024) }));
    // The previous run's archive changed behind our back.
    const { ETag: after } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: sourceKey, Body: randomBytes(1024) }));
    const key = `copy-target-${randomUUID()}.zip`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    const part = { Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, CopySource: `${BUCKET}/${sourceKey}`, CopySourceRange: "bytes=0-99" };
    await expect(s3.send(new UploadPartCopyCommand({ ...part, CopySourceIfMatch: before }))).rejects.toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    await expect(s3.send(new UploadPartCopyCommand({ ...part, CopySourceIfMatch: after }))).resolves.toBeDefined();
    await expect(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: `${key}-copy`, CopySource: `${BUCKET}/${sourceKey}`, CopySourceIfNoneMatch: after }))).rejects.toMatchObject({
      name: "PreconditionFailed",
    });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }));
  });
});
