// How the stack reads and answers traffic: request identification, fault
// rules and call lists, copy conditions, moto's gaps, log batching.
import { describe, expect, it } from "vitest";
import { batches, LineSplitter, LogShipper, type LogEvent } from "../../local-aws/batch/log-shipper.js";
import { faultResponse, Faults, preconditionFailed } from "../../local-aws/faults.js";
import { instanceProfileTagsAnswer, notImplemented } from "../../local-aws/moto-gaps.js";
import { identify, isQueryProtocol, s3Operation } from "../../local-aws/requests.js";
import { copySourcePath, failedCondition, rangeLength } from "../../local-aws/s3-copy.js";

describe("s3Operation", () => {
  it.each([
    ["GET", "/", "ListBuckets"],
    ["HEAD", "/bucket", "HeadBucket"],
    ["GET", "/bucket?list-type=2", "ListObjectsV2"],
    ["PUT", "/bucket/a/b.zip", "PutObject"],
    ["POST", "/bucket/a.zip?uploads", "CreateMultipartUpload"],
    ["PUT", "/bucket/a.zip?partNumber=1&uploadId=x", "UploadPart"],
    ["POST", "/bucket/a.zip?uploadId=x", "CompleteMultipartUpload"],
    ["DELETE", "/bucket/a.zip?uploadId=x", "AbortMultipartUpload"],
    ["GET", "/bucket/a.zip?uploadId=x", "ListParts"],
    ["GET", "/bucket/a.zip", "GetObject"],
    ["HEAD", "/bucket/a.zip", "HeadObject"],
    ["DELETE", "/bucket/a.zip", "DeleteObject"],
    ["PUT", "/bucket?tagging", "PutBucketTagging"],
    ["GET", "/bucket?lifecycle", "GetBucketLifecycleConfiguration"],
    ["DELETE", "/bucket?lifecycle", "DeleteBucketLifecycle"],
    ["PUT", "/bucket?publicAccessBlock", "PutPublicAccessBlock"],
  ])("%s %s is %s", (method, path, expected) => expect(s3Operation(method, new URL(path, "http://x"))).toBe(expected));

  it("names a part or object copied from another object (x-amz-copy-source) as a copy", () => {
    const copy = { "x-amz-copy-source": "bucket/previous.zip" };
    expect(s3Operation("PUT", new URL("http://x/bucket/a.zip?partNumber=1&uploadId=u"), copy)).toBe("UploadPartCopy");
    expect(s3Operation("PUT", new URL("http://x/bucket/a.zip"), copy)).toBe("CopyObject");
  });
});

describe("identify", () => {
  const auth = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=KEY-1/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` });
  it.each([
    ["batch", "POST", "/v1/describejobs", {}, { service: "batch", operation: "describejobs", accessKeyId: "KEY-1" }],
    ["logs", "POST", "/", { "x-amz-target": "Logs_20140328.GetLogEvents" }, { service: "logs", operation: "GetLogEvents", accessKeyId: "KEY-1" }],
    ["s3", "GET", "/b/k", {}, { service: "s3", operation: "GetObject", accessKeyId: "KEY-1" }],
  ])("%s", (service, method, path, headers, expected) => expect(identify(method, { ...auth(service), ...headers }, new URL(path, "http://x"))).toEqual(expected));

  it("reads the query protocols' Action from the form body, and Batch's tagging operations from the method", () => {
    const form = { ...auth("iam"), "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
    expect(identify("POST", form, new URL("http://x/"), "Action=CreateRole&Version=2010-05-08").operation).toBe("CreateRole");
    expect(identify("POST", { ...auth("ec2") }, new URL("http://x/"), "Action=DescribeSubnets").operation).toBe("DescribeSubnets");
    const tags = new URL("http://x/v1/tags/arn%3Aaws%3Abatch%3Aus-east-1%3A123456789012%3Ajob-queue%2Fq");
    expect([identify("GET", auth("batch"), tags).operation, identify("POST", auth("batch"), tags).operation, identify("DELETE", auth("batch"), tags).operation]).toEqual([
      "listtagsforresource",
      "tagresource",
      "untagresource",
    ]);
  });

  it("reads the form body of query-protocol calls only: not an S3 object that happens to be form-typed", () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    expect(isQueryProtocol("POST", { ...auth("iam"), ...form }, new URL("http://x/"))).toBe(true);
    expect(isQueryProtocol("POST", { ...auth("s3"), ...form }, new URL("http://x/b/k?uploads"))).toBe(false);
    expect(isQueryProtocol("GET", { ...auth("ec2"), ...form }, new URL("http://x/"))).toBe(false);
    expect(isQueryProtocol("POST", { ...auth("logs"), "content-type": "application/x-amz-json-1.1" }, new URL("http://x/"))).toBe(false);
  });

  it("reads presigned URLs too, and leaves unsigned requests without a service", () => {
    expect(identify("GET", {}, new URL("http://x/b/k?X-Amz-Credential=K%2F20260101%2Fus-east-1%2Fs3%2Faws4_request")).service).toBe("s3");
    expect(identify("GET", {}, new URL("http://x/b/k")).service).toBeUndefined();
  });
});

describe("Faults", () => {
  const call = { service: "batch", operation: "describejobs", accessKeyId: "a" };
  it("fails an evenly spread share of matching calls", () => {
    const faults = new Faults();
    faults.add({ kind: "throttle", service: "batch", operation: "DescribeJobs", fraction: 1 / 3 });
    expect(Array.from({ length: 6 }, () => (faults.check(call) ? "x" : "."))).toEqual([".", ".", "x", ".", ".", "x"]);
    expect(faults.check({ ...call, operation: "submitjob" })).toBeUndefined();
  });
  it("lets the first calls through, and lapses after its window", () => {
    let now = 0;
    const faults = new Faults(() => now);
    faults.add({ kind: "reset", after: 2, forMs: 100 });
    expect([faults.check(call), faults.check(call), faults.check(call)].map((f) => f?.kind)).toEqual([undefined, undefined, "reset"]);
    now = 100;
    expect(faults.check(call)).toBeUndefined();
  });
  it("answers late when asked to delay", () => {
    const faults = new Faults();
    faults.add({ kind: "delay", delayMs: 250 });
    expect(faults.check(call)).toEqual({ kind: "delay", ms: 250 });
  });
  it("loses all traffic of the key for the blackout, then none", () => {
    let now = 1000;
    const faults = new Faults(() => now);
    faults.add({ kind: "blackout", service: "s3", operation: "UploadPart", durationMs: 500, accessKeyId: "a" });
    expect(faults.check(call)).toBeUndefined();
    expect(faults.check({ service: "s3", operation: "UploadPart", accessKeyId: "a" })).toEqual({ kind: "blackout", untilMs: 1500 });
    expect(faults.check(call)).toEqual({ kind: "blackout", untilMs: 1500 });
    expect(faults.check({ ...call, accessKeyId: "b" })).toBeUndefined();
    now = 1500;
    expect(faults.check({ service: "s3", operation: "UploadPart", accessKeyId: "a" })).toBeUndefined();
  });
  it("lists the calls of recorded keys with their part numbers and bytes sent or copied", () => {
    const faults = new Faults();
    faults.record("a");
    faults.note({ service: "s3", operation: "UploadPart", accessKeyId: "a" }, new URL("http://x/b/k?partNumber=3&uploadId=u"), 200, { sent: 5_242_880 });
    faults.note({ service: "s3", operation: "UploadPartCopy", accessKeyId: "a" }, new URL("http://x/b/k?partNumber=1&uploadId=u"), 200, { sent: 0, copied: 8_000_000 });
    faults.note({ service: "s3", operation: "UploadPart", accessKeyId: "b" }, new URL("http://x/b/k?partNumber=3&uploadId=u"), 200);
    expect(faults.calls("a")).toEqual([
      { service: "s3", operation: "UploadPart", partNumber: 3, bytesSent: 5_242_880, outcome: 200 },
      { service: "s3", operation: "UploadPartCopy", partNumber: 1, bytesSent: 0, bytesCopied: 8_000_000, outcome: 200 },
    ]);
    expect(faults.calls("b")).toEqual([]);
  });
  it("answers precondition-failed with S3's 412, and only for S3", () => {
    const faults = new Faults();
    expect(() => faults.add({ kind: "precondition-failed", service: "batch" })).toThrow(/give service s3/);
    faults.add({ kind: "precondition-failed", service: "s3", operation: "UploadPartCopy" });
    const action = faults.check({ service: "s3", operation: "UploadPartCopy" });
    expect(action?.kind === "respond" && action.response.status).toBe(412);
  });
  it("stops after count failures and keeps to its access key", () => {
    const faults = new Faults();
    faults.add({ kind: "server-error", count: 2, accessKeyId: "a" });
    expect(faults.check({ ...call, accessKeyId: "b" })).toBeUndefined();
    expect([faults.check(call), faults.check(call), faults.check(call)].map((f) => (f?.kind === "respond" ? f.response.status : f))).toEqual([500, 500, undefined]);
  });
  it.each([
    ["batch", "throttle", 429, "TooManyRequestsException"],
    ["batch", "server-error", 500, "ServerException"],
    ["logs", "throttle", 400, "ThrottlingException"],
    ["s3", "throttle", 503, "SlowDown"],
    ["s3", "server-error", 500, "InternalError"],
    ["iam", "throttle", 400, "<Code>Throttling</Code>"],
    ["iam", "access-denied", 403, "<Code>AccessDenied</Code>"],
    ["sts", "expired-token", 403, "<Code>ExpiredToken</Code>"],
    ["ec2", "throttle", 503, "<Errors><Error><Code>RequestLimitExceeded</Code>"],
    ["ec2", "access-denied", 403, "<Code>UnauthorizedOperation</Code>"],
  ] as const)("%s %s answers %i %s", (service, kind, status, code) => {
    const response = faultResponse(kind, service);
    expect(response.status).toBe(status);
    expect(response.body).toContain(code);
  });
});

describe("copies from another object", () => {
  it("finds the source and the bytes a range takes", () => {
    expect(copySourcePath("bucket/runs/a%20b.zip")).toBe("/bucket/runs/a%20b.zip");
    expect(copySourcePath("/bucket/a.zip?versionId=v1")).toBe("/bucket/a.zip?versionId=v1");
    expect(rangeLength("bytes=0-5242879")).toBe(5_242_880);
    expect(rangeLength(undefined)).toBeUndefined();
  });

  it.each([
    [{ "x-amz-copy-source-if-match": '"abc"' }, undefined],
    [{ "x-amz-copy-source-if-match": "abc" }, undefined],
    [{ "x-amz-copy-source-if-match": '"old", "abc"' }, undefined],
    [{ "x-amz-copy-source-if-match": "*" }, undefined],
    [{ "x-amz-copy-source-if-match": '"old"' }, "x-amz-copy-source-If-Match"],
    [{ "x-amz-copy-source-if-none-match": '"abc"' }, "x-amz-copy-source-If-None-Match"],
    [{ "x-amz-copy-source-if-none-match": '"old"' }, undefined],
    [{}, undefined],
  ])("%j against ETag \"abc\": fails %s", (headers, condition) => expect(failedCondition(headers, '"abc"')).toBe(condition));

  it("answers a failed condition as S3 does", () => {
    const answer = preconditionFailed("x-amz-copy-source-If-Match");
    expect(answer.status).toBe(412);
    expect(answer.body).toContain("<Code>PreconditionFailed</Code>");
    expect(answer.body).toContain("<Condition>x-amz-copy-source-If-Match</Condition>");
  });
});

describe("moto's gaps", () => {
  it("lists an instance profile's own tags from GetInstanceProfile, not its role's", () => {
    const get =
      "<GetInstanceProfileResponse><GetInstanceProfileResult><InstanceProfile><InstanceProfileName>p</InstanceProfileName>" +
      "<Roles><member><RoleName>r</RoleName><Tags><member><Key>role</Key><Value>tag</Value></member></Tags></member></Roles>" +
      "<Tags><member><Key>created-by</Key><Value>nextstrain-ts</Value></member></Tags></InstanceProfile></GetInstanceProfileResult></GetInstanceProfileResponse>";
    const answer = instanceProfileTagsAnswer(get, "req-1");
    expect(answer).toContain("<Tags><member><Key>created-by</Key><Value>nextstrain-ts</Value></member></Tags>");
    expect(answer).not.toContain("role");
    expect(answer).toContain("<RequestId>req-1</RequestId>");
  });

  it("says an operation moto lacks is not implemented, in the protocol's shape", () => {
    expect(notImplemented("iam", "SimulatePrincipalPolicy")).toMatchObject({ status: 501, body: expect.stringContaining("<Code>NotImplemented</Code>") });
    expect(notImplemented("ec2", "X").body).toContain("<Errors><Error><Code>NotImplemented</Code>");
  });
});

describe("log shipping", () => {
  it("splits chunks into lines and keeps the unfinished tail", () => {
    const splitter = new LineSplitter();
    expect(splitter.push("a\nb")).toEqual(["a"]);
    expect(splitter.push("c\r\nd\n")).toEqual(["bc", "d"]);
    expect(splitter.push("tail")).toEqual([]);
    expect(splitter.end()).toEqual(["tail"]);
  });
  it("cuts batches at 10,000 events and at 1 MiB", () => {
    const many = Array.from({ length: 10_001 }, (_, i) => ({ timestamp: i, message: "x" }));
    expect(batches(many).map((b) => b.length)).toEqual([10_000, 1]);
    const big = Array.from({ length: 3 }, (_, i) => ({ timestamp: i, message: "y".repeat(400_000) }));
    expect(batches(big).map((b) => b.length)).toEqual([2, 1]);
  });
  it("holds lines back for the lag, drops blank ones, and sends everything on close", async () => {
    const sent: LogEvent[][] = [];
    let now = 1000;
    const shipper = new LogShipper({ createStream: async () => {}, put: async (_g, _s, events) => void sent.push(events) }, "g", "s", { flushMs: 60_000, lagMs: 500, now: () => now });
    shipper.line("first");
    shipper.line("");
    now = 1400;
    shipper.line("second");
    now = 1600;
    await shipper.flush(false);
    expect(sent).toEqual([[{ timestamp: 1000, message: "first" }]]);
    await shipper.close();
    expect(sent.at(-1)).toEqual([{ timestamp: 1400, message: "second" }]);
  });
  it("retries a batch the sink refused", async () => {
    const sent: string[] = [];
    let fail = true;
    const shipper = new LogShipper({ createStream: async () => {}, put: async (_g, _s, events) => {
      if (fail) throw new Error("throttled");
      sent.push(...events.map((e) => e.message));
    } }, "g", "s", { flushMs: 60_000, lagMs: 0 });
    shipper.line("kept");
    await shipper.flush(true);
    fail = false;
    await shipper.close();
    expect(sent).toEqual(["kept"]);
  });
});
