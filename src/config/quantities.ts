/**
 * Number grammars of the Nextstrain CLI, so the same inputs are accepted
 * (C8, C21, C22):
 *
 *  - counts (`--cpus`, `--aws-batch-cpus`, `--aws-batch-memory` and their env and
 *    config defaults) use Python's int(): surrounding whitespace, an optional
 *    sign, decimal digits (any script's) with single underscores between them;
 *  - `--memory` uses its byte_quantity: a number as Python's float() reads it,
 *    optional whitespace, and an optional unit b, kb, mb, gb, kib, mib, gib in
 *    any case; no unit means bytes; the result is truncated to whole bytes.
 *
 * Deliberate deviations: negative and non-finite quantities are refused here
 * (the Nextstrain CLI sends negative memory to AWS, and crashes on `inf`); and
 * the amount is worked out in exact decimal arithmetic, not floating point, so
 * `522.190848mb` is exactly 498 MiB (the Nextstrain CLI makes it 497) and
 * large amounts keep every digit.
 */

/** Python int() on a string; undefined when it would raise ValueError. */
export function parsePythonInt(text: string): bigint | undefined {
  const match = /^\s*(?<sign>[+-]?)(?<digits>\p{Nd}+(?:_\p{Nd}+)*)\s*$/u.exec(text);
  if (!match?.groups) return undefined;
  const digits = [...(match.groups.digits as string).replaceAll("_", "")].map(asciiDigit).join("");
  const value = BigInt(digits);
  return match.groups.sign === "-" ? -value : value;
}

/** The ASCII digit of any Unicode decimal digit: digits come in runs of ten, zero first. */
function asciiDigit(char: string): string {
  let code = char.codePointAt(0) as number;
  let offset = 0;
  while (/\p{Nd}/u.test(String.fromCodePoint(code - 1))) {
    code -= 1;
    offset += 1;
  }
  return String(offset % 10);
}

/** Python float() on a string; undefined when it would raise ValueError. */
export function parsePythonFloat(text: string): number | undefined {
  const trimmed = text.trim();
  const special = /^(?<sign>[+-]?)(?<word>inf|infinity|nan)$/i.exec(trimmed);
  if (special?.groups) {
    if ((special.groups.word as string).toLowerCase() === "nan") return NaN;
    return special.groups.sign === "-" ? -Infinity : Infinity;
  }
  const digits = String.raw`\d(?:_?\d)*`;
  const number = new RegExp(`^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?$`);
  if (!number.test(trimmed)) return undefined;
  return Number(trimmed.replaceAll("_", ""));
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

export type ByteQuantity =
  | { ok: true; bytes: bigint }
  | { ok: false; reason: string };

/** byte_quantity of the Nextstrain CLI: "14GiB" -> 15032385536 bytes. */
export function parseByteQuantity(text: string): ByteQuantity {
  const match = /^(?<number>\S+?)\s*(?<unit>[kmg]i?b|b)?$/i.exec(text.trim());
  const value = match?.groups ? parsePythonFloat(match.groups.number as string) : undefined;
  if (!match?.groups || value === undefined) {
    return { ok: false, reason: "expected a number with an optional unit b, kb, mb, gb, kib, mib or gib, e.g. 14GiB" };
  }
  const number = match.groups.number as string;
  if (/^[+-]?(?:inf|infinity|nan)$/i.test(number)) return { ok: false, reason: "the amount must be a finite number, e.g. 14GiB" };
  if (value < 0) return { ok: false, reason: "the amount cannot be negative" };
  const bytes = decimalTimes(number, BigInt(BYTE_UNITS[(match.groups.unit ?? "b").toLowerCase()] as number));
  if (bytes === undefined) return { ok: false, reason: "the amount is far more than any computer has" };
  return { ok: true, bytes };
}

/**
 * A decimal number as float() reads it (not negative) times `factor`,
 * truncated to a whole number, exactly; undefined beyond 10^400.
 */
function decimalTimes(number: string, factor: bigint): bigint | undefined {
  const parts = /^\+?(?<whole>[\d_]*)(?:\.(?<fraction>[\d_]*))?(?:e(?<exponent>[+-]?[\d_]+))?$/i.exec(number)?.groups ?? {};
  const whole = (parts.whole ?? "").replaceAll("_", "");
  const fraction = (parts.fraction ?? "").replaceAll("_", "");
  const digits = BigInt(`0${whole}${fraction}`);
  // value = digits * 10^-scale
  const scale = fraction.length - Number((parts.exponent ?? "0").replaceAll("_", ""));
  if (digits === 0n) return 0n;
  // Far below one byte, or far beyond any memory: no need for a huge power of ten.
  if (scale > whole.length + fraction.length + 30) return 0n;
  if (scale < -400) return undefined;
  return scale >= 0 ? (digits * factor) / 10n ** BigInt(scale) : digits * factor * 10n ** BigInt(-scale);
}

/** Whole MiB in a number of bytes, as sent to AWS Batch (floor division, C22). */
export function bytesToMiB(bytes: number): number {
  return Math.floor(bytes / 1024 ** 2);
}

export const BYTES_PER_MIB = 1024n ** 2n;
