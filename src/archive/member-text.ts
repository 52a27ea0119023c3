/**
 * The text of a few members of an archive read with ranged requests: only
 * their bytes are fetched (coalesced as the download coalesces them), never
 * the whole archive. For small text members such as Snakemake's log files.
 */
import { coalesceSpans, DEFAULT_COALESCE, DEFAULT_PREFETCH, PrefetchingSource } from "./fetch-plan.js";
import { openEntry, type RangeSource, type ZipEntry } from "./zip-reader.js";

/** The members' texts (UTF-8), in archive order. */
export async function readMemberTexts(source: RangeSource, wanted: readonly ZipEntry[]): Promise<{ name: string; text: string }[]> {
  const entries = [...wanted].sort((a, b) => a.span.start - b.span.start);
  const groups = coalesceSpans(entries.map((entry) => entry.span));
  const fetcher = new PrefetchingSource(source, groups, { ...DEFAULT_PREFETCH, maxGroupBytes: DEFAULT_COALESCE.maxGroupBytes });
  const texts: { name: string; text: string }[] = [];
  for (const entry of entries) {
    const chunks: Buffer[] = [];
    for await (const chunk of openEntry(fetcher, entry)) chunks.push(chunk as Buffer);
    texts.push({ name: entry.name, text: Buffer.concat(chunks).toString("utf8") });
  }
  return texts;
}
