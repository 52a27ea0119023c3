/**
 * Local paths of downloaded results, kept as bytes.
 *
 * A job may write file names that are not valid UTF-8 (`r\xff.txt`,
 * `r\xfe.txt`); decoded to text, both become `r\ufffd.txt` and one result
 * would overwrite the other. So the download takes member names as the bytes
 * the archive holds and hands them to the file system as they are (Node's fs
 * calls accept Buffer paths); text is made only for messages, where bytes
 * that are not UTF-8 are shown as `\xNN`.
 */
import { sep } from "node:path";

const SLASH = 0x2f;
const DOT = 0x2e;
const SEPARATOR = Buffer.from(sep);

/**
 * The components of a member name, or undefined for absolute names, names
 * with a `..` component or a NUL byte (skipped silently, as by the Nextstrain
 * CLI); empty and `.` components are dropped.
 */
export function memberParts(name: Buffer): Buffer[] | undefined {
  if (name[0] === SLASH || name.includes(0)) return undefined;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name[i] !== SLASH) continue;
    const part = name.subarray(start, i);
    start = i + 1;
    if (part.length === 0 || (part.length === 1 && part[0] === DOT)) continue;
    if (part.length === 2 && part[0] === DOT && part[1] === DOT) return undefined;
    parts.push(part);
  }
  return parts;
}

/** `base` followed by `parts`, joined with the platform's separator. */
export function joinBytes(base: Buffer, parts: readonly Buffer[]): Buffer {
  const pieces: Buffer[] = [base];
  for (const part of parts) pieces.push(SEPARATOR, part);
  return Buffer.concat(pieces);
}

/** The directory holding `path` (which has at least one separator). */
export function parentOf(path: Buffer): Buffer {
  return path.subarray(0, path.lastIndexOf(SEPARATOR));
}

/** Whether `path` is `root` or lies below it (both real paths). */
export function isWithin(root: Buffer, path: Buffer): boolean {
  if (path.equals(root)) return true;
  return path.length > root.length && path.subarray(0, root.length).equals(root) && path.subarray(root.length, root.length + SEPARATOR.length).equals(SEPARATOR);
}

/** A path as text for messages: UTF-8 where it is valid, each other byte as `\xNN`. */
export function showBytes(path: Buffer): string {
  let shown = "";
  let i = 0;
  while (i < path.length) {
    const length = utf8SequenceLength(path, i);
    if (length === 0) {
      shown += `\\x${(path[i] as number).toString(16).padStart(2, "0")}`;
      i += 1;
    } else {
      shown += path.toString("utf8", i, i + length);
      i += length;
    }
  }
  return shown;
}

/** The length of the well-formed UTF-8 sequence starting at `at` (RFC 3629), or 0. */
function utf8SequenceLength(bytes: Buffer, at: number): number {
  const lead = bytes[at] as number;
  if (lead < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0; // no overlong forms
    if (lead === 0xed) high = 0x9f; // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f; // nothing above U+10FFFF
  } else return 0;
  for (let k = 1; k < length; k++) {
    const byte = bytes[at + k];
    if (byte === undefined || byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) return 0;
  }
  return length;
}
