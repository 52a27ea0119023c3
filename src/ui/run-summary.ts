/**
 * What the final `result` event says of a run, folded from the events before
 * it: the job, its last status and exit code, how many attempts ended, each
 * stage's duration, and the bytes sent to and read from S3. Pure, so the JSON
 * renderer only keeps one and writes it at the end.
 */
import type { RunEvent, StageName } from "./events.js";

export interface RunSummary {
  jobId?: string;
  status?: string;
  exitCode?: number;
  attempts: number;
  /** Seconds each stage took. */
  stages: Partial<Record<StageName, number>>;
  bytesUp: number;
  bytesDown: number;
}

export function emptySummary(): RunSummary {
  return { attempts: 0, stages: {}, bytesUp: 0, bytesDown: 0 };
}

/** The summary after one more event. */
export function summarise(summary: RunSummary, event: RunEvent): RunSummary {
  switch (event.type) {
    case "job-submitted":
      return { ...summary, jobId: event.jobId, status: "SUBMITTED" };
    case "job-attached":
      return { ...summary, jobId: event.jobId, status: event.status };
    case "status":
      return { ...summary, jobId: event.jobId, status: event.status, exitCode: event.exitCode ?? summary.exitCode };
    case "attempt":
      return { ...summary, attempts: Math.max(summary.attempts, event.attempt) };
    case "stage-ended": {
      const stages = { ...summary.stages, [event.stage]: (summary.stages[event.stage] ?? 0) + event.seconds };
      const bytes = event.bytes ?? 0;
      if (event.stage === "upload") return { ...summary, stages, bytesUp: summary.bytesUp + bytes };
      if (event.stage === "download") return { ...summary, stages, bytesDown: summary.bytesDown + bytes };
      return { ...summary, stages };
    }
    default:
      return summary;
  }
}
