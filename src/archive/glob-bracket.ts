/**
 * Bracket expressions (`[a-z]`, `[!.]`, `[[:digit:]]`) of the user's path
 * patterns, translated into a regular-expression class as wcmatch 11.0.1
 * translates them (C26): reversed ranges are dropped, a hyphen after a
 * range's end or a class is literal, a `/` inside (or no closing `]`) means
 * the `[` was a literal one. The guard against leading dots in front of the
 * class is the translator's (glob-translate.ts).
 */
import { escapeRegExpClassChar as escapeInClass } from "./exclusions.js";
import { type Cursor, need, NotAGroup } from "./glob-syntax.js";

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

/**
 * A bracket expression `[...]` as a regular-expression class; the cursor is
 * just past the `[`, and is left just past the closing `]`. Throws NotAGroup
 * when it is not a bracket expression.
 */
export function bracketExpression(cursor: Cursor): string {
  return new BracketReader(cursor).read();
}

/** The code point a bracket-expression token stands for (`a` or `\a`). */
function tokenCodePoint(token: string): number {
  const char = token.length > 1 && token.startsWith("\\") ? token.slice(1) : token;
  return char.codePointAt(0) as number;
}

/** `[:name:]` inside a bracket expression; the cursor is just past its `[`. */
function posixClass(cursor: Cursor, tokens: string[], endRange: number): boolean {
  POSIX_CLASS.lastIndex = cursor.pos - 1;
  const match = POSIX_CLASS.exec(cursor.text);
  if (!match) return false;
  cursor.pos = POSIX_CLASS.lastIndex;
  // A class cannot end a range: the hyphen before it is literal.
  if (endRange && cursor.pos - 1 >= endRange) tokens[tokens.length - 1] = "\\" + tokens[tokens.length - 1];
  tokens.push(POSIX_CLASSES[match[1] as string] as string);
  return true;
}

/** Reads one bracket expression, token by token. */
class BracketReader {
  private readonly tokens: string[] = ["["];
  /** While a range is open: the cursor position after which a character closes it; else 0. */
  private endRange = 0;
  /** A hyphen at or before this position cannot open a range. */
  private escapeHyphen = -1;
  /** A reversed range was dropped. */
  private removed = false;
  /** The last token was a POSIX class. */
  private lastPosix = false;

  constructor(private readonly cursor: Cursor) {}

  read(): string {
    let c = this.opening();
    while (c !== "]") c = this.step(c);
    this.tokens.push("]");
    const bracket = this.tokens.join("");
    if (this.removed && bracket === "[]") return "(?!)";
    if (this.removed && bracket === "[^]") return "[\\s\\S]";
    return bracket;
  }

  /** A negation, then a leading `[` (maybe a class), `-` or `]`, which are literal there; answers the character after. */
  private opening(): string {
    let c = need(this.cursor);
    if (c === "!" || c === "^") {
      this.tokens.push("^");
      c = need(this.cursor);
    }
    if (c === "[") {
      this.lastPosix = posixClass(this.cursor, this.tokens, 0);
      if (!this.lastPosix) this.tokens.push(escapeInClass(c));
      c = need(this.cursor);
    } else if (c === "-" || c === "]") {
      this.tokens.push(escapeInClass(c));
      c = need(this.cursor);
    }
    return c;
  }

  /** The character `c` inside the brackets, just read; answers the next one. */
  private step(c: string): string {
    if (c === "-") {
      this.hyphen();
      return need(this.cursor);
    }
    this.lastPosix = false;
    if (c === "[") {
      this.lastPosix = posixClass(this.cursor, this.tokens, this.endRange);
      if (this.lastPosix) return need(this.cursor);
    }
    let value: string;
    if (c === "\\") {
      const escaped = need(this.cursor);
      if (escaped === "/") throw new NotAGroup();
      value = escapeInClass(escaped);
    } else if (c === "/") throw new NotAGroup();
    else value = c;
    if (this.endRange && this.cursor.pos - 1 >= this.endRange) this.closeRange(value);
    else this.tokens.push(value);
    return need(this.cursor);
  }

  /**
   * A hyphen opens a range unless it follows a class or directly follows a
   * range's end: `[a-c-e]` is the range a-c, a literal `-` and `e`.
   */
  private hyphen(): void {
    const pos = this.cursor.pos;
    if (this.lastPosix) {
      this.tokens.push("\\-");
      this.lastPosix = false;
    } else if (pos - 1 > this.escapeHyphen) {
      this.tokens.push("-");
      this.escapeHyphen = pos + 1;
      this.endRange = pos;
    } else if (this.endRange && pos - 1 >= this.endRange) {
      this.closeRange("\\-");
    } else this.tokens.push("\\-");
  }

  /** Close the open range with `last`; a reversed range is dropped. */
  private closeRange(last: string): void {
    const first = this.tokens[this.tokens.length - 2] as string;
    if (tokenCodePoint(last) < tokenCodePoint(first)) {
      this.tokens.splice(-2, 2);
      this.removed = true;
    } else this.tokens.push(last);
    this.endRange = 0;
  }
}
