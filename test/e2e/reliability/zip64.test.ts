// R4, the large end: a tree of more than 65,535 entries needs ZIP64 end
// records on the way up, in the job (Info-ZIP) and on the way down; a member
// over 4 GiB needs ZIP64 sizes. The big member is a sparse file of zeros,
// which deflates to a few MiB, so the test moves little data while the job's
// unzip still writes the whole 4.5 GiB and checks it.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
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

  it("a member over 4 GiB goes up with ZIP64 sizes, arrives whole in the job, and is left alone on the way back", async () => {
    const size = 4_600 * 1024 * 1024;
    const dir = scriptBuild("zip64-big", `test "$(stat -c %s big.bin)" -eq ${size} && test "$(head -c 1048576 big.bin | tr -d '\\0' | wc -c)" -eq 0 && echo whole > seen.txt`);
    writeFileSync(path.join(dir, "big.bin"), "");
    truncateSync(path.join(dir, "big.bin"), size);
    const result = await nextstrainTs([...SCRIPT, dir], { timeoutMs: 170_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "seen.txt"), "utf8")).toBe("whole\n");
    expect(result.stdout).not.toMatch(/^unzipping: .*big\.bin$/m);
    const archive = path.join(scratchDir("zip64-big-archive"), "workdir.zip");
    writeFileSync(archive, await getObject(`${runIdOf(result.stdout)}.zip`));
    const listing = execFileSync("unzip", ["-l", archive], { encoding: "utf8" });
    expect(listing).toMatch(new RegExp(`^\\s*${size}\\s.*\\bbig\\.bin$`, "m"));
    execFileSync("unzip", ["-tq", archive]);
  }, 180_000);
});
