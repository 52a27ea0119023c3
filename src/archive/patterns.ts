/**
 * The user's path patterns: `--download` / `--exclude-from-download`
 * (C24-C27) and `--exclude-from-upload` (C28); docs/compatibility.md#path-patterns.
 *
 * The Nextstrain CLI matches these with Python wcmatch's `globmatch` and the
 * flags GLOBSTAR | BRACE | EXTGLOB | MATCHBASE | NEGATE | NEGATEALL (plus
 * REALPATH relative to the build root on upload). Users' existing command lines
 * must select the same files, so this module reproduces that engine's
 * translation of a pattern into a regular expression, quirks included:
 *
 *  - braces expand first (bash style), each expansion is a pattern of its own;
 *  - an expansion starting with `!` (but not `!(`) is a negated pattern; a
 *    path is selected when it matches a positive pattern and no negated one;
 *    a list of only negated patterns gets an implicit `**` (NEGATEALL);
 *  - `*`, `?`, `[...]` stay within one path component, `**` alone as a
 *    component spans components (GLOBSTAR);
 *  - a pattern without `/` matches at any depth (MATCHBASE): it is prefixed
 *    with a separate `**`, which is why `**` selects `x/.hidden` (the prefix
 *    takes `x/`, the pattern's own `**` may then start at `.hidden`) but not
 *    `.snakemake/log/x` (neither may start the path with a dot);
 *  - in positive patterns wildcards do not match a leading dot (a `**` may not
 *    cross a `/.`), in negated ones they do (wcmatch adds DOTMATCH to them);
 *    neither ever matches the components `.` and `..`;
 *  - extglob `@(…)`, `*(…)`, `+(…)`, `?(…)`, `!(…)`; a `!(…)` looks ahead to
 *    the end of its path component;
 *  - with REALPATH a directory is matched with a trailing `/`, so `results/`
 *    and `results/**` match the directory `results` itself.
 *
 * Why not picomatch (docs/dependencies.md#picomatch-and-minimatch): on the vectors it
 * answers differently for `x/.hidden` vs `**`, `.snakemake/log/x` vs `**`,
 * `.json` vs `*.json` and `results` vs `results/**`, and these differences sit
 * in its core (dot handling, globstar), not in options we could layer on top.
 * The translator below is written from wcmatch 11.0.1's documented and
 * observed behaviour; test/unit/archive/ holds the vectors it was checked on.
 * Windows (backslash separators, case-insensitive matching) is not handled.
 */

import path from "node:path";
import { UserError } from "../errors.js";
import {
  escapeRegExpChar as escapeLiteral,
  escapeRegExpClassChar as escapeInClass,
  isAlwaysExcludedFromUpload,
  purePathString,
} from "./exclusions.js";

/**
 * How one pattern is translated. (REALPATH changes the subject, not the
 * pattern: a directory is tested with a trailing `/`. Subjects are always
 * relative, so its guard against rooted paths never matters here.)
 */
interface TranslateOptions {
  /** Wildcards may match a leading dot (negated patterns). */
  readonly dot: boolean;
}

/** A pattern that cannot be used; validatePattern turns it into a UserError. */
class InvalidPatternError extends Error {}

// Regular-expression pieces. Flags "su": `.` matches any code point.
const SEP = "\\/";
const SEP_RUN = "\\/+";
/** The component starting here is not `.` or `..`. */
const NOT_DOT_DIR = "(?!(?:(?<=\\/)|(?<=^))\\.{1,2}(?:$|\\/))";
const STAR = "[^/]*?";
const STAR_AT_START_DOT = NOT_DOT_DIR + STAR;
/** Note the optional group: a star may match nothing before a literal dot, so `*.json` matches `.json`. */
const STAR_AT_START_NO_DOT = NOT_DOT_DIR + "(?:(?!\\.)[^/]*?)?";
const GLOBSTAR_DOT = "(?:(?!(?:\\/|^)\\.{1,2}(?:$|\\/)).)*?";
/** A globstar never takes a `/` that is followed by a dot, nor a dot at the very start. */
const GLOBSTAR_NO_DOT = "(?:(?!(?:\\/|^)\\.).)*?";
const NEED_CHAR = "(?=[^/])";
const NEED_SEP = "(?=\\/)";
const GLOBSTAR_DIV = "(?:^|$|\\/)+";
const END_OF_COMPONENT = "(?:$|\\/)";
const TRAILING_SEPS = "\\/*?";
const NOT_SEP = "(?!\\/)";
const NOT_SEP_OR_DOT = "(?![/.])";
const GROUP_NO_LEADING_DOT = "(?!(?:(?<=\\/)|(?<=^))\\.)";

const EXTGLOB_TYPES = new Set(["@", "*", "+", "?", "!"]);

/** Bracket-expression character classes, as wcmatch spells them (ASCII only). */
const POSIX_CLASSES: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t-\\r ",
  upper: "A-Z",
  word: "0-9A-Z_a-z",
  xdigit: "0-9A-Fa-f",
};
const POSIX_CLASS = /\[:(alnum|alpha|ascii|blank|cntrl|digit|graph|lower|print|punct|space|upper|word|xdigit):\]/y;

/** The code point a bracket-expression token stands for (`a` or `\a`). */
function tokenCodePoint(token: string): number {
  const char = token.length > 1 && token.startsWith("\\") ? token.slice(1) : token;
  return char.codePointAt(0) as number;
}

/** A character-by-character reader over a pattern. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  next(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    const char = String.fromCodePoint(this.text.codePointAt(this.pos) as number);
    this.pos += char.length;
    return char;
  }
  peek(): string | undefined {
    const saved = this.pos;
    const char = this.next();
    this.pos = saved;
    return char;
  }
}

/** Thrown inside a bracket expression or extglob group that turns out not to be one. */
class NotAGroup extends Error {}

/** Placeholder for the closing part of a `!(…)` group, filled in once what follows it is known. */
class InversePlaceholder {
  constructor(readonly star: string) {}
}

/**
 * Left by a group that is the only content of its parent group and merges
 * into it: the parent takes this kind instead (`!(!(a))` is `@(a)`).
 */
class PromoteMarker {
  constructor(readonly kind: string) {}
}

/** Which kind a parent group takes when its only content is a group of a given kind. */
const PROMOTIONS: Record<string, Record<string, string>> = {
  "@": { "?": "?", "*": "*", "+": "+", "!": "!" },
  "?": { "@": "?", "*": "*", "+": "*" },
  "*": { "@": "*" },
  "+": { "@": "+", "?": "*", "*": "*" },
  "!": { "@": "!", "!": "@" },
};

type Piece = string | InversePlaceholder | PromoteMarker;

function need(cursor: Cursor): string {
  const char = cursor.next();
  if (char === undefined) throw new NotAGroup();
  return char;
}

/** Translates one (brace-expanded, un-negated) pattern into the body of a regular expression. */
class Translator {
  private matchBase = true;
  private extglob = true;
  private dirStart = false;
  private afterStart = false;
  private inList = false;
  private inverseCount = 0;
  private inverseNested = false;
  private emptySlot = false;
  private badSequence = -1;
  private matchDotDir = false;

  constructor(private readonly options: TranslateOptions) {}

  translate(pattern: string): string {
    const prefix: Piece[] = [""];
    let body: Piece[] = [""];
    this.root("**", prefix); // the MATCHBASE prefix, used if the pattern turns out to have no `/`
    const text = pattern === "\\" ? "" : pattern;
    if (text) this.root(text, body);
    if (text && this.matchBase) body = [...prefix, ...body];
    return body.join("");
  }

  private setAfterStart(): void {
    this.afterStart = true;
    this.dirStart = false;
  }

  private setStartDir(): void {
    this.dirStart = true;
    this.afterStart = false;
  }

  private resetDirTrack(): void {
    this.dirStart = false;
    this.afterStart = false;
  }

  /** Advance the "first character of a component" tracking by one character. */
  private updateDirState(): void {
    if (this.dirStart && !this.afterStart) this.setAfterStart();
    else if (!this.dirStart && this.afterStart) this.resetDirTrack();
  }

  /** The guard in front of a `?` or bracket expression. */
  private restrictSequence(): string {
    let value: string;
    if (this.afterStart && !this.options.dot) value = this.inList ? GROUP_NO_LEADING_DOT : NOT_SEP_OR_DOT;
    else value = NOT_SEP;
    if (this.afterStart) value = NOT_DOT_DIR + value;
    this.resetDirTrack();
    return value;
  }

  private root(pattern: string, out: Piece[]): void {
    this.setAfterStart();
    const cursor = new Cursor(pattern);
    if (pattern.startsWith("/")) this.matchBase = false;

    for (let c = cursor.next(); c !== undefined; c = cursor.next()) {
      if (this.extglob && EXTGLOB_TYPES.has(c) && this.extGroup(c, cursor, out, true, "")) {
        this.updateDirState();
        continue;
      }
      if (c === ".") out.push("\\.");
      else if (c === "*") this.star(cursor, out);
      else if (c === "?") out.push(this.restrictSequence() + ".");
      else if (c === "/") {
        this.setStartDir();
        this.closeInverse(out, false);
        out.push(SEP_RUN);
        this.skipSeparators(cursor);
        this.matchBase = false;
      } else if (c === "\\") {
        const start = cursor.pos;
        const escaped = this.escapeOutsideClass(cursor);
        if (escaped === "dot") continue;
        if (escaped === undefined) {
          cursor.pos = start; // a trailing backslash escapes nothing and is dropped
        } else {
          if (this.dirStart) {
            this.closeInverse(out, false);
            this.skipSeparators(cursor);
            this.matchBase = false;
          }
          out.push(escaped);
        }
      } else if (c === "[" && (this.badSequence === -1 || cursor.pos > this.badSequence)) {
        out.push(this.bracketOrLiteral(cursor));
      } else out.push(escapeLiteral(c));
      this.updateDirState();
    }
    this.closeInverse(out, false);
    out.push(TRAILING_SEPS);
  }

  /** A bracket expression, or a literal `[` when it is not one. */
  private bracketOrLiteral(cursor: Cursor): string {
    const start = cursor.pos;
    try {
      return this.bracket(cursor);
    } catch (error) {
      if (!(error instanceof NotAGroup)) throw error;
      this.badSequence = cursor.pos;
      cursor.pos = start;
      return "\\[";
    }
  }

  /**
   * The character after a backslash outside a bracket expression: the regex
   * for it, "dot" for `\.` (the dot is then read again as a plain dot), or
   * undefined at the end of the pattern.
   */
  private escapeOutsideClass(cursor: Cursor): string | "dot" | undefined {
    const c = cursor.next();
    if (c === undefined) return undefined;
    if (c === "\\") return "\\\\";
    if (c === "/") {
      if (this.inList) return NOT_SEP + SEP;
      this.setStartDir();
      return SEP_RUN;
    }
    if (c === ".") {
      cursor.pos -= 1;
      return "dot";
    }
    return escapeLiteral(c);
  }

  private skipSeparators(cursor: Cursor): void {
    while (cursor.peek() === "/") cursor.next();
  }

  private star(cursor: Cursor, out: Piece[]): void {
    const { dot } = this.options;
    const atStart = this.afterStart;
    let star: string;
    let globstar: string;
    if (atStart && !dot) {
      star = STAR_AT_START_NO_DOT;
      globstar = GLOBSTAR_NO_DOT;
    } else if (atStart) {
      star = STAR_AT_START_DOT;
      globstar = GLOBSTAR_DOT;
    } else {
      star = STAR;
      globstar = GLOBSTAR_DOT;
    }

    let isGlobstar = false;
    if (atStart && !this.inList && cursor.peek() === "*") {
      cursor.next();
      const afterStars = cursor.pos;
      const c = cursor.next();
      if (c === undefined) isGlobstar = true;
      else if (c === "/") {
        isGlobstar = true;
        this.matchBase = false;
      } else if (c === "\\") {
        const escaped = cursor.next();
        if (escaped === undefined) isGlobstar = true;
        else if (escaped === "/") {
          isGlobstar = true;
          this.matchBase = false;
        }
      }
      if (!isGlobstar) cursor.pos = afterStars;
    }

    this.resetDirTrack();
    if (!isGlobstar) {
      // At the start of a component a star needs the component to be non-empty.
      out.push(atStart ? NEED_CHAR + star : star);
      while (cursor.peek() === "*") cursor.next();
      return;
    }
    // Consecutive globstars collapse into one.
    if (out[out.length - 1] !== GLOBSTAR_DIV) {
      if (out[out.length - 1] === "") out[out.length - 1] = globstar;
      else {
        out[out.length - 1] = NEED_SEP;
        out.push(globstar);
      }
      this.skipSeparators(cursor);
      out.push(GLOBSTAR_DIV);
    }
    this.setStartDir();
  }

  /**
   * A bracket expression `[...]`; the cursor is just past the `[`. Reversed
   * ranges are dropped; a `/` inside, or no closing `]`, means it is not one
   * (NotAGroup).
   */
  private bracket(cursor: Cursor): string {
    const tokens: string[] = ["["];
    let endRange = 0;
    let escapeHyphen = -1;
    let removed = false;
    let lastPosix = false;

    let c = need(cursor);
    if (c === "!" || c === "^") {
      tokens.push("^");
      c = need(cursor);
    }
    if (c === "[") {
      lastPosix = this.posixClass(cursor, tokens, 0);
      if (!lastPosix) tokens.push(escapeInClass(c));
      c = need(cursor);
    } else if (c === "-" || c === "]") {
      tokens.push(escapeInClass(c));
      c = need(cursor);
    }

    /** Close the open range with `last`; a reversed range is dropped. */
    const closeRange = (last: string): void => {
      const first = tokens[tokens.length - 2] as string;
      if (tokenCodePoint(last) < tokenCodePoint(first)) {
        tokens.splice(-2, 2);
        removed = true;
      } else tokens.push(last);
    };

    while (c !== "]") {
      // A hyphen opens a range unless it follows a class or directly follows
      // a range's end: `[a-c-e]` is the range a-c, a literal `-` and `e`.
      if (c === "-") {
        if (lastPosix) {
          tokens.push("\\-");
          lastPosix = false;
        } else if (cursor.pos - 1 > escapeHyphen) {
          tokens.push("-");
          escapeHyphen = cursor.pos + 1;
          endRange = cursor.pos;
        } else if (endRange && cursor.pos - 1 >= endRange) {
          closeRange("\\-");
          endRange = 0;
        } else tokens.push("\\-");
        c = need(cursor);
        continue;
      }
      lastPosix = false;
      if (c === "[") {
        lastPosix = this.posixClass(cursor, tokens, endRange);
        if (lastPosix) {
          c = need(cursor);
          continue;
        }
      }
      let value: string;
      if (c === "\\") {
        const escaped = need(cursor);
        if (escaped === "/") throw new NotAGroup();
        value = escapeInClass(escaped);
      } else if (c === "/") throw new NotAGroup();
      else value = c;

      if (endRange && cursor.pos - 1 >= endRange) {
        closeRange(value);
        endRange = 0;
      } else tokens.push(value);
      c = need(cursor);
    }

    tokens.push("]");
    let bracket = tokens.join("");
    if (removed && bracket === "[]") bracket = "(?!)";
    else if (removed && bracket === "[^]") bracket = "[\\s\\S]";
    return this.restrictSequence() + bracket;
  }

  /** `[:name:]` inside a bracket expression; the cursor is just past its `[`. */
  private posixClass(cursor: Cursor, tokens: string[], endRange: number): boolean {
    POSIX_CLASS.lastIndex = cursor.pos - 1;
    const match = POSIX_CLASS.exec(cursor.text);
    if (!match) return false;
    cursor.pos = POSIX_CLASS.lastIndex;
    // A class cannot end a range: the hyphen before it is literal.
    if (endRange && cursor.pos - 1 >= endRange) tokens[tokens.length - 1] = "\\" + tokens[tokens.length - 1];
    tokens.push(POSIX_CLASSES[match[1] as string] as string);
    return true;
  }

  /**
   * An extglob group; `type` was just read and the cursor points at what
   * should be its `(`. Returns false (cursor unchanged) when it is not a
   * complete group; extglob is then off for the rest of the pattern, as in
   * wcmatch.
   */
  private extGroup(type: string, cursor: Cursor, out: Piece[], resetDot: boolean, parent: string): boolean {
    const start = cursor.pos;
    if (cursor.peek() !== "(") return false;
    cursor.next();

    const saved = {
      emptySlot: this.emptySlot,
      badSequence: this.badSequence,
      dirStart: this.dirStart,
      afterStart: this.afterStart,
      inList: this.inList,
      inverseCount: this.inverseCount,
      inverseNested: this.inverseNested,
    };
    this.emptySlot = false;
    this.inList = true;
    this.inverseNested = type === "!";
    if (resetDot) this.matchDotDir = false;

    let success = true;
    const inner: Piece[] = [];
    try {
      let c = "";
      while (c !== ")") {
        c = need(cursor);
        if (!this.extglob) throw new NotAGroup();
        if (EXTGLOB_TYPES.has(c) && this.extGroup(c, cursor, inner, false, type)) continue;

        if (c === "*") this.star(cursor, inner);
        else if (c === ".") {
          inner.push("\\.");
          if (this.afterStart) {
            this.matchDotDir = this.options.dot;
            this.resetDirTrack();
          }
        } else if (c === "?") inner.push(this.restrictSequence() + ".");
        else if (c === "/") inner.push(NOT_SEP, SEP); // can never match: groups stay within a component
        else if (c === "|") {
          this.addSlot(cursor, inner);
          if (saved.afterStart) this.setStartDir();
        } else if (c === "\\") {
          const escaped = this.escapeOutsideClass(cursor);
          if (escaped === "dot") continue;
          if (escaped !== undefined) inner.push(escaped);
        } else if (c === "[" && (this.badSequence === -1 || cursor.pos > this.badSequence)) {
          inner.push(this.bracketOrLiteral(cursor));
        } else if (c !== ")") inner.push(escapeLiteral(c));
        this.updateDirState();
      }

      if (inner.length > 1 && inner[inner.length - 1] === "|" && inner[inner.length - 2] === "|") inner.pop();
      let kind = type;
      const last = inner[inner.length - 1];
      if (last instanceof PromoteMarker) {
        inner.pop();
        kind = last.kind;
        this.inverseNested = kind === "!";
      }
      const onlyChild = parent !== "" && out.length === 0 && cursor.peek() === ")";
      const promoted = onlyChild ? PROMOTIONS[parent]?.[kind] : undefined;
      if (promoted !== undefined) out.push(...inner, new PromoteMarker(promoted));
      else {
        this.finishGroup(kind, inner.join(""), saved.afterStart, out);
        if (saved.inList) this.closeInverse(out, saved.inverseNested && this.inverseNested);
      }
    } catch (error) {
      if (!(error instanceof NotAGroup)) throw error;
      success = false;
      cursor.pos = start;
      this.extglob = false;
      this.inverseCount = saved.inverseCount;
      this.badSequence = saved.badSequence;
      this.dirStart = saved.dirStart;
      this.afterStart = saved.afterStart;
    }
    this.inList = saved.inList;
    this.inverseNested = saved.inverseNested;
    this.emptySlot = saved.emptySlot;
    if (success) this.resetDirTrack();
    return success;
  }

  /** Append a finished group of `kind` around `content`. */
  private finishGroup(kind: string, content: string, atStart: boolean, out: Piece[]): void {
    if (kind === "?") out.push(`(?:${content})?`);
    else if (kind === "*") out.push(`(?:${content})*`);
    else if (kind === "+") out.push(`(?:${content})+`);
    else if (kind === "@") out.push(`(?:${content})`);
    else {
      this.inverseCount += 1;
      out.push(`(?:(?!(?:${content})`);
      let star: string;
      if (!atStart || this.matchDotDir) star = STAR;
      else if (!this.options.dot) star = STAR_AT_START_NO_DOT;
      else star = STAR_AT_START_DOT;
      out.push(new InversePlaceholder(atStart ? NEED_CHAR + star : star));
    }
  }

  /** A `|` inside a group: runs of empty alternatives count once. */
  private addSlot(cursor: Cursor, inner: Piece[]): void {
    if (inner.length === 0 || inner[inner.length - 1] === "|") {
      if (!this.emptySlot) {
        inner.push("|");
        this.emptySlot = true;
      }
    } else inner.push("|");
    let more = false;
    while (cursor.peek() === "|") {
      cursor.next();
      more = true;
    }
    if (more && !this.emptySlot) {
      inner.push("|");
      this.emptySlot = true;
    }
  }

  /**
   * Fill in pending `!(…)` placeholders: the negative lookahead must see
   * everything that follows the group up to the end of the component.
   */
  private closeInverse(out: Piece[], nested: boolean): void {
    if (!this.inverseCount) return;
    for (let index = out.length - 1; index >= 0; index--) {
      const piece = out[index];
      if (!(piece instanceof InversePlaceholder)) continue;
      const rest = out.slice(index + 1).join("") + (nested ? "" : END_OF_COMPONENT);
      out[index] = `${rest})${piece.star})`;
    }
    this.inverseCount = 0;
  }
}

/** At most this many patterns may come out of one pattern's braces (wcmatch's limit). */
const EXPANSION_LIMIT = 1000;

const SEQUENCE = /^(?:(-?\d+)\.\.(-?\d+)|([A-Za-z])\.\.([A-Za-z]))(?:\.\.(-?\d+))?$/;

/** Index of the `}` closing the `{` at `open`, skipping escapes; -1 when unclosed. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

/** Split a brace body on its top-level commas (escapes kept). */
function topLevelAlternatives(body: string): string[] {
  const alternatives: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      alternatives.push(body.slice(start, i));
      start = i + 1;
    }
  }
  alternatives.push(body.slice(start));
  return alternatives;
}

/** The items of a `{1..10..2}` or `{a..e}` sequence body; undefined when it is not one. */
function sequenceItems(body: string): string[] | undefined {
  const match = SEQUENCE.exec(body);
  if (!match) return undefined;
  const step = Math.abs(Number(match[5] ?? 1)) || 1;
  const numeric = match[1] !== undefined;
  const [first, last] = numeric ? [match[1] as string, match[2] as string] : [match[3] as string, match[4] as string];
  const from = numeric ? Number(first) : first.charCodeAt(0);
  const to = numeric ? Number(last) : last.charCodeAt(0);
  if (Math.abs(to - from) / step >= EXPANSION_LIMIT) throw new InvalidPatternError(`it expands to more than ${EXPANSION_LIMIT} patterns`);
  // Zero padding when either end is written with a leading zero, as bash does.
  const padded = numeric && [first, last].some((end) => /^-?0\d/.test(end));
  const width = padded ? Math.max(first.length, last.length) : 0;
  const format = (n: number): string => {
    if (!numeric) return String.fromCharCode(n);
    const digits = String(Math.abs(n)).padStart(width - (n < 0 ? 1 : 0), "0");
    return (n < 0 ? "-" : "") + digits;
  };
  const items: string[] = [];
  const direction = to >= from ? 1 : -1;
  for (let n = from; direction > 0 ? n <= to : n >= to; n += direction * step) items.push(format(n));
  return items;
}

/** The first brace expression that expands: its bounds and what it expands to. */
function firstBraceExpression(text: string): { open: number; close: number; items: string[] } | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c !== "{" || text[i - 1] === "$") continue;
    const close = closingBrace(text, i);
    if (close < 0) continue;
    const body = text.slice(i + 1, close);
    const alternatives = topLevelAlternatives(body);
    const items = alternatives.length > 1 ? alternatives : sequenceItems(body);
    if (items) return { open: i, close, items };
  }
  return undefined;
}

/**
 * Bash-style brace expansion as wcmatch does it before anything else:
 * `{a,b}`, nesting, `{1..3}`, `{a..e..2}`; escapes are kept for the glob
 * parser; `${…}` and braces without a comma are literal; empty results are
 * dropped (all empty gives one empty pattern).
 */
export function expandBraces(pattern: string): string[] {
  const results: string[] = [];
  const pending = [pattern];
  while (pending.length > 0) {
    const text = pending.pop() as string;
    const found = firstBraceExpression(text);
    if (!found) {
      results.push(text);
      if (results.length > EXPANSION_LIMIT) throw new InvalidPatternError(`it expands to more than ${EXPANSION_LIMIT} patterns`);
      continue;
    }
    const prefix = text.slice(0, found.open);
    const suffix = text.slice(found.close + 1);
    for (let i = found.items.length - 1; i >= 0; i--) pending.push(prefix + (found.items[i] as string) + suffix);
  }
  const nonEmpty = results.filter((result) => result !== "");
  return nonEmpty.length > 0 ? nonEmpty : [""];
}

/** One compiled pattern list: paths are selected by `include` and not `exclude`. */
interface CompiledList {
  readonly include: RegExp[];
  readonly exclude: RegExp[];
}

function compileOne(pattern: string, options: TranslateOptions): RegExp {
  const body = new Translator(options).translate(pattern);
  try {
    return new RegExp(`^(?:${body})$`, "su");
  } catch (error) {
    throw new InvalidPatternError(`it is not a valid pattern (${(error as Error).message})`);
  }
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
      if (isNegated(expanded)) exclude.push(compileOne(expanded.slice(1), { dot: true }));
      else include.push(compileOne(expanded, { dot: false }));
    }
  }
  // NEGATEALL: only negated patterns mean "everything (as `**` sees it) but these".
  if (exclude.length > 0 && include.length === 0) include.push(compileOne("**", { dot: false }));
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
