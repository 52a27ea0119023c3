/**
 * File-system failures of archiving and extraction turned into errors that say
 * what to do: unreadable build files on upload, a full disk or a read-only
 * directory on download. Anything else is rethrown as it is.
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

/** A failure to write into `directory` while extracting results. */
export function writeFailure(error: unknown, directory: string): unknown {
  switch (errorCode(error)) {
    case "ENOSPC":
    case "EDQUOT":
      return new UserError(
        `No space left to write the job's results into ${directory}; files not yet written there were left as they were.`,
        "Free some space on that disk, then attach to the job again to download the rest of its results.",
      );
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new UserError(
        `Cannot write the job's results into ${directory}: permission denied.`,
        "Make the directory writable, then attach to the job again to download its results.",
      );
    default:
      return error;
  }
}
