/**
 * The settings table is the one place a setting is written down: every row
 * reaches `--help`, `--dry-run`, the README and resolution in precedence
 * order, and a row added to the table reaches them with nothing else changed.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../src/cli/parse.js";
import { parseIni } from "../../../src/config/configparser.js";
import { ConfigError } from "../../../src/config/errors.js";
import { BUILT_IN, resolveSettings, type AwsProfile } from "../../../src/config/resolve.js";
import { row, type CommandName, type Setting, type SettingRow, type SettingsTable, type ValueType } from "../../../src/config/setting-row.js";
import { SETTINGS } from "../../../src/config/settings.js";
import { count } from "../../../src/config/value-types.js";
import { UsageError } from "../../../src/errors.js";
import { describeSettings } from "../../../src/ui/settings-table.js";
import { runMain } from "../../helpers/io.js";

const CONFIG_PATH = "/home/u/.nextstrain/config";
const AWS_CONFIG = "/home/u/.aws/config";
const ROWS = Object.entries(SETTINGS as SettingsTable);

/** Text each row reads as a good value, and that value. */
function example(setting: SettingRow<unknown>): { text: string | true; value: unknown } {
  if (setting.flag && setting.flag.argument === undefined) return { text: true, value: setting.flag.sets };
  const parsed = setting.type.parse(setting.type.example);
  if (parsed.ok !== true) throw new Error(`the example of ${setting.label} does not parse`);
  return { text: setting.type.example, value: parsed.value };
}

/** Every layer a row can be given in, highest first, each with the origin it gives. */
function layers(key: string, setting: SettingRow<unknown>) {
  const { text } = example(setting);
  const given = typeof text === "string" ? text : setting.type.example;
  return [
    ...(setting.flag ? [{ origin: setting.flag.name, source: "flag", flags: { [key]: text } }] : []),
    ...(setting.env ?? []).map((name) => ({ origin: name, source: "env", env: { [name]: given } })),
    ...(setting.config ? [{ origin: `[${setting.config.section}] ${setting.config.key} in ${CONFIG_PATH}`, source: "config", config: `[${setting.config.section}]\n${setting.config.key} = ${given}\n` }] : []),
    ...(setting.awsProfile ? [{ origin: `${setting.awsProfile} of profile default in ${AWS_CONFIG}`, source: "config", profile: { [setting.awsProfile]: given } }] : []),
  ];
}

type Layer = ReturnType<typeof layers>[number] & { flags?: Record<string, string | true>; env?: Record<string, string>; config?: string; profile?: Record<string, string> };

function resolveFrom(given: readonly Layer[], table: SettingsTable = SETTINGS) {
  const profile: Record<string, string> = Object.assign({}, ...given.map((layer) => layer.profile ?? {}));
  const awsProfile: AwsProfile = { profile: "default", file: AWS_CONFIG, get: (key) => profile[key] };
  return resolveSettings(
    {
      flags: Object.assign({}, ...given.map((layer) => layer.flags ?? {})),
      env: Object.assign({}, ...given.map((layer) => layer.env ?? {})),
      config: parseIni(given.map((layer) => layer.config ?? "").join("")),
      configPath: CONFIG_PATH,
      awsProfile,
    },
    table,
  ).settings as Record<string, Setting<unknown>>;
}

/** An option's entry in `--help`: its line and the lines its description wraps onto, joined. */
function optionHelp(help: string, term: string): string {
  const lines = help.split("\n");
  const at = lines.findIndex((line) => line.startsWith(`  ${term} `));
  if (at < 0) return "";
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((line) => !/^ {4,}\S/.test(line));
  return [lines[at], ...rest.slice(0, end < 0 ? rest.length : end)].join(" ").replace(/\s+/g, " ");
}

function defaultOrigin(setting: SettingRow<unknown>): string {
  return "follows" in setting.default ? setting.default.otherwise.origin : (setting.default.origin ?? BUILT_IN);
}

describe.each(ROWS)("the %s setting", (key, setting) => {
  it("resolves from each layer it has, the highest given winning (C37)", () => {
    const all = layers(key, setting) as Layer[];
    for (let top = 0; top < all.length; top++) {
      const resolved = resolveFrom(all.slice(top))[key];
      expect(resolved).toEqual({ value: example(setting).value, source: all[top]?.source, origin: all[top]?.origin });
    }
    expect(resolveFrom([])[key]?.origin).toBe(defaultOrigin(setting));
    expect(resolveFrom([])[key]?.source).toBe("default");
  });

  it("treats an empty variable or config value as unset (C35)", () => {
    const emptied = (setting.env ?? []).map((name) => ({ origin: name, source: "env", env: { [name]: "" } }));
    const blank = setting.config ? [{ origin: "", source: "config", config: `[${setting.config.section}]\n${setting.config.key} =\n` }] : [];
    expect(resolveFrom([...emptied, ...blank])[key]?.source).toBe("default");
  });

  it.each(setting.commands)("is in the --help of %s, with where else it can be given", async (command) => {
    const { stdout } = await runMain([command, "--help"]);
    const line = setting.flag ? optionHelp(stdout, setting.flag.argument === undefined ? setting.flag.name : `${setting.flag.name} ${setting.flag.argument}`) : (stdout.split("\n").find((text) => text.startsWith(`  ${setting.label} `)) ?? "");
    expect(line).not.toBe("");
    for (const name of setting.env ?? []) expect(line).toContain(name);
    if (setting.config) expect(line).toContain(`config [${setting.config.section}] ${setting.config.key}`);
    if (setting.awsProfile) expect(line).toContain(setting.awsProfile);
  });

  it("is in the README's settings table, spelt as the table spells it", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const line = readme.split("\n").find((text) => text.startsWith(`| ${setting.label} |`)) ?? "";
    expect(line).not.toBe("");
    if (setting.flag) expect(line).toContain(`\`${setting.flag.name}\``);
    for (const name of setting.env ?? []) expect(line).toContain(`\`${name}\``);
    if (setting.config) expect(line).toContain(`\`[${setting.config.section}] ${setting.config.key}\``);
    if ("text" in setting.default && setting.default.text !== undefined) expect(line).toContain(`\`${setting.default.text}\``);
  });
});

describe("build --dry-run", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "nextstrain-ts-settings-")), "build");
  mkdirSync(dir);

  it("shows every setting the build uses, with where it came from (C47)", async () => {
    const { stdout, status } = await runMain(["build", "--aws-batch", "--dry-run", dir]);
    expect(status).toBe(0);
    const lines = stdout.split("\n");
    for (const [, setting] of ROWS.filter(([, candidate]) => candidate.commands.includes("build"))) {
      expect(lines.some((line) => line.startsWith(`  ${setting.label} `) && / from \S/.test(line))).toBe(true);
    }
  });
});

/** A switch with no value type of the tool's own: --no-preflight sets preflight to false. */
const ON_OFF: ValueType<boolean> = {
  parse: (text) => (/^(1|yes|true|on)$/i.test(text) ? { ok: true, value: true } : { ok: true, value: false }),
  show: (value) => (value ? "on" : "off"),
  example: "yes",
  checkedByParser: false,
};

const EXTENDED = {
  ...SETTINGS,
  timeout: row({
    label: "job timeout",
    flag: { name: "--timeout", argument: "<minutes>", help: "Stop the job after <minutes>", group: "job" },
    env: ["NEXTSTRAIN_AWS_BATCH_TIMEOUT"],
    config: { section: "aws-batch", key: "timeout" },
    type: count({ what: "a number of minutes", example: "90", limit: () => undefined }),
    default: { origin: "the job definition" },
    commands: ["build", "attach"],
  }),
  preflight: row({
    label: "preflight checks",
    flag: { name: "--no-preflight", sets: false, help: "Skip the checks before the upload", group: "runtime" },
    env: ["NEXTSTRAIN_PREFLIGHT"],
    type: ON_OFF,
    default: { text: "on" },
    commands: ["build"],
  }),
} satisfies SettingsTable;

describe("a new row", () => {
  const parse = (...argv: string[]) => {
    let out = "";
    const stdout = new Writable({ write: (chunk: Buffer, _encoding, done) => ((out += chunk.toString()), done()) });
    const invocation = parseCommandLine(argv, { cwd: process.cwd(), version: "0", stdout, table: EXTENDED });
    return { invocation, help: out };
  };
  const flagsOf = (...argv: string[]) => {
    const { invocation } = parse(...argv);
    return invocation.kind === "build" || invocation.kind === "attach" ? (invocation.request.settingFlags as Record<string, unknown>) : {};
  };

  it.each(["build", "attach"] as CommandName[])("is offered by %s, with its help", (command) => {
    const help = parse(command, "--help").help.replace(/\s+/g, " ");
    expect(help).toContain("--timeout <minutes>");
    expect(help).toContain("Stop the job after <minutes> [env NEXTSTRAIN_AWS_BATCH_TIMEOUT; config [aws-batch] timeout]");
    expect(help.includes("--no-preflight")).toBe(command === "build");
  });

  it("is read from the command line, a switch as given", () => {
    expect(flagsOf("build", "--timeout", "30", "--no-preflight", ".")).toMatchObject({ timeout: "30", preflight: true });
    expect(flagsOf("attach", "--timeout", "30", "job-1")).toMatchObject({ timeout: "30", runtime: true });
    expect(() => parse("build", "--timeout", "soon", ".")).toThrow(UsageError);
    expect(() => parse("build", "--timeout", "soon", ".")).toThrow(expect.objectContaining({ message: "argument --timeout: invalid int value: 'soon' (a whole number is needed, e.g. 90)", command: "build" }));
  });

  it("resolves flag > environment > config file > default", () => {
    const settings = (flags: Record<string, string | true>, env: NodeJS.ProcessEnv, config: string) =>
      resolveSettings({ flags, env, config: parseIni(config), configPath: CONFIG_PATH }, EXTENDED).settings;
    const config = "[aws-batch]\ntimeout = 60\n";
    expect(settings({ timeout: "30" }, { NEXTSTRAIN_AWS_BATCH_TIMEOUT: "45" }, config).timeout).toEqual({ value: 30, source: "flag", origin: "--timeout" });
    expect(settings({}, { NEXTSTRAIN_AWS_BATCH_TIMEOUT: "45" }, config).timeout).toEqual({ value: 45, source: "env", origin: "NEXTSTRAIN_AWS_BATCH_TIMEOUT" });
    expect(settings({}, {}, config).timeout).toEqual({ value: 60, source: "config", origin: `[aws-batch] timeout in ${CONFIG_PATH}` });
    expect(settings({}, {}, "").timeout).toEqual({ value: undefined, source: "default", origin: "the job definition" });
    expect(settings({ preflight: true }, { NEXTSTRAIN_PREFLIGHT: "yes" }, "").preflight).toEqual({ value: false, source: "flag", origin: "--no-preflight" });
    expect(settings({}, { NEXTSTRAIN_PREFLIGHT: "no" }, "").preflight).toEqual({ value: false, source: "env", origin: "NEXTSTRAIN_PREFLIGHT" });
    expect(settings({}, {}, "").preflight).toEqual({ value: true, source: "default", origin: BUILT_IN });
  });

  it("names where a bad value came from, and what to set it to (C39)", () => {
    const attempt = () => resolveSettings({ flags: {}, env: { NEXTSTRAIN_AWS_BATCH_TIMEOUT: "later" }, config: parseIni(""), configPath: CONFIG_PATH }, EXTENDED);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      expect.objectContaining({
        message: "NEXTSTRAIN_AWS_BATCH_TIMEOUT=later is not a number of minutes",
        hint: "Set NEXTSTRAIN_AWS_BATCH_TIMEOUT to a whole number such as 90, or remove it to use the job definition's value.",
      }),
    );
  });

  it("is in --dry-run, with where it came from", () => {
    const { settings } = resolveSettings({ flags: { timeout: "30" }, env: {}, config: parseIni(""), configPath: CONFIG_PATH }, EXTENDED);
    const lines = describeSettings(settings, EXTENDED, "build");
    expect(lines.find((line) => line.startsWith("  job timeout "))).toMatch(/ 30 +from --timeout$/);
    expect(lines.find((line) => line.startsWith("  preflight checks "))).toMatch(/ on +from built-in default$/);
  });
});
