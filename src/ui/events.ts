/**
 * The events a command reports, as data: what `--json` writes, one JSON
 * object a line, and what the human renderer shows as text. The core emits
 * each event once through the Reporter (`emit`); both renderers read the same
 * event. docs/json-events.md documents them, and docs/json-events.schema.json
 * is their machine-readable schema (version EVENTS_VERSION).
 *
 * A new command adds its event types to the union here and to the schema;
 * the writer (src/ui/json-reporter.ts) needs no change.
 */

/** The version of the event schema, in every event as `v`. */
export const EVENTS_VERSION = 1;

/** The stages of a run that take time, in order. */
export type StageName = "upload" | "submit" | "watch" | "download";

/** A job's status, as AWS Batch names it (or UNKNOWN). */
export type JobStatusName = string;

export type RunEvent =
  | { type: "stage-started"; stage: StageName }
  /** `bytes`: what the stage moved to or from S3 (upload and download). */
  | { type: "stage-ended"; stage: StageName; seconds: number; ok: boolean; bytes?: number }
  | { type: "job-submitted"; jobId: string; runId: string; queue: string; definition: string; archive: string }
  | { type: "job-attached"; jobId: string; runId?: string; status: JobStatusName; archive: string }
  | { type: "status"; jobId: string; status: JobStatusName; reason?: string; exitCode?: number }
  /** An attempt of the job that has ended (AWS Batch lists them once over). */
  | { type: "attempt"; jobId: string; attempt: number; exitCode?: number; reason?: string; logStream?: string }
  /** A log line: from CloudWatch Logs (with its time, milliseconds since the epoch) or from a Snakemake log file. */
  | { type: "log"; message: string; timestamp?: number; file?: string }
  | { type: "file-downloaded"; path: string }
  /**
   * How the download fetched the changed files: ranged GETs, or one streaming
   * GET (`switched` when it began with ranged GETs); bytes as fetched, skipped ones included.
   */
  | { type: "download-plan"; plan: "ranged" | "streaming"; rangedGets: number; rangedBytes: number; streamedBytes: number; switched?: boolean }
  | { type: "warning"; message: string }
  | { type: "error"; message: string; hint?: string; note?: string }
  /** One recorded job (`jobs`): its record, and its status as `jobs` words it. */
  | { type: "job"; jobId: string; status: string; record: Record<string, unknown> }
  /** One check of `check-setup`: its verdict, what was found, and the fix for a warning or failure. */
  | { type: "check"; name: string; verdict: "pass" | "warn" | "fail"; detail: string; fix?: string }
  /** The last event; what it holds besides `exitStatus` comes from the events before it. */
  | { type: "result"; exitStatus: number };

/** How an event reads on the wire: its fields, with `v` and `time` (ISO 8601, UTC) first. */
export function wireForm(event: RunEvent, nowMs: number): Record<string, unknown> {
  const { type, ...fields } = event;
  const wire: Record<string, unknown> = { v: EVENTS_VERSION, type, time: new Date(nowMs).toISOString(), ...fields };
  if (event.type === "log" && event.timestamp !== undefined) wire.timestamp = new Date(event.timestamp).toISOString();
  return wire;
}
