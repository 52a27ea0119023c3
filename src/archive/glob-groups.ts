/**
 * Extglob groups in the translation of a path pattern (glob-translate.ts):
 * what a finished group leaves in the regular expression, how a group that is
 * the only content of its parent merges into it, how empty alternatives
 * count, and the look-ahead of a `!(…)` group, filled in once what follows
 * the group in its path component is known. As wcmatch 11.0.1 does (C26).
 */
import { END_OF_COMPONENT } from "./glob-syntax.js";
import type { Cursor } from "./glob-syntax.js";

/** Placeholder for the closing part of a `!(…)` group, filled in once what follows it is known. */
export class InversePlaceholder {
  constructor(readonly star: string) {}
}

/**
 * Left by a group that is the only content of its parent group and merges
 * into it: the parent takes this kind instead (`!(!(a))` is `@(a)`).
 */
export class PromoteMarker {
  constructor(readonly kind: string) {}
}

/** A piece of a translation: regular-expression text, or a mark resolved later. */
export type Piece = string | InversePlaceholder | PromoteMarker;

/** Which kind a parent group takes when its only content is a group of a given kind. */
const PROMOTIONS: Record<string, Record<string, string>> = {
  "@": { "?": "?", "*": "*", "+": "+", "!": "!" },
  "?": { "@": "?", "*": "*", "+": "*" },
  "*": { "@": "*" },
  "+": { "@": "+", "?": "*", "*": "*" },
  "!": { "@": "!", "!": "@" },
};

/** The kind a `parent` group takes when a `kind` group is all it holds; undefined when they do not merge. */
export function promotion(parent: string, kind: string): string | undefined {
  return PROMOTIONS[parent]?.[kind];
}

/** A finished `?`, `*`, `+` or `@` group around `content`. */
export function groupPiece(kind: string, content: string): string {
  if (kind === "?") return `(?:${content})?`;
  if (kind === "*") return `(?:${content})*`;
  if (kind === "+") return `(?:${content})+`;
  return `(?:${content})`;
}

/** A `!(…)` group around `content`: its look-ahead, closed by fillInverse, then `star` for what it matches. */
export function inverseGroup(content: string, star: string): Piece[] {
  return [`(?:(?!(?:${content})`, new InversePlaceholder(star)];
}

/**
 * A `|` inside a group, just read: runs of empty alternatives count once.
 * `emptySlot` says whether the group has an empty alternative already;
 * answers whether it has one now.
 */
export function addSlot(cursor: Cursor, inner: Piece[], emptySlot: boolean): boolean {
  let empty = emptySlot;
  if (inner.length === 0 || inner[inner.length - 1] === "|") {
    if (!empty) {
      inner.push("|");
      empty = true;
    }
  } else inner.push("|");
  let more = false;
  while (cursor.peek() === "|") {
    cursor.next();
    more = true;
  }
  if (more && !empty) {
    inner.push("|");
    empty = true;
  }
  return empty;
}

/**
 * Fill in pending `!(…)` placeholders: the negative lookahead must see
 * everything that follows the group up to the end of the component
 * (`nested`: up to the end of the enclosing group).
 */
export function fillInverse(out: Piece[], nested: boolean): void {
  for (let index = out.length - 1; index >= 0; index--) {
    const piece = out[index];
    if (!(piece instanceof InversePlaceholder)) continue;
    const rest = out.slice(index + 1).join("") + (nested ? "" : END_OF_COMPONENT);
    out[index] = `${rest})${piece.star})`;
  }
}
