import { describe, expect, it } from "vitest";
import { controlHints, detachBlock, finishDownloadCommand, type MessageLine, printLines } from "../../../src/runner/messages.js";

const ALL = { SIGHUP: true, SIGTSTP: true };
const HUP = { SIGHUP: true, SIGTSTP: false };
const TSTP = { SIGHUP: false, SIGTSTP: true };
const NONE = { SIGHUP: false, SIGTSTP: false };

describe("controlHints (C96)", () => {
  it.each([
    [true, false, ALL, ["Press Control-C twice within 10 seconds to cancel this job,", "      Control-Z to detach from it."]],
    [true, false, TSTP, ["Press Control-C twice within 10 seconds to cancel this job,", "      Control-Z to detach from it."]],
    [true, false, HUP, ["Press Control-C twice within 10 seconds to cancel this job.", " Send SIGHUP to detach from it."]],
    [true, false, NONE, ["Press Control-C twice within 10 seconds to cancel this job."]],
    [true, true, ALL, ["Press Control-C or Control-Z to detach from this job."]],
    [true, true, HUP, ["Press Control-C or send SIGHUP to detach from this job."]],
    [true, true, NONE, ["Press Control-C to detach from this job."]],
    [false, false, ALL, ["Send SIGINT to cancel this job,", "     SIGHUP or SIGTSTP to detach from it."]],
    [false, false, HUP, ["Send SIGINT to cancel this job,", "     SIGHUP to detach from it."]],
    [false, false, TSTP, ["Send SIGINT to cancel this job,", "     SIGTSTP to detach from it."]],
    [false, false, NONE, ["Send SIGINT to cancel this job."]],
    [false, true, ALL, ["Send SIGINT, SIGHUP, or SIGTSTP to detach from this job."]],
    [false, true, HUP, ["Send SIGINT or SIGHUP to detach from this job."]],
    [false, true, NONE, ["Send SIGINT to detach from this job."]],
  ])("stdin TTY %j, detach-on-interrupt %j, signals %j", (stdinIsTTY, detachOnInterrupt, signals, lines) => {
    expect(controlHints({ stdinIsTTY, detachOnInterrupt, signals })).toStrictEqual(["", ...lines, ""]);
  });
});

describe("detachBlock (C97, C98, C119)", () => {
  const id = "6116f3e3-9bc0-4769-99e3-adb71b4d82c0";

  it("prints the block with both re-attach commands, the drop-in one last", () => {
    expect(detachBlock(id, "/home/u/ncov")).toStrictEqual([
      "",
      { stage: "Detaching from job, as requested" },
      "",
      "Run one of the following commands to re-attach to this job later to see output",
      "and download results:",
      "",
      `nextstrain-ts attach ${id}`,
      `nextstrain-ts build --aws-batch --attach ${id} /home/u/ncov`,
    ]);
  });

  it("quotes the job id and the build root like shlex", () => {
    const lines = detachBlock("it's", "/home/u/my builds");
    expect(lines.slice(-2)).toStrictEqual([
      `nextstrain-ts attach 'it'"'"'s'`,
      `nextstrain-ts build --aws-batch --attach 'it'"'"'s' '/home/u/my builds'`,
    ]);
  });

  it("uses . without a build directory", () => {
    expect(detachBlock(id, undefined).at(-1)).toBe(`nextstrain-ts build --aws-batch --attach ${id} .`);
  });
});

describe("printLines", () => {
  it("sends stage lines to stage() and the others to line(), in order", () => {
    const calls: string[] = [];
    const lines: MessageLine[] = ["", { stage: "Bold" }, "plain"];
    printLines({ stage: (label) => calls.push(`stage:${label}`), line: (text = "") => calls.push(`line:${text}`) }, lines);
    expect(calls).toStrictEqual(["line:", "stage:Bold", "line:plain"]);
  });
});

describe("finishDownloadCommand", () => {
  it.each([
    [true, "/home/u/zika", "nextstrain-ts attach --no-logs 54a0d0f1 /home/u/zika"],
    [["results/**", "!*.log"], "/home/u/my build", "nextstrain-ts attach --no-logs --download 'results/**' --download '!*.log' 54a0d0f1 '/home/u/my build'"],
  ] as const)("%j into %s", (spec, root, command) => {
    expect(finishDownloadCommand("54a0d0f1", root, spec)).toBe(command);
  });
});
