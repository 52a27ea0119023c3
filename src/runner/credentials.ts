/**
 * Forwarded session credentials that may expire before the job ends.
 *
 * AWS credentials travel to the job with the other forwarded variables
 * (C16). Session credentials (with AWS_SESSION_TOKEN) expire: after 1 to 12
 * hours for assumed roles and OIDC, 36 for GetSessionToken
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html),
 * and a job still running then cannot upload its results. Their expiry is
 * read from the SDK's credential provider (which knows it from
 * AWS_CREDENTIAL_EXPIRATION, SSO, process or assumed-role credentials) when
 * it resolves the same access key, else from the AWS credentials file
 * (src/config/credentials-file.ts). The warning comes only when the job may
 * outlive them: its timeout (the job definition's attemptDurationSeconds) is
 * longer than what is left of them, or it has none. Without a known expiry,
 * only a timeout within the shortest session (15 minutes) spares the warning.
 */
import type { BatchClient } from "@aws-sdk/client-batch";
import { describeActiveDefinitions } from "../aws/batch.js";
import { latestActiveRevision } from "../aws/job-definition.js";
import { systemClock, type Clock } from "../aws/retry.js";
import { expiryInCredentialsFile } from "../config/credentials-file.js";
import { SETTINGS } from "../config/settings.js";
import { formatDuration } from "../ui/units.js";
import type { JobEnv } from "./environment.js";

/** The shortest session AWS STS issues. */
export const SHORTEST_SESSION_SECONDS = 900;

export type ForwardedCredentials = { kind: "none" } | { kind: "session"; expiry?: { at: Date; from: string } };

export interface ExpiryLookup {
  /** The credentials the SDK resolves, with their expiration when its provider knows it. */
  resolve(): Promise<{ accessKeyId: string; expiration?: Date }>;
  /** The AWS credentials file: its path and text, undefined when there is none. */
  readCredentialsFile(): Promise<{ path: string; text: string } | undefined>;
}

/** What is known of the session credentials passed to the job. Lookup failures only mean "not known". */
export async function forwardedCredentials(env: JobEnv, lookup: ExpiryLookup): Promise<ForwardedCredentials> {
  const keyId = env.get("AWS_ACCESS_KEY_ID");
  if (env.get("AWS_SESSION_TOKEN") === undefined || keyId === undefined) return { kind: "none" };
  const resolved = await lookup.resolve().catch(() => undefined);
  if (resolved?.accessKeyId === keyId && resolved.expiration) return { kind: "session", expiry: { at: resolved.expiration, from: "as the AWS SDK's credential provider says" } };
  const file = await lookup.readCredentialsFile().catch(() => undefined);
  const written = file && expiryInCredentialsFile(file.text, keyId);
  if (written) return { kind: "session", expiry: { at: written.at, from: `as ${written.where} in ${file.path} says` } };
  return { kind: "session" };
}

/** The job definition's timeout, in seconds; undefined when it sets none. */
export async function definitionTimeout(batch: BatchClient, definition: string): Promise<number | undefined> {
  return latestActiveRevision(await describeActiveDefinitions(batch, definition))?.timeout?.attemptDurationSeconds;
}

/** The warning, when the job may outlive the credentials passed to it; pure. */
export function expiryWarning(forwarded: ForwardedCredentials, job: { definition: string; timeoutSeconds?: number }, nowMs: number): string | undefined {
  if (forwarded.kind === "none") return undefined;
  const { expiry } = forwarded;
  const timeout = job.timeoutSeconds;
  const runs =
    timeout === undefined
      ? `job definition ${job.definition} sets no timeout (attemptDurationSeconds), so the job may run longer`
      : `the job may run for up to ${formatDuration(timeout * 1000)} (the attemptDurationSeconds of job definition ${job.definition})`;
  let first: string;
  if (expiry) {
    const leftMs = expiry.at.getTime() - nowMs;
    if (timeout !== undefined && timeout * 1000 <= leftMs) return undefined;
    const when = leftMs > 0 ? `expire at ${expiry.at.toISOString()}, in ${formatDuration(leftMs)}` : `expired at ${expiry.at.toISOString()}`;
    first = `The AWS session credentials passed to the job (AWS_SESSION_TOKEN) ${when} (${expiry.from}),\nbut ${runs}.`;
  } else {
    if (timeout !== undefined && timeout <= SHORTEST_SESSION_SECONDS) return undefined;
    first = `The AWS session credentials passed to the job (AWS_SESSION_TOKEN) expire, and when is not known\n(neither the AWS SDK's credential provider nor the AWS credentials file says), while ${runs}.`;
  }
  const { flag, env, config } = SETTINGS.forwardAwsCredentials;
  return [
    first,
    "A job still running when they expire cannot upload its results. To rely on the job's role instead, give the",
    "job definition a job role that may read and write the bucket, and pass no credentials with",
    `${flag.name} (or ${env[0]}=no, or ${config.key} = no under [${config.section}] in the config file).`,
  ].join("\n");
}

/** Warns, before the job is submitted, when it may outlive the session credentials passed to it. */
export async function warnIfCredentialsExpire(
  forwarded: Promise<ForwardedCredentials> | undefined,
  job: { batch: BatchClient; definition: string },
  deps: { reporter: { warn(text: string): void }; clock?: Clock },
): Promise<void> {
  const known = await forwarded;
  if (known === undefined || known.kind === "none") return;
  const timeoutSeconds = await definitionTimeout(job.batch, job.definition).catch(() => undefined);
  const warning = expiryWarning(known, { definition: job.definition, timeoutSeconds }, (deps.clock ?? systemClock).now());
  if (warning) deps.reporter.warn(warning);
}
