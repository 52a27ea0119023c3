/**
 * File-system failures of archiving and extraction turned into errors that say
 * what to do: unreadable build files on upload; on download, a full disk
 * (which stops it) or a place that cannot be written (which is listed at the
 * end). Anything else is rethrown as it is.
 */
import { UserError } from "../errors.js";

export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}

/** A failure to read a path while walking or zipping the build directory. */
export function readFailure(error: unknown, path: string): unknown {
  switch (errorCode(error)) {
    case "EACCES":
    case "EPERM":
      return new UserError(
        `Cannot read ${path}: permission denied.`,
        `Make it readable (for example \`chmod u+r ${path}\`) or leave it out with --exclude-from-upload.`,
      );
    case "EIO":
      return new UserError(
        `Cannot read ${path}: input/output error.`,
        "Check the disk holding it, or leave the file out with --exclude-from-upload.",
      );
    case "ENOENT":
      return new UserError(
        `${path} disappeared while the build directory was being uploaded.`,
        "Wait until nothing writes to the build directory, then run the build again.",
      );
    default:
      return error;
  }
}

/** A failure to write into `directory` that stops the extraction of results (see writeProblem for the others). */
export function writeFailure(error: unknown, directory: string): unknown {
  switch (errorCode(error)) {
    case "ENOSPC":
    case "EDQUOT":
      return new UserError(
        `No space left to write the job's results into ${directory}; files not yet written there were left as they were.`,
        "Free some space on that disk.",
      );
    default:
      return error;
  }
}

/** Why one result cannot be written, and what to do; the download goes on with the others. */
export interface WriteProblem {
  reason: string;
  hint: string;
}

/**
 * A failure to write one result into `directory` that concerns that place
 * only (permissions, a read-only mount, a name the file system refuses), or
 * undefined for failures that stop the download (a full disk) or are not
 * expected at all.
 */
export function writeProblem(error: unknown, directory: string): WriteProblem | undefined {
  switch (errorCode(error)) {
    case "EACCES":
    case "EPERM":
      return { reason: `permission denied writing into ${directory}`, hint: "Make those directories writable." };
    case "EROFS":
      return { reason: `${directory} is on a read-only file system`, hint: "Make those directories writable." };
    case "EILSEQ":
      return { reason: "the local file system does not accept this name", hint: "Download those results on a system that accepts such names, or have the workflow name them in UTF-8." };
    case "ENAMETOOLONG":
      return { reason: "the name is too long for the local file system", hint: "Have the workflow give those results shorter names." };
    default:
      return undefined;
  }
}
