// R4, the large end: a tree of more than 65,535 entries needs ZIP64 end
// records on the way up, in the job (Info-ZIP) and on the way down; a member
// of 4 GiB and more needs ZIP64 sizes. The big member is a sparse file of
// zeros just over 4 GiB, which deflates to a few MiB, so the test moves
// little data while the job's unzip still writes the whole file and checks it.
import { execFileSync } from "node:child_process";
import { closeSync, createReadStream, mkdirSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createInflateRaw, crc32 } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { localAws, nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { getObject, jobIdOf, runIdOf, STACK_TRACE, zipNames } from "./helpers.js";

/** A member as Info-ZIP's zipinfo describes it in the central directory. */
function zipinfoEntry(archive: string, member: string): { offset: number; method: string; crc: number; compressedSize: number; size: number } {
  const text = execFileSync("zipinfo", ["-v", archive, member], { encoding: "utf8" });
  const field = (label: string) => new RegExp(`^\\s*${label}:\\s+(\\S+)`, "m").exec(text)?.[1] ?? "";
  return {
    offset: Number(field("offset of local header from start of archive")),
    method: field("compression method"),
    crc: Number.parseInt(field("32-bit CRC value \\(hex\\)"), 16),
    compressedSize: Number(field("compressed size")),
    size: Number(field("uncompressed size")),
  };
}

/**
 * Inflates a deflated member straight from the archive (zlib with 1 MiB
 * buffers: several times faster than `unzip -t` on 4 GiB), checking that
 * every byte is zero; answers its CRC-32 and size.
 */
async function inflateZeros(archive: string, entry: ReturnType<typeof zipinfoEntry>): Promise<{ crc: number; size: number; nonZero: number }> {
  const header = Buffer.alloc(30);
  const fd = openSync(archive, "r");
  readSync(fd, header, 0, 30, entry.offset);
  closeSync(fd);
  const start = entry.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const zeros = Buffer.alloc(1 << 20);
  let crc = 0;
  let size = 0;
  let nonZero = 0;
  await pipeline(createReadStream(archive, { start, end: start + entry.compressedSize - 1 }), createInflateRaw({ chunkSize: 1 << 20 }), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      if (!chunk.equals(zeros.subarray(0, chunk.length))) nonZero += 1;
    }
  });
  return { crc, size, nonZero };
}

describe("R4: ZIP64 end to end", () => {
  it("a tree of 66,000 files goes up, through the job and back; the job's new file comes back", async () => {
    const dir = scriptBuild("zip64-many", "test $(find data -type f | wc -l) -eq 66000 && echo ok > seen.txt");
    for (let d = 0; d < 66; d++) {
      const sub = path.join(dir, "data", `d${d}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 1000; f++) writeFileSync(path.join(sub, `f${f}.txt`), `${d}/${f}\n`);
    }
    const result = await nextstrainTs([...SCRIPT, dir], { timeoutMs: 170_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(path.join(dir, "seen.txt"), "utf8")).toBe("ok\n");
    expect(result.stdout.match(/^unzipping: /gm)).toHaveLength(1);
    const names = zipNames(await getObject(`${runIdOf(result.stdout)}.zip`), scratchDir("zip64-list"));
    expect(names.length).toBeGreaterThan(65_535);
  }, 180_000);

  it("a member over 4 GiB goes up with ZIP64 sizes, arrives whole in the job, and is left alone on the way back", async () => {
    const size = 4 * 1024 ** 3 + 1024 * 1024;
    const dir = scriptBuild("zip64-big", `test "$(stat -c %s big.bin)" -eq ${size} && test "$(head -c 1048576 big.bin | tr -d '\\0' | wc -c)" -eq 0 && echo whole > seen.txt`);
    writeFileSync(path.join(dir, "big.bin"), "");
    truncateSync(path.join(dir, "big.bin"), size);
    const result = await nextstrainTs([...SCRIPT, dir], { timeoutMs: 170_000 });
    // The job's unpacked copy is 4 GiB of real data (in memory when temporary files are): gone with the test.
    onTestFinished(() => rmSync(path.join(localAws().workRoot, jobIdOf(result.stdout)), { recursive: true, force: true }));
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "seen.txt"), "utf8")).toBe("whole\n");
    expect(result.stdout).not.toMatch(/^unzipping: .*big\.bin$/m);
    const archive = path.join(scratchDir("zip64-big-archive"), "workdir.zip");
    writeFileSync(archive, await getObject(`${runIdOf(result.stdout)}.zip`));
    const listing = execFileSync("unzip", ["-l", archive], { encoding: "utf8" });
    expect(listing).toMatch(new RegExp(`^\\s*${size}\\s.*\\bbig\\.bin$`, "m"));
    // The archive as the job's zip -u left it: Info-ZIP tests every other member;
    // big.bin, as its central directory entry says, is inflated here and checked whole.
    execFileSync("unzip", ["-tq", archive, "-x", "big.bin"]);
    const entry = zipinfoEntry(archive, "big.bin");
    expect(entry).toMatchObject({ method: "deflated", size });
    expect(await inflateZeros(archive, entry)).toEqual({ crc: entry.crc, size, nonZero: 0 });
  }, 180_000);
});
