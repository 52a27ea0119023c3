// How long the emulator takes over what AWS does in its own time: each job
// state, stopping a container, a second of a job's timeout or of a queue's
// time limit, log ingestion, and the status walks of compute environments and
// job queues (CREATING, UPDATING, DELETING). Tests shrink them; the control
// API changes them at run time.
export interface Delays {
  submittedMs: number;
  pendingMs: number;
  runnableMs: number;
  startingMs: number;
  /** Between SIGTERM and SIGKILL when a running job is stopped (ECS waits 30 s). */
  killGraceMs: number;
  /** How long one second of `timeout.attemptDurationSeconds` lasts. */
  secondMs: number;
  /** Lines reach CloudWatch Logs this long after they were written. */
  logLagMs: number;
  /** CREATING, UPDATING or DELETING of a compute environment, before it settles. */
  computeEnvironmentMs: number;
  /** CREATING, UPDATING or DELETING of a job queue, before it settles. */
  jobQueueMs: number;
  /** How long one second of a queue's `jobStateTimeLimitActions[].maxTimeSeconds` lasts. */
  timeLimitSecondMs: number;
}

export const REALISTIC_DELAYS: Delays = {
  submittedMs: 1000, pendingMs: 1000, runnableMs: 2000, startingMs: 2000, killGraceMs: 30_000, secondMs: 1000, logLagMs: 0,
  computeEnvironmentMs: 5000, jobQueueMs: 2000, timeLimitSecondMs: 1000,
};
