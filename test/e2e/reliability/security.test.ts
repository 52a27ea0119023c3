// S1: no credential value shows up in DescribeJobs, in the tool's output, in
// the job's logs or in what stays in S3; `.git/` and `environment*` are never
// uploaded, whatever the exclusion patterns say.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DescribeJobsCommand } from "@aws-sdk/client-batch";
import { GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { BATCH_LOG_GROUP } from "../../local-aws/stack.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { ABSENT_IMAGE, batch, getObject, jobIdOf, logs, objectKeys, ownKey, runIdOf, zipNames } from "./helpers.js";

const marker = (name: string) => `marker-${name}-${randomBytes(6).toString("hex")}`;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

describe("S1: secrets", () => {
  // With --env, only those variables go to the job; without, the well-known
  // ones (AWS credentials among them) are forwarded (C16).
  it.each([
    ["--env values", ["PLANTED", "INHERITED"]],
    ["forwarded AWS credentials", ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]],
  ] as const)("keeps %s out of DescribeJobs, stdout, stderr, the job's logs and S3", async (_name, reaching) => {
    const secrets: Record<string, string> = {
      AWS_SECRET_ACCESS_KEY: marker("secret"),
      AWS_SESSION_TOKEN: marker("token"),
      PLANTED: marker("env"),
      INHERITED: marker("inherited"),
    };
    // The job proves the values arrived by their hashes, never printing them.
    const checks = reaching.map((name) => `test "$(printf %s "$${name}" | sha256sum | cut -d' ' -f1)" = ${sha256(secrets[name] ?? "")}`);
    const dir = scriptBuild("s1-secrets", [...checks, 'echo "the values arrived"', "echo done > results.txt"].join("\n"));
    const { env } = ownKey("s1");
    const envArgs = reaching[0] === "PLANTED" ? ["--env", `PLANTED=${secrets.PLANTED}`, "--env", "INHERITED"] : [];
    const result = await nextstrainTs([...SCRIPT, ...envArgs, dir], {
      env: { ...env, AWS_SECRET_ACCESS_KEY: secrets.AWS_SECRET_ACCESS_KEY as string, AWS_SESSION_TOKEN: secrets.AWS_SESSION_TOKEN as string, INHERITED: secrets.INHERITED as string },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\] the values arrived$/m);
    const jobId = jobIdOf(result.stdout);
    const runId = runIdOf(result.stdout);

    const described = await batch().send(new DescribeJobsCommand({ jobs: [jobId] }));
    const stream = described.jobs?.[0]?.container?.logStreamName;
    expect(stream).toBeTruthy();
    const events = await logs().send(new GetLogEventsCommand({ logGroupName: BATCH_LOG_GROUP, logStreamName: stream, startFromHead: true, limit: 10_000 }));
    expect(events.events?.length).toBeGreaterThan(10);

    // What stays in S3: the job deleted the env.d archive; the job record and the workdir archive, its members unpacked.
    const keys = await objectKeys(runId);
    expect(keys).toEqual([`${runId}.json`, `${runId}.zip`]);
    const record = (await getObject(`${runId}.json`)).toString("utf8");
    const archive = await getObject(`${runId}.zip`);
    const file = path.join(scratchDir("s1-archive"), "workdir.zip");
    writeFileSync(file, archive);
    const unpacked = execFileSync("unzip", ["-p", file], { encoding: "latin1", maxBuffer: 1 << 28 });

    const places = {
      stdout: result.stdout,
      stderr: result.stderr,
      describeJobs: JSON.stringify(described),
      logs: JSON.stringify(events.events),
      archive: archive.toString("latin1") + unpacked,
      record,
    };
    for (const [place, text] of Object.entries(places)) {
      for (const [name, value] of Object.entries(secrets)) expect(text.includes(value), `${name} found in ${place}`).toBe(false);
    }
  });
});

describe("S1: never uploaded", () => {
  it("leaves out .git/ and environment* even when --exclude-from-upload negations try to bring them in", async () => {
    const dir = scriptBuild("s1-git", "true", {
      ".git/config": "[core]\n",
      ".git/HEAD": "ref: refs/heads/main\n",
      "sub/.git": "gitdir: ../.git/modules/sub\n",
      "environment": "AWS_SECRET_ACCESS_KEY=x\n",
      "environment.yml": "name: x\n",
      "sub/environment-prod": "TOKEN=x\n",
      "keep.txt": "kept\n",
      "sub/keep.txt": "kept\n",
    });
    // A plain pattern first: a list of negations alone would mean "exclude all but" (C28).
    const negations = ["*.tmp", "!.git/", "!.git/**", "!**/.git", "!environment*", "!**/environment*", "!sub/environment-prod"];
    const args = [...SCRIPT, "--image", ABSENT_IMAGE, ...negations.flatMap((pattern) => ["--exclude-from-upload", pattern]), dir];
    const result = await nextstrainTs(args);
    expect(result.status, result.stderr).toBe(1);
    const names = zipNames(await getObject(`${runIdOf(result.stdout)}.zip`), scratchDir("s1-list"));
    expect(names).toContain("keep.txt");
    expect(names).toContain("sub/keep.txt");
    expect(names.filter((name) => /(^|\/)\.git(\/|$)|(^|\/)environment[^/]*$/.test(name))).toEqual([]);
    expect(result.stdout).not.toMatch(/zipping: .*(\.git|environment)/);
  });
});
