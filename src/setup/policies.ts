/**
 * The IAM policy documents `setup` creates (pure): what a job needs on the
 * bucket, and what users need to run builds (Batch, the bucket, the logs).
 * docs/aws-setup.md lists the same actions, with why each is needed.
 */
export type PolicyDocument = { Version: string; Statement: Statement[] };

interface Statement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
}

const document = (...Statement: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/** The bucket: what the job role needs (download, upload, remove env.d), and users too (HeadBucket, upload, ranged download, clean-up). */
export function bucketPolicy(bucket: string): PolicyDocument {
  return document(
    { Sid: "ListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: `arn:aws:s3:::${bucket}` },
    { Sid: "ReadWriteObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], Resource: `arn:aws:s3:::${bucket}/*` },
  );
}

/** What `build` needs of Batch: run and follow jobs, derive a definition for another image (which passes the job role). */
export function batchUserPolicy(jobRoleArn: string): PolicyDocument {
  return document(
    {
      Sid: "RunJobs",
      Effect: "Allow",
      Action: ["batch:DescribeJobDefinitions", "batch:DescribeJobQueues", "batch:DescribeComputeEnvironments", "batch:SubmitJob", "batch:DescribeJobs", "batch:TerminateJob", "batch:RegisterJobDefinition", "batch:TagResource"],
      Resource: "*",
    },
    { Sid: "PassJobRole", Effect: "Allow", Action: ["iam:PassRole"], Resource: jobRoleArn },
  );
}

/** Following a job's log stream. */
export function logsPolicy(region: string, account: string, group: string): PolicyDocument {
  return document({ Sid: "FollowLogs", Effect: "Allow", Action: ["logs:GetLogEvents"], Resource: `arn:aws:logs:${region}:${account}:log-group:${group}:log-stream:*` });
}

/** Documents compared as IAM stores them: key order and single-item lists do not matter. */
export function sameDocument(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return value.length === 1 ? canonical(value[0]) : `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
