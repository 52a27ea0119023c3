// Reading a few members' texts from an archive with ranged reads: only their
// bytes (and the central directory) are fetched, never the whole archive.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMemberTexts } from "../../../src/archive/member-text.js";
import { readZipDirectory } from "../../../src/archive/zip-reader.js";
import { SNAKEMAKE_LOG } from "../../../src/runner/job-logs.js";
import { makeTree, scratchDir } from "./fixtures.js";
import { fileSource, infoZip } from "./zip-tools.js";

describe("readMemberTexts", () => {
  it("reads the Snakemake logs of an archive with a large result, fetching a small part of it", async () => {
    const root = await scratchDir();
    const big = randomBytes(4 << 20).toString("base64");
    await makeTree(root, {
      "results/big.txt": big,
      "sub/.snakemake/log/2026-11-21T204500.snakemake.log": "Building DAG of jobs...\n3 of 3 steps (100%) done\n",
      ".snakemake/log/2026-11-20T101010.snakemake.log": "Error in rule count:\n",
      ".snakemake/metadata/x.log": "not a log file of the run\n",
    });
    const archive = path.join(root, "..", `${path.basename(root)}.zip`);
    infoZip("zip", ["-qr", archive, "."], { cwd: root });
    const source = await fileSource(archive);
    try {
      const logs = (await readZipDirectory(source)).entries.filter((entry) => SNAKEMAKE_LOG.test(entry.name));
      const texts = await readMemberTexts(source, logs);
      expect(texts.map((text) => text.name).sort()).toEqual([".snakemake/log/2026-11-20T101010.snakemake.log", "sub/.snakemake/log/2026-11-21T204500.snakemake.log"]);
      expect(texts.find((text) => text.name.startsWith("sub/"))?.text).toBe("Building DAG of jobs...\n3 of 3 steps (100%) done\n");
      expect(source.fetched).toBeLessThan(source.size / 20);
    } finally {
      await source.close();
    }
  });
});
