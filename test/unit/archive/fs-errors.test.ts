import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { readFailure, writeFailure } from "../../../src/archive/fs-errors.js";

const failure = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe("readFailure", () => {
  it.each([
    ["EACCES", /Cannot read \/b\/secret: permission denied/, /chmod u\+r \/b\/secret.*--exclude-from-upload/],
    ["EPERM", /permission denied/, /--exclude-from-upload/],
    ["EIO", /input\/output error/, /Check the disk/],
  ])("turns %s into a UserError naming the file and what to do", (code, message, hint) => {
    const error = readFailure(failure(code), "/b/secret");
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).hint).toMatch(hint);
  });

  it("passes other errors through", () => {
    const other = failure("EMFILE");
    expect(readFailure(other, "/b/x")).toBe(other);
  });
});

describe("writeFailure", () => {
  it.each([
    ["ENOSPC", /No space left to write the job's results into \/b\/results/, /Free some space/],
    ["EDQUOT", /No space left/, /attach to the job again/],
    ["EROFS", /Cannot write the job's results into \/b\/results: permission denied/, /writable/],
  ])("turns %s into a UserError naming the directory", (code, message, hint) => {
    const error = writeFailure(failure(code), "/b/results");
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(message);
    expect((error as UserError).hint).toMatch(hint);
  });

  it("passes other errors through", () => {
    const other = new Error("boom");
    expect(writeFailure(other, "/b")).toBe(other);
  });
});
