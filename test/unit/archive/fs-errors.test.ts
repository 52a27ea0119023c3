import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { readFailure, writeFailure, writeProblem } from "../../../src/archive/fs-errors.js";

const failure = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe("readFailure and writeFailure", () => {
  it.each([
    [readFailure, "/b/secret", "EACCES", /Cannot read \/b\/secret: permission denied/, /chmod u\+r \/b\/secret.*--exclude-from-upload/],
    [readFailure, "/b/secret", "EPERM", /permission denied/, /--exclude-from-upload/],
    [readFailure, "/b/secret", "EIO", /input\/output error/, /Check the disk/],
    [readFailure, "/b/gone", "ENOENT", /\/b\/gone disappeared while the build directory was being uploaded/, /Wait until nothing writes/],
    [writeFailure, "/b/results", "ENOSPC", /No space left to write the job's results into \/b\/results/, /Free some space/],
    [writeFailure, "/b/results", "EDQUOT", /No space left/, /Free some space/],
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

describe("writeProblem: one result that cannot be written, the download going on", () => {
  it.each([
    ["EACCES", "permission denied writing into /b/results", /writable/],
    ["EPERM", "permission denied writing into /b/results", /writable/],
    ["EROFS", "/b/results is on a read-only file system", /writable/],
    ["EILSEQ", "the local file system does not accept this name", /UTF-8/],
    ["ENAMETOOLONG", "the name is too long for the local file system", /shorter names/],
  ])("%s: %s", (code, reason, hint) => {
    const problem = writeProblem(failure(code), "/b/results");
    expect(problem?.reason).toBe(reason);
    expect(problem?.hint).toMatch(hint);
  });

  it("leaves a full disk and anything unexpected to writeFailure", () => {
    expect(writeProblem(failure("ENOSPC"), "/b")).toBeUndefined();
    expect(writeProblem(failure("EMFILE"), "/b")).toBeUndefined();
  });
});
