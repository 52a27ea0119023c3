/**
 * What the glob translator (glob-translate.ts, glob-bracket.ts) reads a
 * pattern with and writes its regular expressions from: a cursor over the
 * pattern's code points, the pieces of regular expression that the
 * translation of wcmatch 11.0.1 uses, and the errors that say a pattern, or
 * a part of it, is not what it looked like.
 */

/** A pattern that cannot be used; validatePattern (patterns.ts) turns it into a UserError. */
export class InvalidPatternError extends Error {}

/** Thrown inside a bracket expression or extglob group that turns out not to be one. */
export class NotAGroup extends Error {}

// Regular-expression pieces. Flags "su": `.` matches any code point.
export const SEP = "\\/";
export const SEP_RUN = "\\/+";
/** The component starting here is not `.` or `..`. */
export const NOT_DOT_DIR = "(?!(?:(?<=\\/)|(?<=^))\\.{1,2}(?:$|\\/))";
export const STAR = "[^/]*?";
export const STAR_AT_START_DOT = NOT_DOT_DIR + STAR;
/** Note the optional group: a star may match nothing before a literal dot, so `*.json` matches `.json`. */
export const STAR_AT_START_NO_DOT = NOT_DOT_DIR + "(?:(?!\\.)[^/]*?)?";
export const GLOBSTAR_DOT = "(?:(?!(?:\\/|^)\\.{1,2}(?:$|\\/)).)*?";
/** A globstar never takes a `/` that is followed by a dot, nor a dot at the very start. */
export const GLOBSTAR_NO_DOT = "(?:(?!(?:\\/|^)\\.).)*?";
export const NEED_CHAR = "(?=[^/])";
export const NEED_SEP = "(?=\\/)";
export const GLOBSTAR_DIV = "(?:^|$|\\/)+";
export const END_OF_COMPONENT = "(?:$|\\/)";
export const TRAILING_SEPS = "\\/*?";
export const NOT_SEP = "(?!\\/)";
export const NOT_SEP_OR_DOT = "(?![/.])";
export const GROUP_NO_LEADING_DOT = "(?!(?:(?<=\\/)|(?<=^))\\.)";

/** A character-by-character reader over a pattern. */
export class Cursor {
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

/** The next character, which must be there: a group or bracket expression cut short is not one. */
export function need(cursor: Cursor): string {
  const char = cursor.next();
  if (char === undefined) throw new NotAGroup();
  return char;
}
