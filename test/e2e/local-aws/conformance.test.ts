// Conformance of the Batch emulator with moto's own Batch: the calls both
// answer (job definitions, queues, compute environments, submit, describe,
// list, terminate) are sent to both, and the answers must agree in keys and
// JSON types. Keys moto omits but AWS documents are allowed on our side only
// when the AWS SDK's model knows them (the SDK drops keys its model lacks).
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  ListJobsCommand,
} from "@aws-sdk/client-batch";
import { beforeAll, describe as group, expect, it } from "vitest";
import { configureMotoBatchWithoutDocker } from "../../local-aws/moto.js";
import { localAws } from "../../local-aws/run.js";

type Shape = string | { [key: string]: Shape } | Shape[];

/**
 * Keys and JSON types of a value; arrays merge the shapes of their items.
 * Null members count as absent: moto writes null for unset members, AWS
 * leaves them out, and the SDK reads both the same way.
 */
export function shape(value: unknown): Shape {
  if (Array.isArray(value)) {
    const merged = value.map(shape).reduce<Shape | undefined>((a, b) => (a === undefined ? b : mergeShapes(a, b)), undefined);
    return merged === undefined ? [] : [merged];
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, shape(v)]));
  }
  return typeof value;
}

function mergeShapes(a: Shape, b: Shape): Shape {
  if (typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const result: Record<string, Shape> = { ...a };
    for (const [k, v] of Object.entries(b)) result[k] = k in result ? mergeShapes(result[k]!, v) : v;
    return result;
  }
  return a;
}

/** Paths (`jobs[].container.exitCode`) present in `a` but missing from `b` or of another type there. */
export function differences(a: Shape, b: Shape, at = ""): string[] {
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return [`${at} (array vs ${JSON.stringify(b)})`];
    return a.length && b.length ? differences(a[0]!, b[0]!, `${at}[]`) : [];
  }
  if (typeof a === "object") {
    if (typeof b !== "object" || Array.isArray(b)) return [`${at} (object vs ${JSON.stringify(b)})`];
    return Object.entries(a).flatMap(([k, v]) => (k in b ? differences(v, b[k]!, at ? `${at}.${k}` : k) : [at ? `${at}.${k}` : k]));
  }
  return a === b ? [] : [`${at} (${a} vs ${String(b)})`];
}

// Where moto is known to differ from AWS, with the reason; anything else must agree.
const MOTO_ONLY: Record<string, string[]> = {
  // moto reports the legacy vcpus/memory fields even for definitions that use
  // resourceRequirements; AWS (and the emulator) report resourceRequirements.
  describejobs: ["jobs[].container.vcpus", "jobs[].container.memory"],
};

interface Target {
  name: string;
  call(operation: string, body: object): Promise<Record<string, unknown>>;
  sdk: BatchClient;
}

function target(name: string, endpoint: string): Target {
  const { env } = localAws();
  return {
    name,
    async call(operation, body) {
      const response = await fetch(`${endpoint}/v1/${operation}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/20260101/${env.AWS_DEFAULT_REGION}/batch/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${name} ${operation}: HTTP ${response.status} ${text}`);
      return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    },
    sdk: new BatchClient({ endpoint, region: env.AWS_DEFAULT_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }),
  };
}

/** IAM and EC2 resources moto's Batch insists on, made through their query APIs. */
async function motoPrerequisites(motoEndpoint: string): Promise<{ serviceRole: string; instanceRole: string; subnet: string; securityGroup: string }> {
  const { env } = localAws();
  const query = async (service: string, params: Record<string, string>, pattern: RegExp): Promise<string> => {
    const response = await fetch(motoEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/20260101/${env.AWS_DEFAULT_REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams(params).toString(),
    });
    const text = await response.text();
    const match = pattern.exec(text);
    if (!response.ok || !match?.[1]) throw new Error(`${service} ${params.Action}: HTTP ${response.status} ${text}`);
    return match[1];
  };
  const unique = Date.now().toString(36);
  const iam = { Version: "2010-05-08" };
  const ec2 = { Version: "2016-11-15" };
  const serviceRole = await query("iam", { ...iam, Action: "CreateRole", RoleName: `batch-service-${unique}`, AssumeRolePolicyDocument: "{}" }, /<Arn>(.*?)<\/Arn>/);
  const instanceRole = await query("iam", { ...iam, Action: "CreateInstanceProfile", InstanceProfileName: `ecs-instance-${unique}` }, /<Arn>(.*?)<\/Arn>/);
  const vpc = await query("ec2", { ...ec2, Action: "CreateVpc", CidrBlock: "10.0.0.0/16" }, /<vpcId>(.*?)<\/vpcId>/);
  const subnet = await query("ec2", { ...ec2, Action: "CreateSubnet", VpcId: vpc, CidrBlock: "10.0.0.0/24" }, /<subnetId>(.*?)<\/subnetId>/);
  const securityGroup = await query("ec2", { ...ec2, Action: "CreateSecurityGroup", GroupName: `batch-${unique}`, GroupDescription: "batch", VpcId: vpc }, /<groupId>(.*?)<\/groupId>/);
  return { serviceRole, instanceRole, subnet, securityGroup };
}

group("Batch emulator conformance with moto's Batch", () => {
  const { endpoint, motoEndpoint } = localAws();
  const ours = target("emulator", endpoint);
  const moto = target("moto", motoEndpoint);
  const suffix = Date.now().toString(36);
  const names = { environment: `conformance-ce-${suffix}`, queue: `conformance-queue-${suffix}`, definition: `conformance-def-${suffix}` };
  const answers: Record<string, { ours: Record<string, unknown>; moto: Record<string, unknown> }> = {};

  /** Sends the same request to both and keeps both answers under `label`. */
  async function both(label: string, operation: string, body: object | ((t: Target) => object)): Promise<void> {
    const request = (t: Target) => (typeof body === "function" ? body(t) : body);
    const [a, b] = await Promise.all([ours.call(operation, request(ours)), moto.call(operation, request(moto))]);
    answers[label] = { ours: a, moto: b };
  }

  beforeAll(async () => {
    await configureMotoBatchWithoutDocker(motoEndpoint);
    const prerequisites = await motoPrerequisites(motoEndpoint);
    await both("createcomputeenvironment", "createcomputeenvironment", {
      computeEnvironmentName: names.environment,
      type: "MANAGED",
      state: "ENABLED",
      serviceRole: prerequisites.serviceRole,
      computeResources: {
        type: "EC2", minvCpus: 0, maxvCpus: 16, desiredvCpus: 0, instanceTypes: ["m5.4xlarge"],
        subnets: [prerequisites.subnet], securityGroupIds: [prerequisites.securityGroup], instanceRole: prerequisites.instanceRole,
      },
    });
    await both("createjobqueue", "createjobqueue", { jobQueueName: names.queue, state: "ENABLED", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: names.environment }] });
    await both("registerjobdefinition", "registerjobdefinition", {
      jobDefinitionName: names.definition,
      type: "container",
      containerProperties: { image: "nextstrain/base:latest", command: ["true"], resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "512" }] },
    });
    await both("describejobdefinitions", "describejobdefinitions", { jobDefinitionName: names.definition, status: "ACTIVE" });
    await both("describejobdefinitions-by-arn", "describejobdefinitions", (t) => ({
      jobDefinitions: [(answers.registerjobdefinition![t === ours ? "ours" : "moto"] as { jobDefinitionArn: string }).jobDefinitionArn],
    }));
    await both("describejobqueues", "describejobqueues", { jobQueues: [names.queue] });
    await both("describecomputeenvironments", "describecomputeenvironments", { computeEnvironments: [names.environment] });
    const submit = {
      jobName: "conformance",
      jobQueue: names.queue,
      jobDefinition: names.definition,
      containerOverrides: { command: ["true"], environment: [{ name: "A", value: "b" }], resourceRequirements: [{ type: "VCPU", value: "1" }] },
      timeout: { attemptDurationSeconds: 600 },
      retryStrategy: { attempts: 1 },
      tags: { purpose: "conformance" },
    };
    await both("submitjob", "submitjob", submit);
    const ids = { ours: answers.submitjob!.ours.jobId as string, moto: answers.submitjob!.moto.jobId as string };
    const ourJob = async () => ((await ours.call("describejobs", { jobs: [ids.ours] })).jobs as { status: string }[])[0]!;
    for (let i = 0; i < 400 && !["SUCCEEDED", "FAILED"].includes((await ourJob()).status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await both("describejobs", "describejobs", (t) => ({ jobs: [t === ours ? ids.ours : ids.moto] }));
    await both("listjobs", "listjobs", { jobQueue: names.queue, jobStatus: "SUCCEEDED" });
    await both("terminatejob", "terminatejob", (t) => ({ jobId: t === ours ? ids.ours : ids.moto, reason: "conformance" }));
  }, 60_000);

  it.each([
    "createcomputeenvironment", "createjobqueue", "registerjobdefinition", "describejobdefinitions", "describejobdefinitions-by-arn",
    "describejobqueues", "describecomputeenvironments", "submitjob", "describejobs", "listjobs", "terminatejob",
  ])("%s: every key moto answers, the emulator answers with the same type", (label) => {
    const { ours: a, moto: b } = answers[label]!;
    const allowed = MOTO_ONLY[label] ?? [];
    const found = differences(shape(b), shape(a));
    expect(found.filter((path) => !allowed.includes(path))).toEqual([]);
    // A known difference that no longer shows up is taken off the list.
    for (const path of allowed) expect(found).toContain(path);
    // Neither answer is an empty list by accident (that would compare nothing).
    if (label.startsWith("describe") || label === "listjobs") {
      for (const answer of [a, b]) expect(JSON.stringify(answer)).not.toMatch(/^\{"[a-zA-Z]+": ?\[\]\}$/);
    }
  });

  it("answers only keys the AWS SDK's Batch model knows (the SDK drops unknown ones)", async () => {
    const jobId = answers.submitjob!.ours.jobId as string;
    const pairs: [unknown, unknown][] = [
      [(await ours.call("describejobs", { jobs: [jobId] })).jobs, (await ours.sdk.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs],
      [(await ours.call("describejobdefinitions", { jobDefinitionName: "nextstrain-job" })).jobDefinitions, (await ours.sdk.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: "nextstrain-job" }))).jobDefinitions],
      [(await ours.call("describejobqueues", {})).jobQueues, (await ours.sdk.send(new DescribeJobQueuesCommand({}))).jobQueues],
      [(await ours.call("describecomputeenvironments", {})).computeEnvironments, (await ours.sdk.send(new DescribeComputeEnvironmentsCommand({}))).computeEnvironments],
      [(await ours.call("listjobs", { jobQueue: "nextstrain-job-queue", jobStatus: "SUCCEEDED" })).jobSummaryList, (await ours.sdk.send(new ListJobsCommand({ jobQueue: "nextstrain-job-queue", jobStatus: "SUCCEEDED" }))).jobSummaryList],
    ];
    for (const [raw, parsed] of pairs) {
      expect(differences(shape(raw), shape(JSON.parse(JSON.stringify(parsed))))).toEqual([]);
    }
  });

  it("compares shapes in a way that can fail", () => {
    expect(differences(shape({ a: 1, b: [{ c: "x" }], d: null }), shape({ a: "1", b: [{}] }))).toEqual(["a (number vs string)", "b[].c"]);
  });
});
