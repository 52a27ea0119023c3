// Batch's rules for names, tags, retry strategies and evaluateOnExit matching, as the emulator applies them.
import { describe, expect, it } from "vitest";
import { BatchApiError } from "../../local-aws/batch/errors.js";
import { nameProblem, tagsProblem } from "../../local-aws/batch/names.js";
import { exitAction, globMatches, parseRetryStrategy, retries, type EvaluateOnExit } from "../../local-aws/batch/retry.js";

describe("names", () => {
  it.each([
    ["jobName", "build-2026_01", true],
    ["jobName", "A", true],
    ["jobName", "x".repeat(128), true],
    ["jobName", "x".repeat(129), false],
    ["jobName", "-starts-with-hyphen", false],
    ["jobName", "_starts-with-underscore", false],
    ["jobName", "has space", false],
    ["jobName", "dots.not.allowed", false],
    ["jobName", "", false],
    ["jobName", 42, false],
    ["computeEnvironmentName", "-a_hyphen-first-is-fine", true],
    ["jobQueueName", "_underscore_first", true],
    ["jobQueueName", "queue/with/slash", false],
    ["jobDefinitionName", "x".repeat(129), false],
  ] as const)("%s %j valid: %s", (kind, value, valid) => {
    expect(nameProblem(kind, value) === undefined).toBe(valid);
  });

  it("quotes the bad name and states the rule", () => {
    expect(nameProblem("jobName", "bad name")).toBe('jobName "bad name" must be 1 to 128 letters, numbers, hyphens or underscores, the first a letter or number');
  });
});

describe("tags", () => {
  it.each([
    [undefined, undefined],
    [{ team: "nextstrain", empty: "" }, undefined],
    [["a"], "tags must be a map of keys to values"],
    [{ "aws:created": "x" }, 'tag key "aws:created" uses the reserved prefix aws:'],
    [{ ["k".repeat(129)]: "v" }, `tag key "${"k".repeat(129)}" must be 1 to 128 characters`],
    [{ k: "v".repeat(257) }, 'tag value of "k" must be a string of at most 256 characters'],
    [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])), "at most 50 tags per resource, not 51"],
  ])("%j: %s", (tags, problem) => expect(tagsProblem(tags)).toBe(problem));
});

describe("retry strategies", () => {
  it("takes 1 to 10 attempts and up to five rules with Batch's pattern characters", () => {
    expect(parseRetryStrategy(undefined)).toBeUndefined();
    expect(parseRetryStrategy({ attempts: 3 })).toEqual({ attempts: 3 });
    const rules = [{ onStatusReason: "Host EC2*", action: "retry" }, { onExitCode: "13*", onReason: "Out: of memory.", action: "EXIT" }];
    expect(parseRetryStrategy({ attempts: 2, evaluateOnExit: rules })).toEqual({ attempts: 2, evaluateOnExit: rules });
  });

  it.each([
    [{ attempts: 0 }, /attempts must be between 1 and 10/],
    [{ attempts: 11 }, /attempts must be between 1 and 10/],
    [{ attempts: 1.5 }, /attempts must be between 1 and 10/],
    [{ evaluateOnExit: [{ action: "EXIT" }] }, /attempts is required/],
    [{ attempts: 2, evaluateOnExit: Array.from({ length: 6 }, () => ({ action: "EXIT" })) }, /at most 5 rules/],
    [{ attempts: 2, evaluateOnExit: [{ action: "IGNORE" }] }, /action must be RETRY or EXIT/],
    [{ attempts: 2, evaluateOnExit: [{ action: "RETRY", onStatusReason: "Host EC2 (instance*" }] }, /onStatusReason .* letters, numbers, periods, colons and white space/],
    [{ attempts: 2, evaluateOnExit: [{ action: "RETRY", onExitCode: "1*3" }] }, /onExitCode .* numbers/],
    [{ attempts: 2, evaluateOnExit: [{ action: "RETRY", onReason: "x".repeat(513) }] }, /at most 512/],
  ])("refuses %j", (strategy, message) => {
    expect(() => parseRetryStrategy(strategy)).toThrow(BatchApiError);
    expect(() => parseRetryStrategy(strategy)).toThrow(message);
  });

  it.each([
    ["Host EC2*", "Host EC2 (instance i-0123456789abcdef0) terminated.", true],
    ["Host EC2*", "host ec2 (instance i-1) terminated.", false],
    ["Essential container in task exited", "Essential container in task exited", true],
    ["Essential container", "Essential container in task exited", false],
    ["*", undefined, true],
    ["1*", undefined, false],
    ["", undefined, true],
  ])("glob %j matches %j: %s", (pattern, value, expected) => expect(globMatches(pattern, value)).toBe(expected));

  const spotOnly: EvaluateOnExit[] = [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }];
  const reclaimed = { statusReason: "Host EC2 (instance i-1) terminated." };
  const workflowFailed = { statusReason: "Essential container in task exited", exitCode: 1 };
  it.each([
    ["the first matching rule decides: a reclaim is retried", spotOnly, reclaimed, "RETRY"],
    ["a catch-all EXIT after it stops a workflow's own failure", spotOnly, workflowFailed, "EXIT"],
    ["no rule matches: retried", [{ onExitCode: "137", action: "EXIT" }], workflowFailed, "RETRY"],
    ["all of a rule's patterns must match", [{ onExitCode: "1", onStatusReason: "Host EC2*", action: "EXIT" }], workflowFailed, "RETRY"],
    ["an exit code pattern never matches an attempt without one", [{ onExitCode: "*1", action: "EXIT" }], reclaimed, "RETRY"],
    ["actions in any case", [{ onExitCode: "1", action: "exit" }], workflowFailed, "EXIT"],
    ["no rules at all: retried", undefined, workflowFailed, "RETRY"],
  ] as const)("%s", (_, rules, end, expected) => expect(exitAction(rules as EvaluateOnExit[] | undefined, end)).toBe(expected));

  it("never retries past the attempts, nor what is not retriable (a stop or a timeout)", () => {
    const strategy = { attempts: 2, evaluateOnExit: spotOnly };
    expect(retries(strategy, 1, true, reclaimed)).toBe(true);
    expect(retries(strategy, 2, true, reclaimed)).toBe(false);
    expect(retries(strategy, 1, false, reclaimed)).toBe(false);
    expect(retries(undefined, 1, true, reclaimed)).toBe(false);
  });
});
