/**
 * Submitting the job: choose (or derive) the job definition for the image,
 * then SubmitJob with the exact request shape the nextstrain/base image
 * expects (C62-C69), plus what this tool adds: a readable job name, tags
 * (propagated, so the instances and tasks carry them: that is how a bill is
 * split by build), a timeout, and a retry strategy that retries only
 * infrastructure losses.
 *
 * AWS Batch retries a job whose attempt failed as long as `attempts` allow,
 * unless an `evaluateOnExit` rule says EXIT; the first rule that matches
 * decides, and a job matching none is retried
 * (https://docs.aws.amazon.com/batch/latest/APIReference/API_EvaluateOnExit.html).
 * So: RETRY on a status reason starting "Host EC2" (the instance went away:
 * a Spot reclaim, a scale-in), then EXIT on anything else.
 */
import { basename } from "node:path";
import type { BatchClient, EvaluateOnExit, KeyValuePair, SubmitJobCommandInput } from "@aws-sdk/client-batch";
import { PROGRAM } from "../program.js";
import { describeActiveDefinitions, registerDefinition } from "../aws/batch.js";
import { checkDerivedDefinition, chooseDefinition, latestActiveRevision, registrationInput } from "../aws/job-definition.js";

export const ENTRYPOINT = "/sbin/entrypoint-aws-batch";

/** The definition to submit under: the base when it runs the image, else one derived from it (registered once). */
export async function definitionFor(batch: BatchClient, baseName: string, image: string): Promise<string> {
  const base = latestActiveRevision(await describeActiveDefinitions(batch, baseName));
  const choice = chooseDefinition(baseName, base, image);
  if (choice.kind === "base" || base === undefined) return choice.name;
  const derived = latestActiveRevision(await describeActiveDefinitions(batch, choice.name));
  if (derived) checkDerivedDefinition(derived, baseName, image);
  else await registerDefinition(batch, registrationInput(base, choice.name, image));
  return choice.name;
}

export interface SubmitRequest {
  runId: string;
  /** The job's name in Batch (`--name`, made valid by batchJobName), else the run id. */
  jobName?: string;
  /** The job's tags: ours (defaultTags) and the user's. */
  tags: Record<string, string>;
  timeoutSeconds?: number;
  /** Retries after an infrastructure loss (`--retry`); 0: none. */
  retries: number;
  queue: string;
  definition: string;
  environment: KeyValuePair[];
  vcpus?: number;
  memoryMiB?: number;
  /** The job's working directory, /nextstrain/build[/<sub-directory>]. */
  remoteWorkdir: string;
  /** The program and its arguments. */
  argv: readonly string[];
}

/** Retry only what the infrastructure lost, never the workflow's own failure. */
export const INFRASTRUCTURE_RETRY: EvaluateOnExit[] = [
  { onStatusReason: "Host EC2*", action: "RETRY" },
  { onReason: "*", action: "EXIT" },
];

/**
 * SubmitJob's input (C68): resourceRequirements always present, VCPU before
 * MEMORY; tags always (propagated), a timeout and a retry strategy when asked for.
 */
export function submitJobInput(request: SubmitRequest): SubmitJobCommandInput {
  return {
    jobName: request.jobName ?? request.runId,
    jobQueue: request.queue,
    jobDefinition: request.definition,
    containerOverrides: {
      environment: request.environment,
      resourceRequirements: [
        ...(request.vcpus ? [{ type: "VCPU" as const, value: String(request.vcpus) }] : []),
        ...(request.memoryMiB ? [{ type: "MEMORY" as const, value: String(request.memoryMiB) }] : []),
      ],
      command: [ENTRYPOINT, "env", "--chdir", request.remoteWorkdir, "--", ...request.argv],
    },
    tags: request.tags,
    propagateTags: true,
    ...(request.timeoutSeconds !== undefined && { timeout: { attemptDurationSeconds: request.timeoutSeconds } }),
    ...(request.retries > 0 && { retryStrategy: { attempts: request.retries + 1, evaluateOnExit: INFRASTRUCTURE_RETRY } }),
  };
}

/** The most characters Batch takes in a job name. */
export const JOB_NAME_MAX = 128;

/**
 * A job name Batch takes: letters, digits, hyphens and underscores, starting
 * with a letter or digit, at most 128 characters
 * (https://docs.aws.amazon.com/batch/latest/APIReference/API_SubmitJob.html);
 * anything else becomes a hyphen. Undefined when nothing usable is left.
 */
export function batchJobName(name: string): string | undefined {
  const cleaned = name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, JOB_NAME_MAX);
  return cleaned === "" ? undefined : cleaned;
}

/** Tags every job carries: the tool, its version, the build directory's name and the run id. */
export function defaultTags(version: string, buildRoot: string, runId: string): Record<string, string> {
  return {
    [`${PROGRAM}:tool`]: PROGRAM,
    [`${PROGRAM}:version`]: version,
    [`${PROGRAM}:build`]: batchTagValue(basename(buildRoot)),
    [`${PROGRAM}:run-id`]: runId,
  };
}

/** A tag value Batch takes: letters, digits, spaces and _.:/=+-@, at most 256 characters. */
function batchTagValue(text: string): string {
  return text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, "_").slice(0, 256);
}
