/**
 * A small cache of JSON answers on disk ($NEXTSTRAIN_HOME/cache/), each kept
 * for a short time: what a pre-flight check read of a job queue, so builds
 * run one after the other do not read it again (nor load the EC2 client).
 * A cache that cannot be read or written is as if empty: never an error.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";

export class JsonCache {
  constructor(
    readonly directory: string,
    private readonly now: () => number = Date.now,
  ) {}

  private fileOf(key: string): string {
    return join(this.directory, `${encodeURIComponent(key)}.json`);
  }

  /** The value stored under `key` less than `maxAgeMs` ago, else undefined. */
  async get(key: string, maxAgeMs: number): Promise<unknown> {
    try {
      const entry = JSON.parse(await readFile(this.fileOf(key), "utf8")) as { at?: unknown; value?: unknown };
      const age = this.now() - Number(entry.at);
      return age >= 0 && age < maxAgeMs ? entry.value : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: unknown): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.fileOf(key), JSON.stringify({ at: this.now(), value }) + "\n", 0o600);
    } catch {
      // A cache is an optimisation.
    }
  }
}

export function cacheDirectory(nextstrainHome: string): string {
  return join(nextstrainHome, "cache");
}
