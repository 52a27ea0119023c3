/**
 * Job control while a job is watched (C91, C94-C101):
 * Control-C once warns, twice within 10 seconds cancels (TerminateJob with
 * reason "stopped by user") and keeps watching until the job stops, a press
 * after that exits 130; without a terminal one SIGINT cancels. Control-Z
 * (SIGTSTP) and SIGHUP detach; with --detach-on-interrupt, so does SIGINT.
 * SIGTERM is left alone: the process ends and the job keeps running; but
 * while a cancellation is being sent, a SIGTERM waits for TerminateJob's
 * answer (at most TERM_GRACE_MS) before it ends the tool with 143. That is
 * how a cancelled GitHub Actions run stops a step: SIGINT, then SIGTERM
 * 7.5 seconds later, then SIGKILL 2.5 seconds after that
 * (https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/canceling-a-workflow),
 * and the job must be cancelled even when TerminateJob is slow to answer.
 *
 * The handlers never exit the process: they settle an outcome and abort the
 * watch, and the runner returns the exit status (0 for detach, 130 for exit).
 */
import { systemClock, type Clock } from "../aws/retry.js";
import { STOP_REASON } from "../aws/job-state.js";
import type { Reporter } from "../ui/reporter.js";
import { CANCEL_CONFIRMATION_SECONDS } from "./messages.js";

/** The longest a SIGTERM waits for a cancellation to be sent: within the 2.5 s GitHub Actions leaves before SIGKILL. */
export const TERM_GRACE_MS = 2000;

export type Outcome = { kind: "detach" } | { kind: "exit"; status: number };

/** Thrown into the watch when the user detaches or leaves. */
export class Stopped extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.kind === "detach" ? "detached" : `exit ${outcome.status}`);
    this.name = "Stopped";
  }
}

export interface ControlDeps {
  reporter: Reporter;
  stdinIsTTY: boolean;
  terminate: (reason: string) => Promise<void>;
  /** Whether the job has already ended. */
  isComplete: () => boolean;
  /** The clock Control-C presses are timed on; the system's by default. */
  clock?: Clock;
}

export class JobControl {
  private firstPress = 0;
  private stop = false;
  /** TerminateJob, while it is being sent. */
  private terminating: Promise<void> | undefined;
  private readonly controller = new AbortController();

  constructor(private readonly deps: ControlDeps) {}

  /** Aborted (with a Stopped reason) when the user detaches or leaves. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopSent(): boolean {
    return this.stop;
  }

  detach(): void {
    this.finish({ kind: "detach" });
  }

  /**
   * A SIGINT, or --cancel. A signal on a terminal needs a second press within
   * 10 seconds (whole seconds, as the Nextstrain CLI counts); --cancel and
   * signals without a terminal cancel at once. On a job that has ended or is
   * stopping, a signal exits 130 and --cancel does nothing (C102).
   */
  async interrupt(source: "signal" | "cancel"): Promise<void> {
    const { reporter, stdinIsTTY } = this.deps;
    const confirm = source === "signal" && stdinIsTTY;
    reporter.line();
    if (this.deps.isComplete() || this.stop) {
      if (source === "signal") this.finish({ kind: "exit", status: 130 });
      return;
    }
    const now = Math.floor((this.deps.clock ?? systemClock).now() / 1000);
    if (confirm && now - this.firstPress > CANCEL_CONFIRMATION_SECONDS) {
      this.firstPress = now;
      reporter.stage(`Press Control-C again within ${CANCEL_CONFIRMATION_SECONDS} seconds to cancel this job.`);
      return;
    }
    reporter.stage("Canceling job…");
    this.terminating = this.deps.terminate(STOP_REASON);
    try {
      await this.terminating;
    } finally {
      this.terminating = undefined;
    }
    this.stop = true;
    reporter.stage("Waiting for job to stop…");
    const again = confirm ? " one more time" : "";
    reporter.line(stdinIsTTY ? `(Press Control-C${again} if you don't want to wait.)` : `(Send SIGINT${again} if you don't want to wait.)`);
  }

  /** Whether a cancellation is being sent. */
  get cancelling(): boolean {
    return this.terminating !== undefined;
  }

  /** Exits with `status` once the cancellation being sent is answered (or failed), or after `graceMs`. */
  async exitAfterCancelSent(status: number): Promise<void> {
    const graceOver = new AbortController();
    const grace = (this.deps.clock ?? systemClock).sleep(TERM_GRACE_MS, graceOver.signal).catch(() => undefined);
    await Promise.race([this.terminating?.catch(() => undefined), grace]);
    graceOver.abort();
    this.finish({ kind: "exit", status });
  }

  private finish(outcome: Outcome): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Stopped(outcome));
  }
}

/** The part of `process` that signal handling needs; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** SIGHUP and SIGTSTP exist on POSIX systems only. */
export const DETACH_SIGNALS = { SIGHUP: process.platform !== "win32", SIGTSTP: process.platform !== "win32" };

/** Installs the signal handlers (C94, C95); returns the function that removes them. */
export function installSignalHandlers(
  control: JobControl,
  source: SignalSource,
  options: { detachOnInterrupt: boolean; onError: (error: unknown) => void },
): () => void {
  const detach = () => control.detach();
  // A SIGTERM while the cancellation is sent waits for it (see the header); otherwise SIGTERM keeps its default.
  const term = () => void control.exitAfterCancelSent(143);
  const cancel = () => {
    const cancelling = control.interrupt("signal");
    if (control.cancelling) {
      source.on("SIGTERM", term);
      void cancelling.finally(() => source.off("SIGTERM", term)).catch(() => undefined);
    }
    cancelling.catch(options.onError);
  };
  const interrupt = options.detachOnInterrupt ? detach : cancel;
  const handlers: [NodeJS.Signals, () => void][] = [["SIGINT", interrupt]];
  if (DETACH_SIGNALS.SIGTSTP) handlers.push(["SIGTSTP", detach]);
  if (DETACH_SIGNALS.SIGHUP) handlers.push(["SIGHUP", detach]);
  for (const [signal, handler] of handlers) source.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) source.off(signal, handler);
  };
}

/**
 * Runs `work` with SIGINT and SIGTERM stopping it: its signal is aborted with
 * `stopped(130)` or `stopped(143)`, which is then thrown in place of whatever
 * the work fails with, so the tool exits with that status and message. When
 * `also` aborts (the user detached), the work stops too and its reason is
 * thrown, unless one of those signals came as well: the signal wins.
 */
export async function stopOnSignals<T>(
  source: SignalSource,
  stopped: (status: number) => Error,
  work: (signal: AbortSignal) => Promise<T>,
  also?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let bySignal: Error | undefined;
  const stop = (status: number) => () => {
    bySignal ??= stopped(status);
    controller.abort(bySignal);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ["SIGINT", stop(130)],
    ["SIGTERM", stop(143)],
  ];
  const forward = () => controller.abort(also?.reason);
  for (const [name, handler] of handlers) source.on(name, handler);
  also?.addEventListener("abort", forward, { once: true });
  if (also?.aborted) forward();
  try {
    return await work(controller.signal);
  } catch (error) {
    if (bySignal) throw bySignal;
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    for (const [name, handler] of handlers) source.off(name, handler);
    also?.removeEventListener("abort", forward);
  }
}
