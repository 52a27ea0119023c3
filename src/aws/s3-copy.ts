/**
 * Parts of a multipart upload copied inside S3 from ranges of an existing
 * object (UploadPartCopy): how a re-run's archive starts with the unchanged
 * members of the previous run's archive without sending them (P6).
 *
 * Every copy carries `x-amz-copy-source-if-match` with the ETag the source had
 * when it was read, so a source that changed meanwhile fails the copy (412
 * PreconditionFailed) rather than putting other bytes into the new archive; a
 * source removed meanwhile fails it too (404). Both are told apart as
 * CopySourceChanged, on which the caller uploads everything instead.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 * (Each copied part but the last must be 5 MiB to 5 GiB, as sent ones; the
 * caller's plan sees to that.)
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorName, httpStatus } from "./errors.js";
import { withRetries, type RetryHooks } from "./retry.js";
import type { S3Location } from "./s3.js";

/** Ranges of an earlier object that start a new one, copied inside S3. */
export interface CopiedParts {
  source: S3Location;
  /** The ETag the source must still have. */
  etag: string;
  /** [start, end) byte ranges, one part each, in order. */
  ranges: readonly { start: number; end: number }[];
}

export interface CompletedPart {
  PartNumber: number;
  ETag: string;
}

/** The source of a copy is gone or no longer the one that was read: nothing wrong was stored, but the copy cannot go on. */
export class CopySourceChanged extends Error {
  constructor(readonly source: S3Location, readonly gone: boolean) {
    super(`s3://${source.bucket}/${source.key} ${gone ? "is gone" : "changed"} while parts were copied from it`);
    this.name = "CopySourceChanged";
  }
}

/** Where a part goes: the multipart upload and the number of the first copied part. */
export interface CopyTarget {
  location: S3Location;
  uploadId: string;
  firstPart: number;
}

/** Copies the ranges as parts `firstPart`, `firstPart + 1`, …, `concurrency` at a time. */
export async function copyParts(client: S3Client, target: CopyTarget, copy: CopiedParts, options: RetryHooks & { concurrency?: number }): Promise<CompletedPart[]> {
  const { UploadPartCopyCommand } = await import("@aws-sdk/client-s3");
  const completed: CompletedPart[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < copy.ranges.length) {
      const index = next++;
      const range = copy.ranges[index] as { start: number; end: number };
      const command = new UploadPartCopyCommand({
        Bucket: target.location.bucket,
        Key: target.location.key,
        UploadId: target.uploadId,
        PartNumber: target.firstPart + index,
        CopySource: `${copy.source.bucket}/${encodeURIComponent(copy.source.key).replace(/%2F/g, "/")}`,
        CopySourceRange: `bytes=${range.start}-${range.end - 1}`,
        CopySourceIfMatch: copy.etag,
      });
      try {
        const answer = await withRetries("s3-transfer", () => client.send(command, { abortSignal: options.signal }), options);
        completed.push({ PartNumber: target.firstPart + index, ETag: answer.CopyPartResult?.ETag ?? "" });
      } catch (error) {
        next = copy.ranges.length; // the other workers stop too
        throw sourceProblem(error, copy.source) ?? error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, copy.ranges.length) }, worker));
  return completed;
}

/** A failed copy because of its source: 412 (changed) or 404 (gone). */
function sourceProblem(error: unknown, source: S3Location): CopySourceChanged | undefined {
  const name = awsErrorName(error);
  if (name === "PreconditionFailed" || httpStatus(error) === 412) return new CopySourceChanged(source, false);
  if (name === "NoSuchKey" || name === "NotFound") return new CopySourceChanged(source, true);
  return undefined;
}
