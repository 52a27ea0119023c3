/**
 * The one factory for AWS clients. Region and endpoints come from our resolved
 * settings, not the SDK's own lookup: the JavaScript SDK reads only AWS_REGION
 * and throws without one, where the Nextstrain CLI falls back to
 * AWS_DEFAULT_REGION, the profile and us-east-1 (docs/architecture.md#aws-facts).
 *
 * SDK modules load only when a command first needs a client, so `--help` and
 * `--version` stay fast (P3). Credentials, retries (AWS_MAX_ATTEMPTS,
 * AWS_RETRY_MODE) and profiles stay the SDK's.
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { S3Client } from "@aws-sdk/client-s3";

export interface AwsOptions {
  region: string;
  endpoints: { s3?: string; batch?: string; logs?: string; ec2?: string };
}

export interface AwsClients {
  readonly region: string;
  s3(): Promise<S3Client>;
  batch(): Promise<BatchClient>;
  logs(): Promise<CloudWatchLogsClient>;
  ec2(): Promise<EC2Client>;
}

export function createAwsClients(options: AwsOptions): AwsClients {
  // The SDK warns on every run under Node 20 that its releases from 2027 on
  // need Node 22. That is for whoever upgrades this package's dependencies,
  // not for someone running a build; the README says which Node to prefer.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let made: Promise<T> | undefined;
    return () => (made ??= make());
  };
  return {
    region: options.region,
    s3: once(async () => {
      const { S3Client } = await import("@aws-sdk/client-s3");
      return new S3Client({
        region: options.region,
        endpoint: options.endpoints.s3,
        // Custom endpoints (local stacks, S3-compatible stores) rarely serve
        // virtual-hosted bucket names.
        forcePathStyle: options.endpoints.s3 !== undefined,
        // Buckets in another region answer with a redirect the SDK can follow.
        followRegionRedirects: true,
      });
    }),
    batch: once(async () => {
      const { BatchClient } = await import("@aws-sdk/client-batch");
      return new BatchClient({ region: options.region, endpoint: options.endpoints.batch });
    }),
    logs: once(async () => {
      const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
      return new CloudWatchLogsClient({ region: options.region, endpoint: options.endpoints.logs });
    }),
    ec2: once(async () => {
      const { EC2Client } = await import("@aws-sdk/client-ec2");
      return new EC2Client({ region: options.region, endpoint: options.endpoints.ec2 });
    }),
  };
}
