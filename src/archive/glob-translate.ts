/**
 * One path pattern translated into a regular expression as Python wcmatch
 * 11.0.1's `globmatch` translates it, with the flags the Nextstrain CLI uses
 * (GLOBSTAR | BRACE | EXTGLOB | MATCHBASE, DOTMATCH for negated patterns;
 * C26), quirks included. The pattern has had its braces expanded
 * (braces.ts) and its leading `!` removed (patterns.ts):
 *
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
 *  - bracket expressions as glob-bracket.ts reads them.
 *
 * Written from wcmatch's documented and observed behaviour; the vectors it
 * was checked on are in test/unit/archive/patterns.test.ts.
 */
import { escapeRegExpChar as escapeLiteral } from "./exclusions.js";
import { bracketExpression } from "./glob-bracket.js";
import { addSlot, fillInverse, groupPiece, inverseGroup, type Piece, promotion, PromoteMarker } from "./glob-groups.js";
import { Cursor, InvalidPatternError, need, NotAGroup } from "./glob-syntax.js";
import { GLOBSTAR_DIV, GLOBSTAR_DOT, GLOBSTAR_NO_DOT, GROUP_NO_LEADING_DOT, NEED_CHAR, NEED_SEP, NOT_DOT_DIR } from "./glob-syntax.js";
import { NOT_SEP, NOT_SEP_OR_DOT, SEP, SEP_RUN, STAR, STAR_AT_START_DOT, STAR_AT_START_NO_DOT, TRAILING_SEPS } from "./glob-syntax.js";

/**
 * How one pattern is translated. (REALPATH changes the subject, not the
 * pattern: a directory is tested with a trailing `/`. Subjects are always
 * relative, so its guard against rooted paths never matters here.)
 */
export interface TranslateOptions {
  /** Wildcards may match a leading dot (negated patterns). */
  readonly dot: boolean;
}

const EXTGLOB_TYPES = new Set(["@", "*", "+", "?", "!"]);

/** The translator's state when a group opens, restored when it closes or turns out not to be a group. */
interface GroupContext {
  readonly emptySlot: boolean;
  readonly badSequence: number;
  readonly dirStart: boolean;
  readonly afterStart: boolean;
  readonly inList: boolean;
  readonly inverseCount: number;
  readonly inverseNested: boolean;
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
      const expression = bracketExpression(cursor);
      return this.restrictSequence() + expression;
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
   * An extglob group; `type` was just read and the cursor points at what
   * should be its `(`. Returns false (cursor unchanged) when it is not a
   * complete group; extglob is then off for the rest of the pattern, as in
   * wcmatch.
   */
  private extGroup(type: string, cursor: Cursor, out: Piece[], resetDot: boolean, parent: string): boolean {
    const start = cursor.pos;
    if (cursor.peek() !== "(") return false;
    cursor.next();

    const saved: GroupContext = {
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
    try {
      const inner = this.groupContent(type, cursor, saved.afterStart);
      this.placeGroup(type, parent, cursor, inner, out, saved);
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

  /** What a group holds, up to and including its `)`; `openedAtStart` says whether it opened at a component's start. */
  private groupContent(type: string, cursor: Cursor, openedAtStart: boolean): Piece[] {
    const inner: Piece[] = [];
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
        this.emptySlot = addSlot(cursor, inner, this.emptySlot);
        if (openedAtStart) this.setStartDir();
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
    return inner;
  }

  /**
   * Put a read group into `out`: merged into its parent group when it is the
   * parent's only content (PROMOTIONS), else as a group of its own kind.
   */
  private placeGroup(type: string, parent: string, cursor: Cursor, inner: Piece[], out: Piece[], saved: GroupContext): void {
    let kind = type;
    const last = inner[inner.length - 1];
    if (last instanceof PromoteMarker) {
      inner.pop();
      kind = last.kind;
      this.inverseNested = kind === "!";
    }
    const onlyChild = parent !== "" && out.length === 0 && cursor.peek() === ")";
    const promoted = onlyChild ? promotion(parent, kind) : undefined;
    if (promoted !== undefined) out.push(...inner, new PromoteMarker(promoted));
    else {
      this.finishGroup(kind, inner.join(""), saved.afterStart, out);
      if (saved.inList) this.closeInverse(out, saved.inverseNested && this.inverseNested);
    }
  }

  /** Append a finished group of `kind` around `content`. */
  private finishGroup(kind: string, content: string, atStart: boolean, out: Piece[]): void {
    if (kind !== "!") {
      out.push(groupPiece(kind, content));
      return;
    }
    this.inverseCount += 1;
    let star: string;
    if (!atStart || this.matchDotDir) star = STAR;
    else if (!this.options.dot) star = STAR_AT_START_NO_DOT;
    else star = STAR_AT_START_DOT;
    out.push(...inverseGroup(content, atStart ? NEED_CHAR + star : star));
  }

  /** Fill in the pending `!(…)` look-aheads (see fillInverse). */
  private closeInverse(out: Piece[], nested: boolean): void {
    if (!this.inverseCount) return;
    fillInverse(out, nested);
    this.inverseCount = 0;
  }
}

/** The anchored regular expression of one pattern; InvalidPatternError when it cannot be made. */
export function globRegExp(pattern: string, options: TranslateOptions): RegExp {
  const body = new Translator(options).translate(pattern);
  try {
    return new RegExp(`^(?:${body})$`, "su");
  } catch (error) {
    throw new InvalidPatternError(`it is not a valid pattern (${(error as Error).message})`);
  }
}
