// Conformance of the Batch emulator with moto's own Batch: the calls both
// answer (compute environments and queues created, updated and deleted, job
// definitions, submit with a retry strategy and tags, describe, list,
// terminate, tagging) are sent to both, and the answers must agree in keys and
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
import { CreateInstanceProfileCommand, CreateRoleCommand } from "@aws-sdk/client-iam";
import { beforeAll, describe as group, expect, it } from "vitest";
import { configureMotoBatchWithoutDocker } from "../../local-aws/moto.js";
import { localAws } from "../../local-aws/run.js";
import { defaultNetwork } from "../../local-aws/seed.js";
import { clients, settled, until } from "./helpers.js";

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
  /** POST /v1/<operation> with a JSON body, or any method and path (the tagging operations). */
  call(operation: string, body: object, method?: string, path?: string): Promise<Record<string, unknown>>;
  sdk: BatchClient;
}

function target(name: string, endpoint: string): Target {
  const { env } = localAws();
  return {
    name,
    async call(operation, body, method = "POST", path = `/v1/${operation}`) {
      const response = await fetch(`${endpoint}${path}`, {
        method,
        headers: {
          "content-type": "application/json",
          authorization: `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/20260101/${env.AWS_DEFAULT_REGION}/batch/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${name} ${operation}: HTTP ${response.status} ${text}`);
      return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    },
    sdk: new BatchClient({ endpoint, region: env.AWS_DEFAULT_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }),
  };
}

/** IAM and EC2 resources both Batches check: a service role and an instance profile of this test's own, the default VPC. */
async function prerequisites(): Promise<{ serviceRole: string; instanceRole: string; subnets: string[]; securityGroup: string }> {
  const { iam, ec2 } = clients();
  const unique = Date.now().toString(36);
  const role = await iam.send(new CreateRoleCommand({ RoleName: `batch-service-${unique}`, AssumeRolePolicyDocument: "{}" }));
  const profile = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: `ecs-instance-${unique}` }));
  const network = await defaultNetwork(ec2);
  return { serviceRole: role.Role!.Arn!, instanceRole: profile.InstanceProfile!.Arn!, subnets: network.subnets, securityGroup: network.securityGroup };
}

group("Batch emulator conformance with moto's Batch", () => {
  const { endpoint, motoEndpoint } = localAws();
  const ours = target("emulator", endpoint);
  const moto = target("moto", motoEndpoint);
  const suffix = Date.now().toString(36);
  const names = { environment: `conformance-ce-${suffix}`, queue: `conformance-queue-${suffix}`, definition: `conformance-def-${suffix}` };
  const answers: Record<string, { ours: Record<string, unknown>; moto: Record<string, unknown> }> = {};

  /** Sends the same request to both and keeps both answers under `label`. */
  async function both(label: string, operation: string, body: object | ((t: Target) => object), method?: string, path?: (t: Target) => string): Promise<void> {
    const request = (t: Target) => (typeof body === "function" ? body(t) : body);
    const [a, b] = await Promise.all([ours.call(operation, request(ours), method, path?.(ours)), moto.call(operation, request(moto), method, path?.(moto))]);
    answers[label] = { ours: a, moto: b };
  }
  const arnOf = (label: string, key: string) => (t: Target) => answers[label]![t === ours ? "ours" : "moto"][key] as string;
  // Our environments and queues walk CREATING / UPDATING / DELETING first; moto's are there at once.
  const settle = (kind: "environment" | "queue", name: string) => settled(ours.sdk, kind, name);

  beforeAll(async () => {
    await configureMotoBatchWithoutDocker(motoEndpoint);
    const needs = await prerequisites();
    await both("createcomputeenvironment", "createcomputeenvironment", {
      computeEnvironmentName: names.environment,
      type: "MANAGED",
      state: "ENABLED",
      serviceRole: needs.serviceRole,
      computeResources: {
        type: "EC2", minvCpus: 0, maxvCpus: 16, desiredvCpus: 0, instanceTypes: ["m5.4xlarge"],
        subnets: needs.subnets, securityGroupIds: [needs.securityGroup], instanceRole: needs.instanceRole,
      },
      tags: { purpose: "conformance" },
    });
    expect(await settle("environment", names.environment)).toBe("VALID");
    await both("updatecomputeenvironment", "updatecomputeenvironment", { computeEnvironment: names.environment, computeResources: { maxvCpus: 32 } });
    await settle("environment", names.environment);
    await both("createjobqueue", "createjobqueue", {
      jobQueueName: names.queue, state: "ENABLED", priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: names.environment }],
      jobStateTimeLimitActions: [{ reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT", state: "RUNNABLE", maxTimeSeconds: 600, action: "CANCEL" }],
    });
    await settle("queue", names.queue);
    await both("updatejobqueue", "updatejobqueue", { jobQueue: names.queue, priority: 2 });
    await settle("queue", names.queue);
    await both("registerjobdefinition", "registerjobdefinition", {
      jobDefinitionName: names.definition,
      type: "container",
      containerProperties: { image: "nextstrain/base:latest", command: ["true"], resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "512" }] },
      retryStrategy: { attempts: 2, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }] },
      propagateTags: true,
      tags: { purpose: "conformance" },
    });
    await both("describejobdefinitions", "describejobdefinitions", { jobDefinitionName: names.definition, status: "ACTIVE" });
    await both("describejobdefinitions-by-arn", "describejobdefinitions", (t) => ({ jobDefinitions: [arnOf("registerjobdefinition", "jobDefinitionArn")(t)] }));
    await both("describejobqueues", "describejobqueues", { jobQueues: [names.queue] });
    await both("describecomputeenvironments", "describecomputeenvironments", { computeEnvironments: [names.environment] });
    const submit = {
      jobName: "conformance",
      jobQueue: names.queue,
      jobDefinition: names.definition,
      containerOverrides: { command: ["true"], environment: [{ name: "A", value: "b" }], resourceRequirements: [{ type: "VCPU", value: "1" }] },
      timeout: { attemptDurationSeconds: 600 },
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: "1*", action: "EXIT" }] },
      propagateTags: true,
      tags: { purpose: "conformance" },
    };
    await both("submitjob", "submitjob", submit);
    const ids = { ours: answers.submitjob!.ours.jobId as string, moto: answers.submitjob!.moto.jobId as string };
    const ourJob = async () => ((await ours.call("describejobs", { jobs: [ids.ours] })).jobs as { status: string }[])[0]!;
    await until(ourJob, (job) => ["SUCCEEDED", "FAILED"].includes(job.status), "the conformance job");
    await both("describejobs", "describejobs", (t) => ({ jobs: [t === ours ? ids.ours : ids.moto] }));
    await both("listjobs", "listjobs", { jobQueue: names.queue, jobStatus: "SUCCEEDED" });
    await both("terminatejob", "terminatejob", (t) => ({ jobId: t === ours ? ids.ours : ids.moto, reason: "conformance" }));
    const tagsPath = (t: Target) => `/v1/tags/${encodeURIComponent(arnOf("createjobqueue", "jobQueueArn")(t))}`;
    await both("tagresource", "tagresource", { tags: { added: "yes", removed: "soon" } }, "POST", tagsPath);
    await both("untagresource", "untagresource", {}, "DELETE", (t) => `${tagsPath(t)}?tagKeys=removed`);
    await both("listtagsforresource", "listtagsforresource", {}, "GET", tagsPath);
    // Tearing down, in the order Batch demands.
    await both("disablejobqueue", "updatejobqueue", { jobQueue: names.queue, state: "DISABLED" });
    await settle("queue", names.queue);
    await both("deletejobqueue", "deletejobqueue", { jobQueue: names.queue });
    await settle("queue", names.queue);
    await both("disablecomputeenvironment", "updatecomputeenvironment", { computeEnvironment: names.environment, state: "DISABLED" });
    await settle("environment", names.environment);
    await both("deletecomputeenvironment", "deletecomputeenvironment", { computeEnvironment: names.environment });
  }, 60_000);

  it.each([
    "createcomputeenvironment", "updatecomputeenvironment", "createjobqueue", "updatejobqueue", "registerjobdefinition", "describejobdefinitions",
    "describejobdefinitions-by-arn", "describejobqueues", "describecomputeenvironments", "submitjob", "describejobs", "listjobs", "terminatejob",
    "tagresource", "untagresource", "listtagsforresource", "disablejobqueue", "deletejobqueue", "disablecomputeenvironment", "deletecomputeenvironment",
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

  it("agrees with moto on the tags left after tagging and untagging", () => {
    const { ours: a, moto: b } = answers.listtagsforresource!;
    expect(a).toEqual({ tags: { added: "yes" } });
    expect(b).toEqual(a);
  });

  it("answers only keys the AWS SDK's Batch model knows (the SDK drops unknown ones)", async () => {
    const jobId = answers.submitjob!.ours.jobId as string;
    const pairs: [unknown, unknown][] = [
      [(await ours.call("describejobs", { jobs: [jobId] })).jobs, (await ours.sdk.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs],
      [(await ours.call("describejobdefinitions", { jobDefinitionName: names.definition })).jobDefinitions, (await ours.sdk.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: names.definition }))).jobDefinitions],
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
