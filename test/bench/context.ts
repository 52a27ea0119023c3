// What every benchmark section gets: the running stack, the bundled drivers,
// the environments for our drivers and for the baselines, and S3 clean-up.
import { DeleteObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { LocalAws } from "../local-aws/stack.js";
import type { Driver } from "./bundle.js";

export const BUCKET = "nextstrain-jobs";

export interface BenchContext {
  stack: LocalAws;
  drivers: Record<Driver, string>;
  /** Environment of our drivers: the stack's credentials and region. */
  env: NodeJS.ProcessEnv;
  /** The same, with the host tools' bin directory first so `aws` is not a slow shim. */
  baselineEnv: NodeJS.ProcessEnv;
  runs: number;
  s3: S3Client;
  scratch: string;
}

export async function deleteObject(context: BenchContext, key: string): Promise<void> {
  await context.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
}
