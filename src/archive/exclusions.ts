/**
 * The built-in path rules of upload and download (C52, C85, C86, C112;
 * docs/compatibility.md#upload and #download), which the user's patterns never
 * override.
 *
 * The Nextstrain CLI tests these lists with Python's PurePath.match
 * (3.11): the pattern is compared with the path from the right, one component
 * at a time, with fnmatch rules inside a component (where `*` does match a
 * leading dot, and nothing is special about `**`); a trailing `/` in the
 * pattern is ignored. So `.git/` matches any entry named `.git` at any depth
 * but not the files inside it, and the lists mostly act through the
 * directory entries: the upload walk prunes an excluded directory, while the
 * download test only ever sees member names and so only drops members whose
 * last components are those names (`.snakemake/` but not
 * `.snakemake/locks/x`).
 *
 * On download we follow the lists' stated intent instead (docs/deviations.md):
 * nothing inside a `.git` directory, and nothing inside a `.snakemake`
 * directory other than its `log/`, `metadata/` and `storage/`, at any depth.
 * The tool's own working files (own-files.ts) are never uploaded or
 * downloaded.
 */

import { assert } from "../errors.js";
import { isOwnFileName } from "./own-files.js";

/** Never uploaded, from the build root or an overlay, at any depth, the root included (C52; S1). */
export const ALWAYS_EXCLUDED_FROM_UPLOAD: readonly string[] = [
  ".git/", // history may hold what must not leave the machine
  ".snakemake/", // local Snakemake state must not meet the remote one
  "environment*", // secrets usually live in environment.sh and friends
  "*.pyc",
  "__pycache__/",
];

/** Not extracted on download unless also included (C86); `environment*` is deliberately absent. */
export const EXCLUDED_FROM_DOWNLOAD: readonly string[] = [".git/", ".snakemake/", "*.pyc", "__pycache__/"];

/** Extracted on download even though excluded: Snakemake's logs, metadata and storage (C86). */
export const INCLUDED_IN_DOWNLOAD: readonly string[] = [
  ".snakemake/log/",
  ".snakemake/metadata/",
  ".snakemake/storage/",
];

/** A POSIX path split as PurePosixPath does: root (`/`, or `//` exactly) and non-empty, non-`.` parts. */
interface PureParts {
  readonly root: string;
  readonly parts: string[];
}

function pureParts(p: string): PureParts {
  const root = p.startsWith("/") ? (p.startsWith("//") && !p.startsWith("///") ? "//" : "/") : "";
  const parts = p.split("/").filter((part) => part !== "" && part !== ".");
  return { root, parts };
}

/**
 * A path as Python's str(PurePosixPath(p)) writes it: repeated and trailing
 * slashes and `.` components dropped, `.` for nothing. Zip member names are
 * seen this way before any test (`results/` is `results`, `./` is `.`).
 */
export function purePathString(p: string): string {
  const { root, parts } = pureParts(p);
  return root + parts.join("/") || ".";
}

/** A literal character in a regular expression with the "u" flag, outside brackets (strict about escapes). */
export function escapeRegExpChar(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? "\\" + char : char;
}

/** A literal character inside a bracket expression of a "u"-flag regular expression. */
export function escapeRegExpClassChar(char: string): string {
  return /[\\\]^[-]/.test(char) ? "\\" + char : char;
}

/** fnmatch.fnmatchcase's translation of one component pattern (Python 3.11). */
function fnmatchRegExp(pattern: string): RegExp {
  let source = "";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === "*") {
      if (chars[i - 1] !== "*") source += ".*";
    } else if (c === "?") source += ".";
    else if (c === "[") {
      const parsed = fnmatchBracket(chars, i + 1);
      if (parsed === undefined) source += "\\[";
      else {
        source += parsed.source;
        i = parsed.end;
      }
    } else source += escapeRegExpChar(c);
  }
  return new RegExp(`^(?:${source})$`, "su");
}

/**
 * A bracket expression starting at `start` (just past `[`): its regex and the
 * index of its `]`, or undefined when it is not closed (then `[` is literal).
 * Backslash is an ordinary character; a leading `!` negates; reversed ranges
 * match nothing.
 */
function fnmatchBracket(chars: string[], start: number): { source: string; end: number } | undefined {
  let j = start;
  if (chars[j] === "!") j++;
  if (chars[j] === "]") j++;
  while (j < chars.length && chars[j] !== "]") j++;
  if (j >= chars.length) return undefined;

  const negated = chars[start] === "!";
  const body = chars.slice(negated ? start + 1 : start, j);
  let items = "";
  for (let k = 0; k < body.length; k++) {
    const c = body[k] as string;
    const last = body[k + 2];
    if (body[k + 1] === "-" && last !== undefined) {
      if ((c.codePointAt(0) as number) <= (last.codePointAt(0) as number)) items += `${escapeRegExpClassChar(c)}-${escapeRegExpClassChar(last)}`;
      k += 2;
    } else items += escapeRegExpClassChar(c);
  }
  if (items === "") return { source: negated ? "." : "(?!)", end: j };
  return { source: `[${negated ? "^" : ""}${items}]`, end: j };
}

/** A PurePath.match pattern, parsed once: its root and one regex per component. */
interface CompiledPurePattern {
  readonly root: string;
  readonly parts: RegExp[];
}

const compiledPatterns = new Map<string, CompiledPurePattern>();

function compilePurePattern(pattern: string): CompiledPurePattern {
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    const { root, parts } = pureParts(pattern);
    assert(root !== "" || parts.length > 0, `empty path pattern '${pattern}'`);
    compiled = { root, parts: parts.map(fnmatchRegExp) };
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/** The path's components for matching: its root (if any) counts as the first one. */
function matchableParts(path: string): { root: string; parts: string[] } {
  const { root, parts } = pureParts(path);
  return { root, parts: root ? [root, ...parts] : parts };
}

function partsMatch(subject: { root: string; parts: string[] }, pattern: CompiledPurePattern): boolean {
  const { parts } = subject;
  if (pattern.root) {
    if (pattern.root !== subject.root || pattern.parts.length + 1 !== parts.length) return false;
  } else if (pattern.parts.length > parts.length) return false;
  const offset = parts.length - pattern.parts.length;
  return pattern.parts.every((re, i) => re.test(parts[offset + i] as string));
}

/**
 * Python 3.11 PurePosixPath(path).match(pattern): right-anchored,
 * component-wise, case-sensitive. A relative pattern matches the last
 * components of the path (the root `/` counts as a component, so a star
 * followed by `/b` matches `/b`); an absolute pattern must match the whole
 * path.
 */
export function purePathMatch(path: string, pattern: string): boolean {
  return partsMatch(matchableParts(path), compilePurePattern(pattern));
}

function matchesAny(path: string, patterns: readonly string[]): boolean {
  const subject = matchableParts(path);
  return patterns.some((pattern) => partsMatch(subject, compilePurePattern(pattern)));
}

/**
 * Whether a walked absolute path is never uploaded (C52): anything named
 * `.git`, `.snakemake`, `__pycache__`, `environment*` or `*.pyc`, the build
 * root or overlay root itself included (a build root named
 * `environment-study` uploads an empty archive [quirk, kept]); and the tool's
 * own working files (`.nextstrain-ts-*`).
 */
export function isAlwaysExcludedFromUpload(absPath: string): boolean {
  return matchesAny(absPath, ALWAYS_EXCLUDED_FROM_UPLOAD) || isOwnFileName(absPath.slice(absPath.lastIndexOf("/") + 1));
}

/**
 * A zip member name that must never be written locally (C85, C112; S1):
 * absolute, or with a `..` component (which is how every overlay member,
 * `../augur/…`, is named). Such members are skipped silently.
 */
export function isUnsafeMemberName(memberName: string): boolean {
  const { root, parts } = pureParts(memberName);
  return root !== "" || parts.includes("..");
}

/**
 * What the download does with one archive member before the change test:
 * "unsafe" (skipped silently), "not-selected" by the user's patterns,
 * "excluded" by the built-in lists, or "extract" (extracted if its CRC-32
 * differs from the local file's).
 */
export type MemberVerdict = "unsafe" | "not-selected" | "excluded" | "extract";

/**
 * The download decision of C86: a safe member
 * is extracted when `selected` (see downloadSelector) and (included or not
 * excluded), both lists matched right-anchored on the PurePath form of the
 * member name; and, beyond the lists, never when it lies inside `.git/` or
 * the job's own Snakemake state, or is one of the tool's working files.
 */
export function downloadVerdict(memberName: string, selected: (memberPath: string) => boolean): MemberVerdict {
  if (isUnsafeMemberName(memberName)) return "unsafe";
  const memberPath = purePathString(memberName);
  if (!selected(memberPath)) return "not-selected";
  if (insideGitOrSnakemakeState(memberPath) || isOwnFileName(memberPath.slice(memberPath.lastIndexOf("/") + 1))) return "excluded";
  if (matchesAny(memberPath, INCLUDED_IN_DOWNLOAD) || !matchesAny(memberPath, EXCLUDED_FROM_DOWNLOAD)) return "extract";
  return "excluded";
}

/** Snakemake state that is downloaded: the rest of a `.snakemake` directory is the job's own. */
const SNAKEMAKE_KEPT = new Set(["log", "metadata", "storage"]);

/**
 * Whether a member path lies inside a `.git` directory, or inside a
 * `.snakemake` directory but not in its `log/`, `metadata/` or `storage/`, at
 * any depth (the entries `.git` and `.snakemake` themselves are left to the
 * lists, which exclude them too).
 */
function insideGitOrSnakemakeState(memberPath: string): boolean {
  const parts = memberPath.split("/");
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i] === ".git") return true;
    if (parts[i] === ".snakemake" && !SNAKEMAKE_KEPT.has(parts[i + 1] as string)) return true;
  }
  return false;
}
