/**
 * What a run puts in S3 for a job (the build archive, the env.d archive with
 * the job's variables, a multipart upload still in progress), how to remove
 * it, and the AWS CLI commands that do so when the tool cannot.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { describeAwsError } from "../aws/errors.js";
import { abortMultipartUpload, deleteObject, s3Url, type S3Location } from "../aws/s3.js";
import { shellQuote } from "../ui/shell-quote.js";

export type Leftover = { kind: "object"; location: S3Location } | { kind: "upload"; location: S3Location; uploadId: string };

/** The AWS CLI command that removes a leftover. */
export function removalCommand(leftover: Leftover): string {
  const { bucket, key } = leftover.location;
  return leftover.kind === "object"
    ? `aws s3 rm ${shellQuote(s3Url(leftover.location))}`
    : `aws s3api abort-multipart-upload --bucket ${shellQuote(bucket)} --key ${shellQuote(key)} --upload-id ${shellQuote(leftover.uploadId)}`;
}

export interface Removal {
  /** What may still be in S3. */
  remaining: Leftover[];
  /** Why, when something remains: the first failure, or the reason `signal` was aborted with. */
  problem?: string;
}

/** Removes the leftovers, all at once; `signal` cuts it short (a deadline, or the user). */
export async function removeLeftovers(s3: S3Client, leftovers: readonly Leftover[], signal: AbortSignal): Promise<Removal> {
  const failures = await Promise.all(
    leftovers.map((leftover) =>
      removeOne(s3, leftover, signal).then(
        () => undefined,
        (error: unknown) => ({ leftover, error }),
      ),
    ),
  );
  const failed = failures.filter((failure) => failure !== undefined);
  const [first] = failed;
  if (first === undefined) return { remaining: [] };
  const problem = signal.aborted ? String(signal.reason) : describeAwsError(first.error);
  return { remaining: failed.map((failure) => failure.leftover), problem };
}

async function removeOne(s3: S3Client, leftover: Leftover, signal: AbortSignal): Promise<void> {
  if (leftover.kind === "object") return deleteObject(s3, leftover.location, { signal });
  // No such upload: it was completed just before (or aborted already), so the object may exist.
  if (!(await abortMultipartUpload(s3, leftover.location, leftover.uploadId, { signal }))) await deleteObject(s3, leftover.location, { signal });
}
