/**
 * The stages before a job exists (upload, then submission), which may fail or
 * be stopped at any point and then leave nothing in S3: no job will ever read
 * what was uploaded for it, and the env.d archive holds the job's variables,
 * secrets included. So each object the run puts in S3 is noted as it goes,
 * and removed again when the stages fail or the user stops them:
 *
 *  - SIGINT or SIGTERM stops waiting at once: the work in progress is aborted
 *    and what was uploaded is removed, which may take at most
 *    CLEANUP_SECONDS (S3 may be out of reach: that is often why the user
 *    pressed Control-C); a second signal gives up at once. Exit 130 or 143.
 *  - A failure removes what was uploaded, and says so after the error.
 *  - What could not be removed is named, with the AWS CLI commands that
 *    remove it.
 *
 * Surprising: a SubmitJob whose answer is lost (a cut connection, a 5xx)
 * may still have created the job. From the moment it is sent until Batch
 * answers or refuses, nothing is removed; the user is told how to look for
 * the job, and how to remove the archives if there is none.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { submissionRefused } from "../aws/batch.js";
import { s3Url } from "../aws/s3.js";
import { ErrorWithNote, Interrupted } from "../errors.js";
import { PROGRAM } from "../program.js";
import type { Reporter } from "../ui/reporter.js";
import { shellQuote } from "../ui/shell-quote.js";
import type { SignalSource } from "./control.js";
import { removalCommand, removeLeftovers, type Leftover, type Removal } from "./leftovers.js";

export const CLEANUP_SECONDS = 5;

export interface BeforeJobDeps {
  s3: S3Client;
  reporter: Reporter;
  signals: SignalSource;
  /** The job's name (the run id) and queue: how to look for a job whose submission went unanswered. */
  jobName: string;
  queue: string;
}

const AGAIN = "stopped again before S3 confirmed the removal";
const DEADLINE = `S3 did not answer within ${CLEANUP_SECONDS} seconds`;

export class BeforeJob {
  /** What is in S3 for the job, by key: an object, or a multipart upload in progress. */
  private readonly leftovers = new Map<string, Leftover>();
  /** Whether a SubmitJob was sent and neither answered nor refused. */
  private submitting = false;

  constructor(private readonly deps: BeforeJobDeps) {}

  /** Something the run has put in S3 (or is putting there) for the job. */
  holds(leftover: Leftover): void {
    this.leftovers.set(leftover.location.key, leftover);
  }

  /** Sends SubmitJob; until it is answered or refused, a failure may have created the job. */
  async submit<T>(send: () => Promise<T>): Promise<T> {
    this.submitting = true;
    try {
      const answer = await send();
      this.submitting = false;
      return answer;
    } catch (error) {
      if (submissionRefused(error)) this.submitting = false;
      throw error;
    }
  }

  /**
   * Runs one stage (`doing`: "the upload"), stopped by SIGINT or SIGTERM as
   * the header says; what was uploaded is removed if it fails or is stopped.
   */
  async run<T>(doing: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // `stop`: the first signal stops the work; `again`: a later one stops the removal.
    const stop = new AbortController();
    const again = new AbortController();
    let status = 130;
    let cleaning = false;
    const signalled = (code: number) => {
      status = code;
      if (cleaning || stop.signal.aborted) again.abort(AGAIN);
      else stop.abort("interrupted");
    };
    const handlers: [NodeJS.Signals, () => void][] = [
      ["SIGINT", () => signalled(130)],
      ["SIGTERM", () => signalled(143)],
    ];
    for (const [name, handler] of handlers) this.deps.signals.on(name, handler);
    try {
      const working = work(stop.signal);
      // It may fail after the user stopped waiting for it: nothing to report then.
      working.catch(() => undefined);
      return await untilAborted(working, stop.signal);
    } catch (error) {
      cleaning = true;
      if (stop.signal.aborted) throw await this.afterInterrupt(doing, again.signal, () => status);
      throw await this.afterFailure(error, again.signal);
    } finally {
      for (const [name, handler] of handlers) this.deps.signals.off(name, handler);
    }
  }

  /** `status`: the exit status of the latest signal (a second one may come during the removal). */
  private async afterInterrupt(doing: string, again: AbortSignal, status: () => number): Promise<Interrupted> {
    if (this.submitting) return new Interrupted(status(), ["Interrupted while the job was being submitted.", ...this.maybeSubmitted()].join("\n"));
    const leftovers = [...this.leftovers.values()];
    if (leftovers.length > 0) {
      this.deps.reporter.line(`Stopping ${doing}: removing what was uploaded from S3 (at most ${CLEANUP_SECONDS} seconds; press Control-C again to leave it there)…`);
    }
    const { remaining, problem } = await this.remove(leftovers, again);
    if (remaining.length === 0) return new Interrupted(status(), `Interrupted: ${doing} was stopped and nothing was left in S3.`);
    return new Interrupted(
      status(),
      [`Interrupted: ${doing} was stopped, but what was uploaded could not be removed (${problem}),`, "so it may be left in S3, and billed, until removed with:", ...commandBlock(remaining)].join("\n"),
    );
  }

  private async afterFailure(error: unknown, again: AbortSignal): Promise<unknown> {
    if (this.submitting) return new ErrorWithNote(error, this.maybeSubmitted());
    const leftovers = [...this.leftovers.values()];
    if (leftovers.length === 0) return error;
    const { remaining, problem } = await this.remove(leftovers, again);
    if (remaining.length === 0) {
      return new ErrorWithNote(error, [`No job was submitted, so what was uploaded for it was removed from S3: ${leftovers.map((leftover) => s3Url(leftover.location)).join(", ")}.`]);
    }
    return new ErrorWithNote(error, [`No job was submitted, but what was uploaded for it could not be removed from S3 (${problem}). Remove it with:`, ...commandBlock(remaining)]);
  }

  /** A SubmitJob went unanswered: the job may exist, so nothing is removed. */
  private maybeSubmitted(): string[] {
    const { jobName, queue } = this.deps;
    return [
      "AWS Batch may or may not have created the job: its answer never came. What was uploaded for it is kept.",
      `To look for the job (named ${jobName}):`,
      "",
      `  aws batch list-jobs --job-queue ${shellQuote(queue)} --filters name=JOB_NAME,values=${shellQuote(jobName)}`,
      "",
      `and follow it with \`${PROGRAM} attach <its job id> <directory>\`. If there is none, remove what was uploaded with:`,
      ...commandBlock([...this.leftovers.values()]),
    ];
  }

  /** Removes the leftovers, within CLEANUP_SECONDS, or until `again` says to stop. */
  private async remove(leftovers: readonly Leftover[], again: AbortSignal): Promise<Removal> {
    if (leftovers.length === 0) return { remaining: [] };
    const cut = new AbortController();
    const timer = setTimeout(() => cut.abort(DEADLINE), CLEANUP_SECONDS * 1000);
    const stop = () => cut.abort(again.reason);
    if (again.aborted) stop();
    else again.addEventListener("abort", stop, { once: true });
    try {
      // The requests are aborted with `cut`; the race makes sure nothing else is waited for.
      return await untilAborted(removeLeftovers(this.deps.s3, leftovers, cut.signal), cut.signal).catch(() => ({
        remaining: [...leftovers],
        problem: String(cut.signal.reason),
      }));
    } finally {
      clearTimeout(timer);
      again.removeEventListener("abort", stop);
    }
  }
}

/** The commands that remove the leftovers, indented between blank lines, with advice on unfinished uploads. */
function commandBlock(leftovers: readonly Leftover[]): string[] {
  const upload = leftovers.find((leftover) => leftover.kind === "upload");
  const commands = ["", ...leftovers.map((leftover) => `  ${removalCommand(leftover)}`)];
  if (upload === undefined) return commands;
  return [
    ...commands,
    "",
    `To list unfinished uploads: aws s3api list-multipart-uploads --bucket ${shellQuote(upload.location.bucket)} --prefix ${shellQuote(upload.location.key)}`,
    "A lifecycle rule with AbortIncompleteMultipartUpload on the bucket removes them by itself.",
  ];
}

/** The promise, or a rejection with the signal's reason as soon as it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
