import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { readFailure, writeFailure } from "../../../src/archive/fs-errors.js";

const failure = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe("readFailure and writeFailure", () => {
  it.each([
    [readFailure, "/b/secret", "EACCES", /Cannot read \/b\/secret: permission denied/, /chmod u\+r \/b\/secret.*--exclude-from-upload/],
    [readFailure, "/b/secret", "EPERM", /permission denied/, /--exclude-from-upload/],
    [readFailure, "/b/secret", "EIO", /input\/output error/, /Check the disk/],
    [readFailure, "/b/gone", "ENOENT", /\/b\/gone disappeared while the build directory was being uploaded/, /Wait until nothing writes/],
    [writeFailure, "/b/results", "ENOSPC", /No space left to write the job's results into \/b\/results/, /Free some space/],
    [writeFailure, "/b/results", "EDQUOT", /No space left/, /attach to the job again/],
    [writeFailure, "/b/results", "EROFS", /Cannot write the job's results into \/b\/results: permission denied/, /writable/],
  ])("%o of %s turns %s into a UserError that names the path and what to do", (translate, path, code, message, hint) => {
    const error = translate(failure(code), path);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).hint).toMatch(hint);
  });

  it.each([readFailure, writeFailure])("%o passes other errors through", (translate) => {
    const other = failure("EMFILE");
    expect(translate(other, "/b/x")).toBe(other);
  });
});
