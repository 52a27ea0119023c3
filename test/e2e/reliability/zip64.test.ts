// R4, the large end: a tree of more than 65,535 entries needs ZIP64 end
// records on the way up, in the job (Info-ZIP) and on the way down. (A member
// over 4 GiB is not here: archives are stored uncompressed, as the Nextstrain
// CLI makes them, so it means moving 4 GiB through the local S3, over two
// minutes on the CI machines; docs/reliability.md says how it was checked.)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { getObject, runIdOf, STACK_TRACE, zipNames } from "./helpers.js";

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
});
