// Uploads that start with parts copied inside S3 from an earlier object (P6):
// the copies carry the source's ETag as a condition, number the first parts,
// and a source that changed (412), vanished (404) or was refused is told apart.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CopyFailed } from "../../../src/aws/s3-copy.js";
import { headObject, uploadStream } from "../../../src/aws/s3.js";

const s3 = mockClient(S3Client);
const client = new S3Client({ region: "us-east-1" });
const target = { bucket: "nextstrain-jobs", key: "runs/new.zip" };
const source = { bucket: "nextstrain-jobs", key: "runs/old.zip" };
const MiB = 1024 * 1024;
const noSleep = { sleep: async () => {}, now: () => 0 };

async function* bytes(size: number): AsyncGenerator<Uint8Array> {
  yield Buffer.alloc(size, 7);
}

function failure(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status } });
}

beforeEach(() => {
  s3.reset();
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
  s3.on(UploadPartCommand).resolves({ ETag: '"sent"' });
  s3.on(CompleteMultipartUploadCommand).resolves({});
});

describe("uploadStream with parts copied first", () => {
  it("copies each range as a part under the source's ETag, then sends the stream as the parts after them", async () => {
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({ CopyPartResult: { ETag: `"copy-${input.PartNumber}"` } }));
    const copyFirst = { source, etag: '"old"', ranges: [{ start: 0, end: 6 * MiB }, { start: 7 * MiB, end: 13 * MiB }] };
    const result = await uploadStream(client, target, bytes(1000), { copyFirst, clock: noSleep });
    expect(result).toEqual({ bytes: 1000, parts: 3, copied: 12 * MiB });

    const copies = s3.commandCalls(UploadPartCopyCommand).map((call) => call.args[0].input);
    expect(copies).toEqual([
      expect.objectContaining({ UploadId: "u1", PartNumber: 1, CopySource: "nextstrain-jobs/runs/old.zip", CopySourceRange: `bytes=0-${6 * MiB - 1}`, CopySourceIfMatch: '"old"' }),
      expect.objectContaining({ PartNumber: 2, CopySourceRange: `bytes=${7 * MiB}-${13 * MiB - 1}`, CopySourceIfMatch: '"old"' }),
    ]);
    expect(s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input.PartNumber)).toEqual([3]);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(complete?.MultipartUpload?.Parts).toEqual([
      { PartNumber: 1, ETag: '"copy-1"' },
      { PartNumber: 2, ETag: '"copy-2"' },
      { PartNumber: 3, ETag: '"sent"' },
    ]);
  });

  it.each([
    ["changed (412 PreconditionFailed)", failure("PreconditionFailed", 412), "changed"],
    ["vanished (404 NoSuchKey)", failure("NoSuchKey", 404), "vanished"],
    ["may not be read (403 AccessDenied)", failure("AccessDenied", 403), expect.not.stringMatching(/^(changed|vanished)$/)],
  ])("fails with CopyFailed when the source %s, and aborts the upload", async (_, error, why) => {
    s3.on(UploadPartCopyCommand).rejects(error);
    s3.on(AbortMultipartUploadCommand).resolves({});
    const copyFirst = { source, etag: '"old"', ranges: [{ start: 0, end: 6 * MiB }] };
    const upload = uploadStream(client, target, bytes(1000), { copyFirst, clock: noSleep });
    await expect(upload).rejects.toBeInstanceOf(CopyFailed);
    await expect(upload).rejects.toMatchObject({ why, source });
    expect(s3.commandCalls(UploadPartCopyCommand)).toHaveLength(1);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});

describe("headObject", () => {
  it("gives the ETag and size, and undefined for an object that is not there", async () => {
    s3.on(HeadObjectCommand, { Key: "runs/old.zip" }).resolves({ ETag: '"old"', ContentLength: 42 });
    s3.on(HeadObjectCommand, { Key: "runs/gone.zip" }).rejects(failure("NotFound", 404));
    expect(await headObject(client, source)).toEqual({ etag: '"old"', size: 42 });
    expect(await headObject(client, { ...source, key: "runs/gone.zip" })).toBeUndefined();
  });
});
