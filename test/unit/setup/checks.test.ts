/** The verdicts of check-setup on what it reads: pass, warn or fail, with the fix for each failure. */
import { describe, expect, it } from "vitest";
import { largestJob } from "../../../src/aws/capacity.js";
import { definitionRequest, definitionVerdict, environmentVerdict, formatChecks, principalForSimulation, queueVerdict } from "../../../src/setup/checks.js";

const environment = (more: object = {}) => ({ computeEnvironmentName: "ce", state: "ENABLED", status: "VALID", computeResources: { type: "EC2", maxvCpus: 64, instanceTypes: ["m5.large"], minvCpus: 0, subnets: [] }, ...more }) as never;

describe("queueVerdict", () => {
  it.each([
    { queue: undefined, verdict: "fail", detail: "does not exist", fix: "nextstrain-ts setup --aws-batch (or name another queue with --aws-batch-queue)" },
    { queue: { state: "DISABLED", status: "VALID" }, verdict: "fail", detail: "is DISABLED: jobs submitted to it are refused", fix: "aws batch update-job-queue --job-queue q --state ENABLED (or nextstrain-ts setup --aws-batch --update)" },
    { queue: { state: "ENABLED", status: "INVALID", statusReason: "CE gone" }, verdict: "fail", detail: "is INVALID: CE gone" },
    { queue: { state: "ENABLED", status: "VALID", priority: 1 }, verdict: "pass", detail: "ENABLED and VALID, priority 1" },
  ])("$verdict: $detail", ({ queue, verdict, detail, fix }) => {
    const check = queueVerdict("q", queue as never);
    expect(check).toMatchObject({ name: "job queue q", verdict, detail });
    if (fix) expect(check.fix).toBe(fix);
  });
});

describe("environmentVerdict", () => {
  const m5large = largestJob([{ vcpus: 2, memoryMiB: 8192 }]);
  it.each([
    { env: environment({ state: "DISABLED" }), largest: m5large, request: {}, verdict: "fail", detail: "is DISABLED" },
    { env: environment({ status: "INVALID", statusReason: "CLIENT_ERROR - x" }), largest: m5large, request: {}, verdict: "fail", detail: "is INVALID: CLIENT_ERROR - x" },
    { env: environment({ computeResources: { maxvCpus: 0, instanceTypes: ["m5.large"] } }), largest: m5large, request: {}, verdict: "fail", detail: "has max vCPUs 0: no job can ever run" },
    { env: environment(), largest: m5large, request: { vcpus: 2, memoryMiB: 8160 }, verdict: "pass", detail: "ENABLED and VALID, up to 64 vCPUs; the largest job it can place is 2 vCPUs and 8160 MiB" },
    { env: environment(), largest: m5large, request: { vcpus: 2, memoryMiB: 8192 }, verdict: "fail", detail: /less than the job definition asks \(2 vCPUs, 8192 MiB\)/ },
    { env: environment({ computeResources: { maxvCpus: 64, instanceTypes: ["optimal"] } }), largest: undefined, request: { vcpus: 4 }, verdict: "pass", detail: /depends on the types Batch picks/ },
  ])("$verdict: $detail", ({ env, largest, request, verdict, detail }) => {
    const check = environmentVerdict(env, largest, request);
    expect(check.verdict).toBe(verdict);
    if (typeof detail === "string") expect(check.detail).toBe(detail);
    else expect(check.detail).toMatch(detail);
  });
});

describe("the job definition", () => {
  it.each([
    { definition: undefined, verdict: "fail" },
    { definition: { revision: 3, containerProperties: { image: "nextstrain/base" } }, verdict: "warn" },
    { definition: { revision: 3, containerProperties: { image: "nextstrain/base", jobRoleArn: "arn:r" } }, verdict: "pass" },
  ])("$verdict", ({ definition, verdict }) => expect(definitionVerdict("d", definition as never).verdict).toBe(verdict));

  it("reads the request from resource requirements, else from the older fields", () => {
    expect(definitionRequest({ containerProperties: { resourceRequirements: [{ type: "VCPU", value: "4" }, { type: "MEMORY", value: "7500" }] } } as never)).toEqual({ vcpus: 4, memoryMiB: 7500 });
    expect(definitionRequest({ containerProperties: { vcpus: 2, memory: 2048 } } as never)).toEqual({ vcpus: 2, memoryMiB: 2048 });
  });
});

describe("principalForSimulation", () => {
  it.each([
    ["arn:aws:sts::123456789012:assumed-role/Admin/me@example.org", "arn:aws:iam::123456789012:role/Admin"],
    ["arn:aws:iam::123456789012:user/ci", "arn:aws:iam::123456789012:user/ci"],
    ["arn:aws:iam::123456789012:root", undefined],
  ])("%s", (caller, principal) => expect(principalForSimulation(caller)).toBe(principal));
});

it("prints one aligned line per check, and the fix under each that did not pass", () => {
  expect(formatChecks([{ name: "a", verdict: "pass", detail: "fine" }, { name: "longer", verdict: "fail", detail: "broken", fix: "do this" }])).toEqual([
    "  pass  a       fine",
    "  fail  longer  broken",
    "                fix: do this",
  ]);
});
