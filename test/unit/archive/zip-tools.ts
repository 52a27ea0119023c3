// ZIP tooling for the archive tests: a file-backed RangeSource that counts what
// it reads, archive writing with our writer, and Info-ZIP runs.
import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { workdirMembers, type WorkdirArchiveSource } from "../../../src/archive/workdir-archive.js";
import type { ZipMember } from "../../../src/archive/zip-member.js";
import { writeZip, type ZipWriterOptions } from "../../../src/archive/zip-writer.js";
import type { RangeSource } from "../../../src/archive/zip-reader.js";

export interface CountingSource extends RangeSource {
  /** Total bytes handed out. */
  fetched: number;
  reads: Array<[number, number]>;
  close(): Promise<void>;
}

export async function fileSource(path: string): Promise<CountingSource> {
  const handle = await open(path, "r");
  const size = (await handle.stat()).size;
  const source: CountingSource = {
    size,
    fetched: 0,
    reads: [],
    async read(start, end) {
      source.fetched += end - start;
      source.reads.push([start, end]);
      const buffer = Buffer.alloc(end - start);
      const { bytesRead } = await handle.read(buffer, 0, end - start, start);
      if (bytesRead !== end - start) throw new Error(`short read at ${start}`);
      return buffer;
    },
    close: () => handle.close(),
  };
  return source;
}

/** Write `members` (or a walked workdir) with our writer into `out`. */
export async function writeArchive(
  out: string,
  members: AsyncIterable<ZipMember> | WorkdirArchiveSource,
  options: ZipWriterOptions = {},
): Promise<void> {
  const iterable = Symbol.asyncIterator in members ? members : workdirMembers(members);
  await pipeline(writeZip(iterable, options), createWriteStream(out));
}

export interface InfoZipOptions {
  cwd?: string;
  /** Exit statuses that count as success (default [0]). */
  ok?: number[];
  input?: string;
  /** Variables added to this process's environment, e.g. TZ. */
  env?: Record<string, string>;
}

/** Run an Info-ZIP command; returns its stdout, throws on a status outside `ok`. */
export function infoZip(command: "zip" | "unzip" | "zipinfo", args: string[], options: InfoZipOptions = {}): string {
  const { cwd, ok = [0], input = "", env } = options;
  const run = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 1 << 28, input, env: { ...process.env, ...env } });
  if (run.status === null || !ok.includes(run.status)) {
    throw new Error(`${command} ${args.join(" ")} exited ${run.status}: ${run.stderr}${run.stdout}`);
  }
  return run.stdout;
}

/** `zipinfo -v` facts of one member, by the labels zipinfo prints. */
export function zipinfoVerbose(archive: string, member: string): Record<string, string> {
  const text = execFileSync("zipinfo", ["-v", archive, member], { encoding: "utf8" });
  const facts: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s{2}(\S.*?):\s{2,}(.*)$/.exec(line);
    if (match) facts[match[1]!] = match[2]!.trim();
  }
  return facts;
}
