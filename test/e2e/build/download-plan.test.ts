// The download's plan against the local stack's moto, which reads the whole
// object for every ranged GET and answers them one at a time: after a job
// that changed every other file of a 48 MiB build directory, the download
// fetches the changed files with one streaming GET (chosen at once, or
// switched to once the ranged GETs turn out slow), and writes them right.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { parseEvents } from "../../helpers/events-schema.js";
import { writeRandomFile } from "../reliability/helpers.js";
import { scriptBuild } from "./fixtures.js";

const FILES = 400;
const SIZE = 120 << 10;
const name = (i: number) => `data/f${String(i).padStart(3, "0")}.bin`;

describe("download plan against moto", () => {
  it("fetches scattered changed files with one streaming GET, and writes what the job wrote", async () => {
    // The job appends a line to every other file.
    const dir = scriptBuild("download-plan", `for f in data/*.bin; do n=\${f#data/f}; n=\${n%.bin}; [ $((1$n % 2)) -eq 0 ] && echo "changed $f" >> "$f"; done; true`);
    mkdirSync(path.join(dir, "data"));
    for (let i = 0; i < FILES; i++) writeRandomFile(path.join(dir, name(i)), SIZE, `file ${i}`);
    const result = await nextstrainTs(["build", "--aws-batch", "--json", "--exec", "./run.sh", dir], { env: { NEXTSTRAIN_HOME: scratchDir("home") } });
    expect(result.status, result.stderr).toBe(0);
    const plan = parseEvents(result.stdout).find((event) => event.type === "download-plan");
    expect(plan).toMatchObject({ plan: "streaming" });
    expect(result.stderr).toMatch(/Fetched the changed files with (one streaming GET|\d+ ranged GETs .*, then, as those were slow, one streaming GET)/);

    const expected = scratchDir("download-plan-expected");
    for (let i = 0; i < FILES; i++) {
      const file = path.join(expected, `f${i}`);
      writeRandomFile(file, SIZE, `file ${i}`);
      if (i % 2 === 0) appendFileSync(file, `changed ${name(i)}\n`);
      expect(readFileSync(path.join(dir, name(i))).equals(readFileSync(file)), name(i)).toBe(true);
    }
  });
});
