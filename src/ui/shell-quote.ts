/**
 * Quoting for POSIX shells, as Python's shlex.quote does it (C98): the re-attach command printed when detaching is quoted this way, so the
 * text users copy (or take with `tail -n1`) is the text the Nextstrain CLI prints.
 *
 * A word made only of ASCII letters, digits and `@%+=:,./-_` stays as it is;
 * anything else is wrapped in single quotes, each `'` written as `'"'"'`; the
 * empty word becomes `''`.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (word === "") return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}
