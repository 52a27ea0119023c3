/**
 * Bash-style brace expansion of the user's path patterns, which wcmatch
 * 11.0.1 (BRACE) does before anything else (C26): each expansion is then a
 * pattern of its own (patterns.ts), so `{a,!b}` holds a negated pattern.
 */
import { InvalidPatternError } from "./glob-syntax.js";

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
