// Re-runs upload only what changed (P6), end to end on the local stack with
// the job's own unzip and zip -u: a chain of runs over edits, additions and
// removals, each archive extracted in the job to the same files as a full
// upload of the same tree; and the fallbacks to a full upload: no record, the
// previous archive gone or changed, and a copy refused (412) half-way.
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { localAws, nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { BUCKET, clients } from "../local-aws/helpers.js";
import { SCRIPT, scriptBuild } from "./fixtures.js";

const MiB = 1024 * 1024;
const stack = localAws();

/** The job lists every file it was given, with its mode, size and digest: what a full upload of the same tree must give too. */
const MANIFEST = [
  `find . -type f ! -path './.snakemake/*' ! -name manifest.txt -exec stat -c '%a %s %n' {} + | sort > manifest.txt`,
  `find . -type f ! -path './.snakemake/*' ! -name manifest.txt -print0 | sort -z | xargs -0 sha256sum >> manifest.txt`,
].join("\n");

/** A build directory with a large file (more than one part's minimum) and small ones, its own record folder, and its own access key. */
function reRunBuild(prefix: string) {
  const dir = scriptBuild(prefix, MANIFEST, {
    "data/README": "sequences.bin: random bytes\n",
    "Snakefile": "rule all:\n    input: 'results/out.txt'\n",
    "config/config.yaml": "threshold: 1\n",
    "config/old.yaml": "removed later\n",
  });
  writeFileSync(path.join(dir, "data", "sequences.bin"), randomBytes(6 * MiB));
  const accessKeyId = `re-runs-${prefix}-${randomBytes(4).toString("hex")}`;
  const env = { NEXTSTRAIN_HOME: scratchDir(`${prefix}-home`), AWS_ACCESS_KEY_ID: accessKeyId };
  return { dir, accessKeyId, env };
}

async function build(dir: string, env: Record<string, string>, ...flags: string[]) {
  const result = await nextstrainTs([...SCRIPT, ...flags, dir], { env });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const archive = /uploaded: s3:\/\/[^/]+\/(\S+\.zip)\n/.exec(result.stdout)?.[1] ?? "";
  return { stdout: result.stdout, archive, manifest: readFileSync(path.join(dir, "manifest.txt"), "utf8") };
}

/** Bytes the tool sent and copied before it submitted the job (the job's own upload uses the same key), by the calls of one access key since `from`. */
async function partBytes(accessKeyId: string, from: number) {
  const since = (await stack.control.calls(accessKeyId)).slice(from);
  const submitted = since.findIndex((call) => call.operation?.toLowerCase() === "submitjob");
  const calls = since.slice(0, submitted < 0 ? since.length : submitted);
  const sum = (operation: string, field: "bytesSent" | "bytesCopied") => calls.filter((call) => call.operation === operation).reduce((total, call) => total + (call[field] ?? 0), 0);
  return { sent: sum("UploadPart", "bytesSent") + sum("PutObject", "bytesSent"), copied: sum("UploadPartCopy", "bytesCopied"), calls: calls.length };
}

describe("re-runs (P6)", () => {
  it("uploads only what changed over a chain of runs, and the job sees what a full upload gives", async () => {
    const { dir, accessKeyId, env } = reRunBuild("chain");
    await stack.control.recordCalls(accessKeyId);
    const first = await build(dir, env);
    expect(first.stdout).toMatch(/Full upload, [\d.]+ MiB sent \(no earlier run of this directory is recorded\)\.\n/);

    const edits: Array<() => void> = [
      () => {
        writeFileSync(path.join(dir, "config/config.yaml"), "threshold: 2\n");
        writeFileSync(path.join(dir, "config/added.yaml"), "new: true\n");
      },
      () => {
        rmSync(path.join(dir, "config/old.yaml"));
        writeFileSync(path.join(dir, "Snakefile"), "rule all:\n    input: 'results/other.txt'\n");
      },
    ];
    for (const edit of edits) {
      edit();
      const before = (await stack.control.calls(accessKeyId)).length;
      const incremental = await build(dir, env);
      expect(incremental.stdout).toMatch(/Incremental upload, [\d.]+ (B|KiB) sent and 6\.\d MiB copied inside S3 from the previous run's archive\.\n/);
      const bytes = await partBytes(accessKeyId, before);
      expect(bytes.copied).toBeGreaterThanOrEqual(6 * MiB);
      // The sent part holds the changed members, the job's results and the central directory: a few KiB.
      expect(bytes.sent).toBeLessThan(64 * 1024);

      const full = await build(dir, env, "--full-upload");
      expect(full.stdout).toMatch(/Full upload, [\d.]+ MiB sent \(--full-upload\)\.\n/);
      expect(incremental.manifest).toBe(full.manifest);
      expect(incremental.manifest).toContain("config/added.yaml");
    }
    expect(first.manifest).toContain("config/old.yaml");
    expect(readFileSync(path.join(dir, "manifest.txt"), "utf8")).not.toContain("config/old.yaml");
  }, 240_000);

  it("falls back to a full upload when the previous archive is refused during the copy (412), changed, or gone", async () => {
    const { dir, accessKeyId, env } = reRunBuild("fallbacks");
    const { s3 } = clients();
    let previous = await build(dir, env);

    // x-amz-copy-source-if-match no longer holds by the time the part is copied.
    await stack.control.addFault({ kind: "precondition-failed", service: "s3", operation: "UploadPartCopy", count: 1, accessKeyId });
    writeFileSync(path.join(dir, "config/config.yaml"), "threshold: 3\n");
    const refused = await build(dir, env);
    expect(refused.stdout).toMatch(/Full upload, [\d.]+ MiB sent \(the previous run's archive changed while it was copied\)\.\n/);
    expect(refused.manifest).toContain(`${"threshold: 3\n".length} ./config/config.yaml`);
    previous = refused;

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: previous.archive, Body: "not the archive any more" }));
    const changed = await build(dir, env);
    expect(changed.stdout).toContain(`(the previous run's archive s3://${BUCKET}/${previous.archive} changed since its results were downloaded).`);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: changed.archive }));
    const gone = await build(dir, env);
    expect(gone.stdout).toContain(`(the previous run's archive s3://${BUCKET}/${changed.archive} is gone).`);
    expect(gone.manifest).toBe(refused.manifest);
  }, 240_000);
});
