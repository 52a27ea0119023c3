/**
 * The message blocks printed while watching a job: the control hints after
 * "Watching job status" (C96) and the block printed on
 * detaching (C97, C98), with the Nextstrain CLI's exact texts; and the
 * re-attach lines that end any failure once a job exists.
 *
 * The detach block names this tool's own commands. It offers both:
 * `nextstrain-ts attach <job-id>`, and the drop-in form
 * `nextstrain-ts build --aws-batch --attach <job-id> <build-root>`, which is
 * the last line. Users and scripts take the last line (`tail -n1`) to re-attach
 * later, possibly on another machine or CI runner; the build form is the
 * Nextstrain CLI's own command under our name, carries the build root the
 * results go to, and needs nothing but the job id and that path.
 */
import type { Reporter } from "../ui/reporter.js";
import { PROGRAM } from "../program.js";
import { shellQuote } from "../ui/shell-quote.js";

/** Seconds within which a second Control-C cancels the job. */
export const CANCEL_CONFIRMATION_SECONDS = 10;

/** A line of a message block: plain text, or a stage line shown in bold. */
export type MessageLine = string | { stage: string };

export function printLines(reporter: Pick<Reporter, "stage" | "line">, lines: readonly MessageLine[]): void {
  for (const line of lines) {
    if (typeof line === "string") reporter.line(line);
    else reporter.stage(line.stage);
  }
}

/** Signals beyond SIGINT that the platform delivers (Windows has neither). */
export interface DetachSignals {
  SIGHUP: boolean;
  SIGTSTP: boolean;
}

export interface HintOptions {
  /** Whether stdin (not stdout) is a terminal. */
  stdinIsTTY: boolean;
  detachOnInterrupt: boolean;
  signals: DetachSignals;
}

/** The hint lines, framed by blank lines as printed. */
export function controlHints({ stdinIsTTY, detachOnInterrupt, signals }: HintOptions): string[] {
  return ["", ...hintText(stdinIsTTY, detachOnInterrupt, signals), ""];
}

function hintText(stdinIsTTY: boolean, detachOnInterrupt: boolean, signals: DetachSignals): string[] {
  const twice = `Press Control-C twice within ${CANCEL_CONFIRMATION_SECONDS} seconds to cancel this job`;
  if (stdinIsTTY) {
    if (detachOnInterrupt) {
      if (signals.SIGTSTP) return ["Press Control-C or Control-Z to detach from this job."];
      if (signals.SIGHUP) return ["Press Control-C or send SIGHUP to detach from this job."];
      return ["Press Control-C to detach from this job."];
    }
    if (signals.SIGTSTP) return [`${twice},`, "      Control-Z to detach from it."];
    // The leading space is the Nextstrain CLI's.
    if (signals.SIGHUP) return [`${twice}.`, " Send SIGHUP to detach from it."];
    return [`${twice}.`];
  }
  const detachers = [...(signals.SIGHUP ? ["SIGHUP"] : []), ...(signals.SIGTSTP ? ["SIGTSTP"] : [])];
  if (detachOnInterrupt) return [`Send ${proseList(["SIGINT", ...detachers])} to detach from this job.`];
  if (detachers.length > 0) return ["Send SIGINT to cancel this job,", `     ${proseList(detachers)} to detach from it.`];
  return ["Send SIGINT to cancel this job."];
}

/** "A", "A or B", "A, B, or C". */
function proseList(items: readonly string[]): string {
  if (items.length <= 2) return items.join(" or ");
  return `${items.slice(0, -1).join(", ")}, or ${items.at(-1)}`;
}

/**
 * The detach block (C97): the re-attach commands with the job id and the build
 * root shell-quoted (C98), `.` when attached without a directory. No option in
 * effect is repeated in them (C119).
 */
export function detachBlock(jobId: string, buildRoot: string | undefined): MessageLine[] {
  return [
    "",
    { stage: "Detaching from job, as requested" },
    "",
    "Run one of the following commands to re-attach to this job later to see output",
    "and download results:",
    "",
    ...reattachCommands(jobId, buildRoot),
  ];
}

/** What a failure once a job exists ends with: the job is not lost, and how to get back to it (the re-attach command last). */
export function jobUnaffected(jobId: string, buildRoot: string | undefined): string[] {
  return [
    `Job ${jobId} is not affected: it goes on (or has ended) in AWS Batch. Run one of the`,
    "following commands to re-attach to it to see output and download results:",
    "",
    ...reattachCommands(jobId, buildRoot),
  ];
}

function reattachCommands(jobId: string, buildRoot: string | undefined): string[] {
  const id = shellQuote(jobId);
  return [`${PROGRAM} attach ${id}`, `${PROGRAM} build --aws-batch --attach ${id} ${shellQuote(buildRoot ?? ".")}`];
}

/**
 * The command that finishes an interrupted download: `attach` to the ended
 * job without its logs, with the same download patterns, into the same build
 * root. Files already written are not fetched again (their CRC-32 matches).
 */
export function finishDownloadCommand(jobId: string, buildRoot: string, spec: true | readonly string[]): string {
  const patterns = spec === true ? [] : spec.map((pattern) => `--download ${shellQuote(pattern)}`);
  return [PROGRAM, "attach", "--no-logs", ...patterns, shellQuote(jobId), shellQuote(buildRoot)].join(" ");
}
