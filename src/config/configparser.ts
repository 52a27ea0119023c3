/**
 * Reads INI text the way Python's ConfigParser (default options) does, because
 * that is what the Nextstrain CLI uses for ~/.nextstrain/config
 * (C36): `key = value` and `key: value`, keys case-insensitive, section names
 * case-sensitive, full-line `#`/`;` comments only (an inline `# x` is part of the
 * value), indented continuation lines, `%(name)s` interpolation with `%%` for a
 * literal `%`, and `[DEFAULT]` values visible in every existing section.
 *
 * The npm `ini` package reads `key: value` as a key named "key: value" and cuts
 * values at `#`, so files written for the Nextstrain CLI would be misread.
 * Where ConfigParser raises (duplicates, a stray `%`, bytes that are not
 * UTF-8), we throw an IniError that says which line to fix.
 */

export class IniError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = "IniError";
  }
}

export interface IniFile {
  /** The interpolated value of a key, or undefined when the section or key is missing. */
  get(section: string, key: string): string | undefined;
  sections(): string[];
}

const DEFAULT_SECTION = "DEFAULT";
// As ConfigParser's SECTCRE: greedy up to the last `]`, so `[a]b]` is section `a]b`; the rest of the line is ignored.
const SECTION_RE = /^\[(?<name>.+)\]/;
const OPTION_RE = /^(?<key>.*?)\s*(?<sep>[=:])\s*(?<value>.*)$/;
const MAX_INTERPOLATION_DEPTH = 10;

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The file's text; an IniError naming the first line that is not valid UTF-8 (never U+FFFD in its place). */
export function decodeIni(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    throw new IniError("the line is not valid UTF-8 text; save the file as UTF-8", firstInvalidLine(bytes));
  }
}

/** Line breaks are bytes that never occur inside a UTF-8 sequence, so each line can be checked on its own. */
function firstInvalidLine(bytes: Uint8Array): number | undefined {
  let line = 1;
  let start = 0;
  for (let at = 0; at <= bytes.length; at++) {
    const byte = bytes[at];
    if (at < bytes.length && byte !== 0x0a && byte !== 0x0d) continue;
    try {
      STRICT_UTF8.decode(bytes.subarray(start, at));
    } catch {
      return line;
    }
    if (byte === 0x0d && bytes[at + 1] === 0x0a) at++;
    line++;
    start = at + 1;
  }
  return undefined;
}

export function parseIni(text: string): IniFile {
  const sections = readSections(text);
  const defaults = sections.get(DEFAULT_SECTION) ?? new Map<string, string>();
  const lookup: Lookup = (section, key) => {
    if (section === DEFAULT_SECTION) return defaults.get(key);
    const values = sections.get(section);
    if (!values) return undefined;
    return values.get(key) ?? defaults.get(key);
  };
  return {
    get(section, key) {
      const normalised = key.toLowerCase();
      const value = lookup(section, normalised);
      return value === undefined ? undefined : interpolate(lookup, section, normalised, value, 1);
    },
    sections: () => [...sections.keys()].filter((name) => name !== DEFAULT_SECTION),
  };
}

/** A key's raw value in a section, `[DEFAULT]` included. */
type Lookup = (section: string, key: string) => string | undefined;

/** Each section's keys and raw (not yet interpolated) values, line by line as ConfigParser reads them. */
function readSections(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  let lastIndent = 0;

  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const stripped = raw.trim();
    const indent = raw.length - raw.trimStart().length;

    if (stripped === "" || stripped.startsWith("#") || stripped.startsWith(";")) {
      // Comment lines do not end a value. A blank line inside a value is kept
      // only when more continuation follows: trailing ones are trimmed below.
      if (stripped === "" && current && lastKey !== undefined) current.set(lastKey, current.get(lastKey) + "\n");
      return;
    }

    if (current && lastKey !== undefined && indent > lastIndent) {
      current.set(lastKey, `${current.get(lastKey)}\n${stripped}`);
      return;
    }

    const section = SECTION_RE.exec(stripped);
    if (section?.groups) {
      const name = section.groups.name as string;
      if (sections.has(name)) throw new IniError(`section [${name}] appears twice`, lineNo);
      current = new Map();
      sections.set(name, current);
      lastKey = undefined;
      return;
    }

    if (!current) throw new IniError(`"${stripped}" comes before any [section] header`, lineNo);

    const option = OPTION_RE.exec(stripped);
    if (!option?.groups || option.groups.key === "") {
      throw new IniError(`"${stripped}" is neither a [section] header nor a "key = value" line`, lineNo);
    }
    const key = (option.groups.key as string).trim().toLowerCase();
    if (current.has(key)) throw new IniError(`key "${key}" appears twice in its section`, lineNo);
    current.set(key, option.groups.value as string);
    lastKey = key;
    lastIndent = indent;
  });

  for (const values of sections.values()) {
    for (const [key, value] of values) values.set(key, value.replace(/\n+$/, ""));
  }
  return sections;
}

/** `%(name)s` replaced by the named key's value (interpolated in turn), `%%` by `%`. */
function interpolate(lookup: Lookup, section: string, key: string, value: string, depth: number): string {
  if (depth > MAX_INTERPOLATION_DEPTH) {
    throw new IniError(`value of "${key}" in [${section}] refers to itself through %(...)s too deeply`);
  }
  let result = "";
  let rest = value;
  while (rest.length > 0) {
    const at = rest.indexOf("%");
    if (at < 0) {
      result += rest;
      break;
    }
    result += rest.slice(0, at);
    rest = rest.slice(at);
    if (rest.startsWith("%%")) {
      result += "%";
      rest = rest.slice(2);
      continue;
    }
    const ref = /^%\((?<name>[^)]+)\)s/.exec(rest);
    if (!ref?.groups) {
      throw new IniError(
        `value of "${key}" in [${section}] has a lone "%": write "%%" for a literal percent sign (value: ${JSON.stringify(value)})`,
      );
    }
    const name = (ref.groups.name as string).toLowerCase();
    const referenced = lookup(section, name);
    if (referenced === undefined) {
      throw new IniError(`value of "${key}" in [${section}] refers to %(${name})s, which is not set`);
    }
    result += interpolate(lookup, section, name, referenced, depth + 1);
    rest = rest.slice(ref[0].length);
  }
  return result;
}
