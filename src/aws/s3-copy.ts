/**
 * Parts of a multipart upload copied inside S3 from ranges of an existing
 * object (UploadPartCopy): how a re-run's archive starts with the unchanged
 * members of the previous run's archive without sending them (P6).
 *
 * Every copy carries `x-amz-copy-source-if-match` with the ETag the source had
 * when it was read, so a source that changed meanwhile fails the copy (412
 * PreconditionFailed) rather than putting other bytes into the new archive; a
 * source removed meanwhile fails it too (404). These, and any other refusal
 * that retries did not overcome (access to the source denied...), are a
 * CopyFailed saying why, on which the caller uploads everything instead.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
 * (Each copied part but the last must be 5 MiB to 5 GiB, as sent ones; the
 * caller's plan sees to that.)
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { awsErrorName, describeAwsError, httpStatus } from "./errors.js";
import { withRetries, type RetryHooks } from "./retry.js";
import type { S3Location } from "./s3-location.js";

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

/** A copy that did not go through: the source changed, vanished, or S3 refused it otherwise. Nothing wrong was stored. */
export class CopyFailed extends Error {
  constructor(
    readonly source: S3Location,
    /** "changed", "vanished", or what S3 answered. */
    readonly why: string,
  ) {
    super(`copying from s3://${source.bucket}/${source.key} failed: ${why}`);
    this.name = "CopyFailed";
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
        throw options.signal?.aborted ? error : new CopyFailed(copy.source, why(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, copy.ranges.length) }, worker));
  return completed;
}

/** Why a copy failed: its source changed (412) or vanished (404), or what S3 said. */
function why(error: unknown): string {
  const name = awsErrorName(error);
  if (name === "PreconditionFailed" || httpStatus(error) === 412) return "changed";
  if (name === "NoSuchKey" || name === "NotFound") return "vanished";
  return describeAwsError(error);
}
