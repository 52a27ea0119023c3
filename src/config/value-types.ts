/**
 * The value types of the settings table: how each kind of setting is read
 * from text, shown, and what a bad value is called, in the words of the
 * Nextstrain CLI where it has them (argparse's for flags, C4, C8, C21).
 */
import { bucketUrl, parseBucket, type BucketLocation } from "./bucket.js";
import { memoryProblem } from "./batch-limits.js";
import { BYTES_PER_MIB, parseByteQuantity, parsePythonInt } from "./quantities.js";
import type { Parsed, ValueType } from "./setting-row.js";

function bad<T>(flag: string, setting: string, expected: string): Parsed<T> {
  return { ok: false, flag, setting, expected };
}

/** Any text: names of queues, job definitions, images, regions, endpoints. */
export const TEXT: ValueType<string> = {
  parse: (text) => ({ ok: true, value: text }),
  show: (value) => value,
  example: "name",
  checkedByParser: false,
};

/** Text that may be unset, as the AWS endpoints are unless a variable names one. */
export const TEXT_OR_NONE: ValueType<string | undefined> = TEXT;

/**
 * A count as Python's int() reads it (C8), zero or more, within `limit` (what
 * AWS Batch accepts); zero means none. A bad flag value is a usage error.
 */
export function count(options: { what: string; example: string; limit: (value: bigint) => string | undefined }): ValueType<number | undefined> {
  const { what, example, limit } = options;
  const expected = `a whole number such as ${example}, or remove it to use the job definition's value`;
  return {
    parse(text) {
      const parsed = parsePythonInt(text);
      if (parsed === undefined) return bad(`invalid int value: '${text}' (a whole number is needed, e.g. ${example})`, ` is not ${what}`, expected);
      if (parsed < 0n) return bad(`invalid value: '${text}' (it must be zero or more)`, ` is not ${what}`, expected);
      const problem = limit(parsed);
      if (problem !== undefined) return bad(`invalid value: '${text}' (${problem})`, `: ${problem}`, expected);
      return { ok: true, value: parsed === 0n ? undefined : Number(parsed) };
    },
    show: String,
    example,
    checkedByParser: true,
  };
}

/** An amount of memory as the Nextstrain CLI's byte_quantity reads it (C21), in bytes; zero means none. */
export const BYTES: ValueType<number | undefined> = {
  parse(text) {
    const expected = "an amount such as 14GiB";
    const parsed = parseByteQuantity(text);
    if (!parsed.ok) return bad(`invalid byte_quantity value: '${text}' (${parsed.reason})`, ` is not an amount of memory: ${parsed.reason}`, expected);
    const problem = memoryProblem(parsed.bytes / BYTES_PER_MIB);
    if (problem !== undefined) return bad(`invalid value: '${text}' (${problem})`, `: ${problem}`, expected);
    // Exact: within AWS Batch's bounds, a number of bytes is well below 2^53.
    return { ok: true, value: parsed.bytes === 0n ? undefined : Number(parsed.bytes) };
  },
  show: (bytes) => `${bytes} bytes`,
  example: "14GiB",
  checkedByParser: true,
};

/** A bucket with an optional key prefix (C40); a bad one is a bad setting, wherever it was given. */
export const BUCKET: ValueType<BucketLocation> = {
  parse(text) {
    const parsed = parseBucket(text);
    if (parsed.ok) return { ok: true, value: parsed.location };
    const reason = parsed.reason;
    return bad(`invalid value: '${text}' (${reason})`, ` is not a usable bucket: ${reason}`, "a bucket name with an optional key prefix, e.g. my-bucket or s3://my-bucket/runs/");
  },
  show: bucketUrl,
  example: "my-bucket",
  checkedByParser: false,
};

/** Yes or no, as Python's configparser reads a boolean: 1, yes, true, on or 0, no, false, off, in any case. */
export const YES_NO: ValueType<boolean> = {
  parse(text) {
    const word = text.trim().toLowerCase();
    if (["1", "yes", "true", "on"].includes(word)) return { ok: true, value: true };
    if (["0", "no", "false", "off"].includes(word)) return { ok: true, value: false };
    return bad(`invalid value: '${text}' (yes or no)`, " is not yes or no", "yes or no (also 1/0, true/false, on/off)");
  },
  show: (value) => (value ? "yes" : "no"),
  example: "no",
  checkedByParser: false,
};

export const RUNTIME_NAMES = ["docker", "conda", "singularity", "ambient", "aws-batch"] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

/** A runtime, normalised as the Nextstrain CLI does (C5); an unknown one is warned about and ignored (C6). */
export const RUNTIME: ValueType<RuntimeName> = {
  parse(text) {
    const normalised = text.trim().toLowerCase().replace(/[\s_]+/g, "-");
    const name = normalised === "native" ? "ambient" : normalised;
    if ((RUNTIME_NAMES as readonly string[]).includes(name)) return { ok: true, value: name as RuntimeName };
    return { ok: "ignored", warning: `WARNING: Default runner from config file (${text}) is invalid.  Using docker.` };
  },
  show: (value) => value,
  example: "aws-batch",
  checkedByParser: false,
};

/** A whole number from `min` to `max`, for the sizes `setup` gives AWS resources (days, vCPUs, GiB, minutes). */
export function wholeNumber(options: { what: string; min: number; max: number; example: string }): ValueType<number> {
  const { what, min, max, example } = options;
  const expected = `a whole number from ${min} to ${max}, such as ${example}`;
  return {
    parse(text) {
      const parsed = parsePythonInt(text);
      if (parsed === undefined) return bad(`invalid int value: '${text}' (a whole number is needed, e.g. ${example})`, ` is not ${what}`, expected);
      if (parsed < BigInt(min) || parsed > BigInt(max)) return bad(`invalid value: '${text}' (it must be from ${min} to ${max})`, ` is not ${what} from ${min} to ${max}`, expected);
      return { ok: true, value: Number(parsed) };
    },
    show: String,
    example,
    checkedByParser: true,
  };
}

/** A comma-separated list (instance types, subnet ids); blanks around items are dropped. */
export const LIST: ValueType<readonly string[]> = {
  parse(text) {
    const items = text.split(",").map((item) => item.trim());
    if (items.some((item) => item === "")) return bad(`invalid value: '${text}' (an empty item in the list)`, " has an empty item", "a comma-separated list such as a,b");
    return { ok: true, value: items };
  },
  show: (items) => items.join(","),
  example: "a,b",
  checkedByParser: true,
};

/** The same, unset unless given: AWS's defaults (the default VPC's subnets) apply then. */
export const LIST_OR_NONE: ValueType<readonly string[] | undefined> = LIST;

/** A yes/no setting: a switch on the command line; true/false, yes/no, on/off or 1/0 elsewhere, as configparser's getboolean reads them. */
export const BOOLEAN: ValueType<boolean> = {
  parse(text) {
    const word = text.trim().toLowerCase();
    if (["1", "yes", "true", "on"].includes(word)) return { ok: true, value: true };
    if (["0", "no", "false", "off"].includes(word)) return { ok: true, value: false };
    return bad(`invalid value: '${text}'`, " is neither true nor false", "true or false");
  },
  show: (value) => (value ? "yes" : "no"),
  example: "true",
  checkedByParser: false,
};

/** A name that may be unset (the users' group). */
export const NAME_OR_NONE: ValueType<string | undefined> = TEXT;
