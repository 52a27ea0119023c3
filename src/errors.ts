/**
 * The one error hierarchy of the tool.
 *
 * Expected failures are typed: a UserError is something the user can fix (bad
 * input, missing AWS resources, ...) and carries a hint saying how; a UsageError
 * is a command-line mistake (exit status 2). Anything else that escapes is
 * unexpected and is told as "probably a bug" with how to report it
 * (describeFailure). Errors are rendered exactly once, in src/main.ts; the
 * core only throws.
 */
import { PACKAGE, PROGRAM } from "./program.js";

export abstract class ExpectedError extends Error {
  abstract readonly exitCode: number;
}

/** A failure the user can fix; exit status 1. */
export class UserError extends ExpectedError {
  readonly exitCode: number = 1;
  constructor(
    message: string,
    /** What to do about it, printed after a blank line. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** The kinds of AWS resource a setting can name. */
export type ResourceKind = "job queue" | "job definition" | "S3 bucket" | "image" | "region";

/** A resource an error is about, by the name the tool used for it. */
export interface NamedResource {
  kind: ResourceKind;
  name: string;
}

/**
 * A failure about AWS resources the tool was told to use (a queue that does
 * not exist, a bucket it cannot read). The AWS layer names the resources; the
 * layer that chose those names adds which setting did and where that setting
 * came from (src/config/explain.ts).
 */
export class ResourceError extends UserError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly resources: readonly NamedResource[],
  ) {
    super(message, hint);
    this.name = "ResourceError";
  }
}

/** A command-line mistake: usage text plus the message on stderr, exit status 2. */
export class UsageError extends ExpectedError {
  readonly exitCode = 2;
  constructor(
    message: string,
    /** The command whose usage applies, e.g. "build"; undefined for the top level. */
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A broken internal invariant: rendered like any unexpected error, as a probable bug. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalError";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InternalError(message);
}

/** The user interrupted work that was undone cleanly; exits with the signal's status (130 SIGINT, 143 SIGTERM). */
export class Interrupted extends ExpectedError {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "Interrupted";
  }
}

/**
 * The words for a failure that is not a usage error: an expected one as its
 * message (and hint); anything else, whatever it is, as a probable bug with
 * where to report it.
 */
export function describeFailure(error: unknown, debug: boolean): string {
  if (error instanceof UserError) return `Error: ${error.message}` + (error.hint ? `\n\n${error.hint}` : "");
  if (error instanceof Interrupted) return error.message;
  if (error instanceof ExpectedError) return `Error: ${error.message}`;
  const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return [
    `An unexpected error occurred: ${description}`,
    "",
    `This is probably a bug in ${PROGRAM}, not something you did. Please report it at`,
    `<${PACKAGE.bugs.url}> with the command you ran and this output` + (debug ? "." : ";"),
    ...(debug ? [] : ["run it again with NEXTSTRAIN_DEBUG=1 to include the details."]),
  ].join("\n");
}

/**
 * A failure with something more to say about what it left: src/main.ts
 * renders the failure as it would alone, then `note`. Once a job exists, the
 * note says the job is not affected and how to get back to it; before, it
 * says what the run removed from S3, or what it left there.
 */
export class ErrorWithNote extends Error {
  constructor(
    readonly failure: unknown,
    readonly note: readonly string[],
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = "ErrorWithNote";
  }
}
