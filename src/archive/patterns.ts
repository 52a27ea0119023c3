/**
 * The user's path patterns: `--download` / `--exclude-from-download`
 * (C24-C27) and `--exclude-from-upload` (C28); docs/compatibility.md#path-patterns.
 *
 * The Nextstrain CLI matches these with Python wcmatch's `globmatch` and the
 * flags GLOBSTAR | BRACE | EXTGLOB | MATCHBASE | NEGATE | NEGATEALL (plus
 * REALPATH relative to the build root on upload). Users' existing command lines
 * must select the same files, so this code reproduces that engine, quirks
 * included: braces expand first (braces.ts), each expansion is
 * a pattern of its own, translated into a regular expression as wcmatch does
 * (glob-translate.ts); this module puts them together:
 *
 *  - an expansion starting with `!` (but not `!(`) is a negated pattern; a
 *    path is selected when it matches a positive pattern and no negated one;
 *    a list of only negated patterns gets an implicit `**` (NEGATEALL);
 *  - with REALPATH a directory is matched with a trailing `/`, so `results/`
 *    and `results/**` match the directory `results` itself.
 *
 * Why not picomatch (docs/dependencies.md#picomatch-and-minimatch): on the vectors it
 * answers differently for `x/.hidden` vs `**`, `.snakemake/log/x` vs `**`,
 * `.json` vs `*.json` and `results` vs `results/**`, and these differences sit
 * in its core (dot handling, globstar), not in options we could layer on top.
 * The translation is written from wcmatch 11.0.1's documented and observed
 * behaviour; test/unit/archive/ holds the vectors it was checked on.
 * Windows (backslash separators, case-insensitive matching) is not handled.
 */

import path from "node:path";
import { UserError } from "../errors.js";
import { expandBraces } from "./braces.js";
import { isAlwaysExcludedFromUpload, purePathString } from "./exclusions.js";
import { InvalidPatternError } from "./glob-syntax.js";
import { globRegExp } from "./glob-translate.js";

/** One compiled pattern list: paths are selected by `include` and not `exclude`. */
interface CompiledList {
  readonly include: RegExp[];
  readonly exclude: RegExp[];
}

/** `!x` is a negated pattern; `!(x)` is an extglob group. */
function isNegated(pattern: string): boolean {
  return pattern.startsWith("!") && pattern[1] !== "(";
}

function compileList(patterns: readonly string[]): CompiledList {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const pattern of patterns) {
    for (const expanded of expandBraces(pattern)) {
      if (isNegated(expanded)) exclude.push(globRegExp(expanded.slice(1), { dot: true }));
      else include.push(globRegExp(expanded, { dot: false }));
    }
  }
  // NEGATEALL: only negated patterns mean "everything (as `**` sees it) but these".
  if (exclude.length > 0 && include.length === 0) include.push(globRegExp("**", { dot: false }));
  return { include, exclude };
}

function listMatches(list: CompiledList, subject: string): boolean {
  return list.include.some((re) => re.test(subject)) && !list.exclude.some((re) => re.test(subject));
}

/**
 * Check one pattern as the user typed it, before anything is uploaded.
 * `flag` names the option it came from (e.g. "--exclude-from-download"),
 * for the message. Almost every string is a valid pattern (a malformed
 * bracket or group is taken literally); what fails is a brace expansion
 * beyond 1000 patterns.
 */
export function validatePattern(flag: string, pattern: string): void {
  try {
    compileList([pattern]);
  } catch (error) {
    if (!(error instanceof InvalidPatternError)) throw error;
    throw new UserError(
      `The ${flag} pattern '${pattern}' cannot be used: ${error.message}.`,
      `Change or remove that ${flag} option; several simpler patterns can replace one large {…} expansion.`,
    );
  }
}

/** The --download value: true (the default, everything) or the ordered pattern list (C24). */
export type DownloadSpec = true | readonly string[];

/**
 * Which archive members the download patterns select (C24-C27).
 *
 * `spec` is the ordered list built from `--download P` (as `P`) and
 * `--exclude-from-download P` (as `!P`), or true for everything. The
 * returned predicate takes a zip member name relative to the build root; a
 * trailing `/` (directory member) is dropped and the name is normalized as
 * Python's PurePath does, so `results/` is tested as `results` and `./` as `.`.
 * The patterns must have passed validatePattern.
 */
export function downloadSelector(spec: DownloadSpec): (memberPath: string) => boolean {
  if (spec === true) return () => true;
  const list = compileList(spec);
  return (memberPath) => listMatches(list, purePathString(memberPath));
}

/** `target` relative to `root` with `/` separators, or undefined when it is not inside it. */
function relativeInside(root: string, target: string): string | undefined {
  const relative = path.relative(root, target);
  if (relative === ".." || relative.startsWith(".." + path.sep) || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join("/");
}

/**
 * What must not be uploaded from the build root: the built-in exclusions
 * (C52, always, whatever the patterns say: S1) or a match of the
 * `--exclude-from-upload` patterns (C28).
 *
 * The predicate takes a walked absolute path and whether it is a directory
 * (following symlinks, as the walk descends into it); a directory that is
 * excluded is pruned with everything under it. As in the Nextstrain CLI
 * (wcmatch REALPATH), a path is resolved with `realpath` and matched relative
 * to the resolved build root, and a directory is matched with a trailing
 * `/`: `results`, `results/` and `results/**` all exclude the directory
 * `results`. The build root itself is tested as `./`, which no wildcard
 * matches. `realpath` is only called when there are patterns.
 *
 * Deliberate deviation: where the Nextstrain CLI crashes (a symlink inside
 * the build root that resolves outside it, or one that does not resolve),
 * the path is matched by its place in the tree (its lexical path relative to
 * the build root), which is also the name it gets in the archive.
 *
 * The patterns must have passed validatePattern. Not for overlays (C29):
 * those are walked with isAlwaysExcludedFromUpload alone.
 */
export function uploadExcluder(
  patterns: readonly string[],
  buildRoot: string,
  realpath: (p: string) => string,
): (absPath: string, isDirectory: boolean) => boolean {
  if (patterns.length === 0) return (absPath) => isAlwaysExcludedFromUpload(absPath);
  const list = compileList(patterns);
  const lexicalRoot = path.resolve(buildRoot);
  const realRoot = tryRealpath(realpath, lexicalRoot) ?? lexicalRoot;
  return (absPath, isDirectory) => {
    if (isAlwaysExcludedFromUpload(absPath)) return true;
    const lexical = path.resolve(absPath);
    const resolved = tryRealpath(realpath, lexical);
    const relative =
      (resolved === undefined ? undefined : relativeInside(realRoot, resolved)) ?? relativeInside(lexicalRoot, lexical);
    if (relative === undefined) return false;
    return listMatches(list, (relative || ".") + (isDirectory ? "/" : ""));
  };
}

function tryRealpath(realpath: (p: string) => string, p: string): string | undefined {
  try {
    return realpath(p);
  } catch {
    return undefined;
  }
}
