/** `--set-default` edits the config file: only the keys it sets change; comments, order and other content stay. */
import { describe, expect, it } from "vitest";
import { parseIni } from "../../../src/config/configparser.js";
import { setIniValues, type IniSetting } from "../../../src/config/ini-edit.js";

const RUNNER: IniSetting = { section: "core", key: "runner", value: "aws-batch" };
const QUEUE: IniSetting = { section: "aws-batch", key: "queue", value: "nextstrain-job-queue" };

describe("setIniValues", () => {
  it.each([
    { name: "an empty file gets the section", text: "", settings: [RUNNER], expected: "[core]\nrunner = aws-batch\n" },
    { name: "a missing section goes at the end, after a blank line", text: "# mine\n[docker]\nimage = x\n", settings: [RUNNER], expected: "# mine\n[docker]\nimage = x\n\n[core]\nrunner = aws-batch\n" },
    { name: "an existing key is replaced in place, comments kept", text: "[core]\n; default\nrunner = docker\nother = 1\n", settings: [RUNNER], expected: "[core]\n; default\nrunner = aws-batch\nother = 1\n" },
    { name: "a key is matched without regard to case, and with ':'", text: "[core]\nRunner: docker\n", settings: [RUNNER], expected: "[core]\nrunner = aws-batch\n" },
    { name: "a missing key goes after the section's last line, before blank lines", text: "[aws-batch]\njob = j\n\n[core]\nrunner = docker\n", settings: [QUEUE], expected: "[aws-batch]\njob = j\nqueue = nextstrain-job-queue\n\n[core]\nrunner = docker\n" },
    { name: "continuation lines of the old value go with it", text: "[aws-batch]\nqueue = a\n  b\njob = j\n", settings: [QUEUE], expected: "[aws-batch]\nqueue = nextstrain-job-queue\njob = j\n" },
    { name: "a commented-out key is not the key", text: "[core]\n# runner = docker\n", settings: [RUNNER], expected: "[core]\n# runner = docker\nrunner = aws-batch\n" },
    { name: "the same key in another section is left alone", text: "[other]\nrunner = x\n", settings: [RUNNER], expected: "[other]\nrunner = x\n\n[core]\nrunner = aws-batch\n" },
    { name: "CRLF line ends are kept", text: "[core]\r\nrunner = docker\r\n", settings: [RUNNER], expected: "[core]\r\nrunner = aws-batch\r\n" },
    { name: "several settings, in order", text: "", settings: [RUNNER, QUEUE], expected: "[core]\nrunner = aws-batch\n\n[aws-batch]\nqueue = nextstrain-job-queue\n" },
  ])("$name", ({ text, settings, expected }) => {
    const edited = setIniValues(text, settings);
    expect(edited).toBe(expected);
    // What the tool (and the Nextstrain CLI) reads back is what was set.
    for (const setting of settings) expect(parseIni(edited).get(setting.section, setting.key)).toBe(setting.value);
  });
});
