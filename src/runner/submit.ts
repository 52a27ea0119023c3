/**
 * Submitting the job: choose (or derive) the job definition for the image,
 * then SubmitJob with the exact request shape the nextstrain/base image
 * expects (C62-C69).
 */
import type { BatchClient, KeyValuePair, SubmitJobCommandInput } from "@aws-sdk/client-batch";
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

/** SubmitJob's input (C68): resourceRequirements always present, VCPU before MEMORY; nothing else set. */
export function submitJobInput(request: SubmitRequest): SubmitJobCommandInput {
  return {
    jobName: request.runId,
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
  };
}
