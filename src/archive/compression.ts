/**
 * Which upload members are deflated, and how hard (docs/performance.md).
 *
 * The Nextstrain CLI stores every member. Deflating what compresses cuts the
 * bytes sent (a pathogen build is mostly FASTA, TSV and JSON: 5 to 60 times
 * smaller), and the job's `unzip` reads both methods. Formats that are already
 * compressed are stored: deflating them costs time and saves nothing. A large
 * file of another format that turns out not to compress is stored too (the
 * writer tries its first piece).
 */
import type { Compression, ZipMember } from "./zip-member.js";

/**
 * zlib level 6: on the benchmark build directory, FASTA of near-identical
 * genomes deflates to 1.5-2% at level 6 and 34% at level 1 (levels 1-5 miss
 * matches one genome back), at the same speed; text files go from 23% (level
 * 1) to 19% (level 6) at half the speed. Levels 7-9 gain under 1%.
 */
export const UPLOAD_DEFLATE_LEVEL = 6;

/** Extensions (lower case) of formats that are compressed already. */
const COMPRESSED = new Set([
  // general-purpose compressors and archives
  "gz", "tgz", "bgz", "bgzf", "xz", "txz", "zst", "zstd", "bz2", "tbz2", "lz4", "lz", "lzma", "br", "7z", "zip", "rar", "jar", "whl", "sz", "snappy",
  // bioinformatics containers
  "bam", "cram", "bcf", "sra", "h5", "hdf5", "parquet", "feather", "arrow", "npz",
  // images, audio, video, documents
  "png", "jpg", "jpeg", "gif", "webp", "avif", "heic", "pdf", "mp3", "mp4", "m4a", "ogg", "webm", "mov", "woff", "woff2", "docx", "xlsx", "pptx", "odt", "ods",
]);

export function uploadCompression(member: ZipMember): Compression {
  const base = member.name.slice(member.name.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot > 0 && COMPRESSED.has(base.slice(dot + 1).toLowerCase()) ? "store" : "deflate";
}
