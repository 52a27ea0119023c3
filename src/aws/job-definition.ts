/**
 * Choosing the job definition a job runs under (C63-C66): the
 * pure rules; the Batch calls are the caller's.
 *
 * Batch cannot override a job's image at submission, so a job that needs an
 * image other than the base definition's runs under a derived definition,
 * `<base>_<base revision>_<repository>_<tag>`, registered as a copy of the base
 * with only the name and the image changed. The base revision in the name means
 * a changed base yields a new derived family. When the base already uses the
 * image, it is used as it is and nothing is registered, so users without
 * batch:RegisterJobDefinition can still run.
 */
import type { JobDefinition, RegisterJobDefinitionRequest } from "@aws-sdk/client-batch";
import { InternalError } from "../errors.js";
import { sameImage, splitImageName } from "../config/image-name.js";
import { DerivedDefinitionMismatch, JobDefinitionNotFound, JobDefinitionWithoutImage } from "./resource-errors.js";

/** The highest ACTIVE revision among `definitions` (a DescribeJobDefinitions page), if any. */
export function latestActiveRevision(definitions: readonly JobDefinition[]): JobDefinition | undefined {
  let latest: JobDefinition | undefined;
  for (const definition of definitions) {
    if (definition.status !== undefined && definition.status !== "ACTIVE") continue;
    if (latest === undefined || (definition.revision ?? 0) > (latest.revision ?? 0)) latest = definition;
  }
  return latest;
}

export type DefinitionChoice =
  /** The base definition uses the wanted image: submit under it. */
  | { kind: "base"; name: string }
  /** Look up `name`; register it from the base when it does not exist. */
  | { kind: "derived"; name: string };

/**
 * Which definition to submit under, given the latest revision of the base
 * (undefined when DescribeJobDefinitions found none).
 */
export function chooseDefinition(baseName: string, base: JobDefinition | undefined, image: string): DefinitionChoice {
  if (base === undefined) {
    throw new JobDefinitionNotFound(baseName);
  }
  if (sameImage(definitionImage(base), image)) return { kind: "base", name: baseName };
  if (base.revision === undefined) throw new InternalError(`Job definition «${baseName}» was described without a revision`);
  return { kind: "derived", name: derivedDefinitionName(baseName, base.revision, image) };
}

/**
 * `<base>_<revision>_<repository>_<tag>`, with every character outside
 * `[A-Za-z0-9_-]` replaced by `-` and cut at 128 characters, Batch's limits.
 * An image named by digest contributes its digest (and tag, if any) in place of the tag.
 */
export function derivedDefinitionName(baseName: string, baseRevision: number, image: string): string {
  const { repository, tag, digest } = splitImageName(image);
  const reference = [tag, digest].filter((part) => part !== undefined).join("@");
  return [baseName, String(baseRevision), repository, reference].join("_").replace(/[^A-Za-z0-9_-]/gu, "-").slice(0, 128);
}

/**
 * An existing derived definition must use the wanted image. It may not when two
 * long image names were cut to the same 128 characters, or when someone
 * registered the name by hand.
 */
export function checkDerivedDefinition(derived: JobDefinition, baseName: string, image: string): void {
  const name = derived.jobDefinitionName ?? "";
  const actual = definitionImage(derived);
  if (!sameImage(actual, image)) throw new DerivedDefinitionMismatch(name, baseName, image, actual);
}

/**
 * The keys RegisterJobDefinition accepts. Typed as a record over the SDK's
 * request type, so an SDK release that adds a key fails type checking here
 * until the key is listed.
 */
const REGISTER_KEYS: Record<keyof RegisterJobDefinitionRequest, true> = {
  jobDefinitionName: true,
  type: true,
  parameters: true,
  schedulingPriority: true,
  containerProperties: true,
  nodeProperties: true,
  retryStrategy: true,
  propagateTags: true,
  timeout: true,
  tags: true,
  platformCapabilities: true,
  eksProperties: true,
  ecsProperties: true,
  consumableResourceProperties: true,
};

/**
 * The RegisterJobDefinition input for a derived definition: a deep copy of the
 * base with the name and the image replaced, and the top-level keys that only
 * DescribeJobDefinitions returns (jobDefinitionArn, revision, status,
 * containerOrchestrationType, ...) left out, since RegisterJobDefinition
 * rejects them. Nested keys are copied unchanged.
 */
export function registrationInput(base: JobDefinition, name: string, image: string): RegisterJobDefinitionRequest {
  definitionImage(base); // only container definitions can be derived
  const accepted = Object.entries(structuredClone(base)).filter(
    ([key, value]) => Object.hasOwn(REGISTER_KEYS, key) && value !== undefined,
  );
  const copy: Partial<RegisterJobDefinitionRequest> = Object.fromEntries(accepted);
  return { ...copy, jobDefinitionName: name, containerProperties: { ...copy.containerProperties, image } } as RegisterJobDefinitionRequest;
}

/** The image of a container job definition; others (multi-node, EKS, ECS task properties) cannot be used. */
function definitionImage(definition: JobDefinition): string {
  const image = definition.containerProperties?.image;
  if (image === undefined) throw new JobDefinitionWithoutImage(definition.jobDefinitionName ?? "");
  return image;
}
