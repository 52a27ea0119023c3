// How a container attempt ended, in Batch's words: what DescribeJobs shows in
// container.exitCode / container.reason / statusReason, and whether the retry
// strategy may try again. Texts are the ones AWS writes
// (https://docs.aws.amazon.com/batch/latest/userguide/troubleshooting.html).
export type StopCause =
  | { kind: "user"; reason: string }
  | { kind: "timeout" }
  | { kind: "out-of-memory" }
  | { kind: "instance-terminated"; instanceId: string }
  | { kind: "cannot-pull"; image: string };

export interface AttemptOutcome {
  succeeded: boolean;
  /** False for a stop by the user and a timeout, which Batch never retries; otherwise the retry strategy decides. */
  retriable: boolean;
  statusReason: string;
  exitCode?: number;
  reason?: string;
}

export const CONTAINER_EXITED = "Essential container in task exited";
export const TIMEOUT_REASON = "Job attempt duration exceeded timeout";
export const OUT_OF_MEMORY_REASON = "OutOfMemoryError: Container killed due to memory usage";

export function cannotPullReason(image: string): string {
  return `CannotPullContainerError: Error response from daemon: pull access denied for ${image}, repository does not exist or may require 'docker login'`;
}

/** `exitCode` is the process status when a process ran (undefined when none started). */
export function attemptOutcome(cause: StopCause | undefined, exitCode: number | undefined): AttemptOutcome {
  switch (cause?.kind) {
    case "user":
      // Stopped jobs are not retried, whatever the retry strategy says.
      return { succeeded: false, retriable: false, statusReason: cause.reason, exitCode };
    case "timeout":
      // Batch does not retry an attempt that timed out.
      return { succeeded: false, retriable: false, statusReason: TIMEOUT_REASON, exitCode };
    case "out-of-memory":
      return { succeeded: false, retriable: true, statusReason: CONTAINER_EXITED, exitCode: 137, reason: OUT_OF_MEMORY_REASON };
    case "instance-terminated":
      // The ECS task's stop reason, copied by Batch; the container died with its host: no exit code, no reason of its own.
      return { succeeded: false, retriable: true, statusReason: `Host EC2 (instance ${cause.instanceId}) terminated.` };
    case "cannot-pull":
      return { succeeded: false, retriable: true, statusReason: "Task failed to start", reason: cannotPullReason(cause.image) };
    case undefined:
      return { succeeded: exitCode === 0, retriable: exitCode !== 0, statusReason: CONTAINER_EXITED, exitCode };
  }
}
