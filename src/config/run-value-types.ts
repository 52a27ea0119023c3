/**
 * Value types of the settings that shape how a job runs and is watched:
 * durations (`--timeout 2h`, `--max-runnable 30m`), switches that a variable
 * or the config file may also set (`preflight = no`), retry counts and tags
 * (`--tag project=ncov`). Pure: each reads text and words a bad value.
 */
import type { Parsed, ValueType } from "./setting-row.js";

function bad<T>(flag: string, setting: string, expected: string): Parsed<T> {
  return { ok: false, flag, setting, expected };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Seconds from `90`, `90s`, `15m`, `2h`, `1d` or a sum such as `1h30m`;
 * undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  if (!/^(\d+[smhd])+$/.test(trimmed)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) seconds += Number(amount) * (UNIT_SECONDS[unit as string] ?? 0);
  return seconds;
}

/** `5m`, `1h30m`, `45s`: how a duration in seconds is shown. */
export function showDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["h", 3600], ["m", 60]] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join("");
}

/** A duration in seconds, at least `minimum`; `why` says where the minimum comes from. */
export function duration(options: { minimum: number; why?: string }): ValueType<number | undefined> {
  const expected = `a duration such as 30m, 2h or 1h30m (seconds without a unit)${options.minimum > 1 ? `, at least ${showDuration(options.minimum)}` : ""}`;
  return {
    parse(text) {
      const seconds = parseDuration(text);
      if (seconds === undefined) return bad(`invalid duration: '${text}' (e.g. 30m, 2h, 1h30m)`, " is not a duration", expected);
      if (seconds < options.minimum) {
        const reason = `at least ${showDuration(options.minimum)}${options.why ? `: ${options.why}` : ""}`;
        return bad(`invalid value: '${text}' (${reason})`, ` is too short (${reason})`, expected);
      }
      return { ok: true, value: seconds };
    },
    show: showDuration,
    example: "30m",
    checkedByParser: true,
  };
}

const TRUE = new Set(["1", "yes", "true", "on"]);
const FALSE = new Set(["0", "no", "false", "off"]);

/**
 * On or off: a switch flag sets it; a variable or config key says yes/no,
 * true/false, on/off or 1/0 (as configparser's getboolean reads them).
 * `example` is what a user would write to change it from its default.
 */
export function onOff(example: "yes" | "no"): ValueType<boolean> {
  return { ...ON_OFF, example };
}

const ON_OFF: ValueType<boolean> = {
  parse(text) {
    const word = text.trim().toLowerCase();
    if (TRUE.has(word)) return { ok: true, value: true };
    if (FALSE.has(word)) return { ok: true, value: false };
    return bad(`invalid value: '${text}' (yes or no)`, " is not yes or no", "yes or no");
  },
  show: (value) => (value ? "yes" : "no"),
  example: "no",
  checkedByParser: false,
};

/** The retries AWS Batch allows: up to 10 attempts in all (https://docs.aws.amazon.com/batch/latest/APIReference/API_RetryStrategy.html). */
export const MAX_RETRIES = 9;

/** How many times a job lost to its infrastructure is tried again; zero: never. */
export const RETRIES: ValueType<number> = {
  parse(text) {
    const trimmed = text.trim();
    const value = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!(value <= MAX_RETRIES)) {
      return bad(`invalid value: '${text}' (0 to ${MAX_RETRIES} retries: AWS Batch allows 10 attempts)`, ` is not 0 to ${MAX_RETRIES} retries`, `a whole number from 0 to ${MAX_RETRIES}`);
    }
    return { ok: true, value };
  },
  show: String,
  example: "2",
  checkedByParser: true,
};

/** A tag key as Batch takes it: 1 to 128 characters, not starting with `aws:` (https://docs.aws.amazon.com/batch/latest/userguide/using-tags.html). */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/**
 * Tags as `key=value` items, several joined by commas (a variable, the
 * config file) or by repeating the flag, which joins them with newlines.
 * The last value of a key wins.
 */
export const TAGS: ValueType<Record<string, string> | undefined> = {
  parse(text) {
    const tags: Record<string, string> = {};
    for (const item of text.split(/[\n,]/).map((part) => part.trim()).filter((part) => part !== "")) {
      const equals = item.indexOf("=");
      const key = equals < 0 ? item : item.slice(0, equals).trim();
      const value = equals < 0 ? "" : item.slice(equals + 1).trim();
      if (equals < 1 || !TAG_KEY.test(key) || !TAG_VALUE.test(value)) {
        const reason = equals < 1 ? "a tag is key=value" : "a key is 1 to 128 letters, digits, spaces or _.:/=+-@ (not starting with aws:), a value at most 256";
        return bad(`invalid tag: '${item}' (${reason})`, ` has a bad tag '${item}' (${reason})`, "key=value tags, separated by commas");
      }
      tags[key] = value;
    }
    return { ok: true, value: Object.keys(tags).length > 0 ? tags : undefined };
  },
  show: (tags) => Object.entries(tags ?? {}).map(([key, value]) => `${key}=${value}`).join(", "),
  example: "project=ncov",
  checkedByParser: true,
};
