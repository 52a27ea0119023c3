/**
 * The results a download could not write, and the one error that lists them
 * at its end (extract.ts): a symlink leading out, a directory that is not
 * writable, a name the file system refuses... Only a full disk (or anything
 * not expected) stops the download at once.
 */
import { UserError } from "../errors.js";
import { writeFailure, type WriteProblem } from "./fs-errors.js";

/** The results that could not be written, with why, for the one error at the end. */
export class NotWritten {
  private readonly lines: string[] = [];
  private readonly hints = new Set<string>();

  add(shown: string, problem: WriteProblem): void {
    this.lines.push(`${shown} (${problem.reason})`);
    this.hints.add(problem.hint);
  }

  throwIfAny(): void {
    if (this.lines.length > 0) throw this.error();
  }

  /** A failure that stops the download, with what was not written before it. */
  after(error: unknown): unknown {
    if (this.lines.length === 0 || !(error instanceof UserError)) return error;
    const listed = this.error();
    return new IncompleteDownload(`${error.message}\n\n${listed.message}`, [error.hint, listed.hint].filter(Boolean).join("\n"));
  }

  private error(): IncompleteDownload {
    const shown = this.lines.slice(0, 10).map((line) => `    ${line}`);
    if (this.lines.length > 10) shown.push(`    ... and ${this.lines.length - 10} more`);
    const count = this.lines.length === 1 ? "One of the job's results was" : `${this.lines.length} of the job's results were`;
    return new IncompleteDownload(`${count} not downloaded:\n${shown.join("\n")}`, [...this.hints].join("\n"));
  }
}

/** Some results were not written (see the message); the others were. Another download can finish the job. */
export class IncompleteDownload extends UserError {}

/** A failure that stops the writing of results: a full disk; anything else is not expected. */
export function stopWriting(error: unknown, directory: string): unknown {
  const failure = writeFailure(error, directory);
  return failure instanceof UserError ? new IncompleteDownload(failure.message, failure.hint) : failure;
}

/** A path in the way: a symlink leading out, a file where a directory goes... */
export function aside(reason: string): WriteProblem {
  return { reason, hint: "Move those symlinks or conflicting paths aside." };
}
