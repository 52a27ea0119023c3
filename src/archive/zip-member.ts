/**
 * What the ZIP writer (zip-writer.ts) takes and tells: a member as walked
 * (or held in memory), how to compress it, and what was stored for it.
 */

export interface ZipMember {
  /** Member name, `/`-separated; directories end with `/`. */
  name: string;
  /** Absolute path it comes from; read for files without `data`. */
  path: string;
  /** The contents, when held in memory rather than read from `path` (the env.d archive's secrets never touch the disk). */
  data?: Uint8Array;
  isDirectory: boolean;
  /** Size when walked; decides whether the member needs ZIP64 headers. */
  size: number;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
  mtime: Date;
}

export type Compression = "store" | "deflate";

/** What was stored for a file member: for records of what was uploaded. */
export interface WrittenMember {
  member: ZipMember;
  crc32: number;
  /** Bytes read. */
  size: number;
  compressedSize: number;
  method: "store" | "deflate";
}
