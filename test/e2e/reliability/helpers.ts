// Shared by the reliability tests: an access key of one's own (so fault rules
// touch only the test that set them), snapshots of directory trees, and
// direct reads of what the tool left in S3.
import { execFileSync } from "node:child_process";
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ListMultipartUploadsCommand, ListObjectsV2Command, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BatchClient } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { localAws } from "../../local-aws/run.js";
import { DEFAULT_BUCKET } from "../../local-aws/stack.js";

/** A fresh access key: pass `env` to the binary and `accessKeyId` to fault rules. */
export function ownKey(name: string): { accessKeyId: string; env: Record<string, string> } {
  const accessKeyId = `reliability-${name}-${randomBytes(4).toString("hex")}`;
  return { accessKeyId, env: { AWS_ACCESS_KEY_ID: accessKeyId } };
}

function clientConfig() {
  const { endpoint, env } = localAws();
  return { endpoint, region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
}

export const s3 = () => new S3Client({ ...clientConfig(), forcePathStyle: true });
export const batch = () => new BatchClient(clientConfig());
export const logs = () => new CloudWatchLogsClient(clientConfig());

export async function getObject(key: string, bucket = DEFAULT_BUCKET): Promise<Buffer> {
  const answer = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (answer.Body?.transformToByteArray() ?? new Uint8Array()));
}

export async function putObject(key: string, body: Buffer, bucket = DEFAULT_BUCKET): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Keys of the objects whose key starts with `prefix`. */
export async function objectKeys(prefix: string, bucket = DEFAULT_BUCKET): Promise<string[]> {
  const listed = await s3().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? "");
}

/** Keys of the unfinished multipart uploads whose key starts with `prefix`. */
export async function multipartUploads(prefix: string, bucket = DEFAULT_BUCKET): Promise<string[]> {
  const listed = await s3().send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (listed.Uploads ?? []).map((u) => u.Key ?? "");
}

export interface Entry {
  kind: "file" | "dir" | "symlink" | "other";
  /** sha256 of a file's bytes, a symlink's target. */
  content?: string;
  mode: number;
  mtimeMs: number;
  ino: number;
}

/** Every entry below `root` (not following symlinks), by relative path; names need not be UTF-8. */
export function snapshot(root: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const visit = (dir: Buffer) => {
    for (const name of readdirSync(dir, { encoding: "buffer" }).sort(Buffer.compare)) {
      const full = Buffer.concat([dir, Buffer.from("/"), name]);
      const stat = lstatSync(full);
      const rel = path.relative(root, full.toString());
      const base = { mode: stat.mode, mtimeMs: stat.mtimeMs, ino: stat.ino };
      if (stat.isDirectory()) {
        entries.set(rel, { kind: "dir", ...base });
        visit(full);
      } else if (stat.isSymbolicLink()) {
        entries.set(rel, { kind: "symlink", content: readlinkSync(full, { encoding: "buffer" }).toString("hex"), ...base });
      } else if (stat.isFile()) {
        let content: string;
        try {
          content = createHash("sha256").update(readFileSync(full)).digest("hex");
        } catch {
          content = "unreadable";
        }
        entries.set(rel, { kind: "file", content, ...base });
      } else {
        entries.set(rel, { kind: "other", ...base });
      }
    }
  };
  visit(Buffer.from(root));
  return entries;
}

/** Contents only (kind and bytes), for comparing trees written at different times. */
export function contents(tree: Map<string, Entry>): Record<string, string> {
  return Object.fromEntries([...tree].map(([name, entry]) => [name, `${entry.kind}:${entry.content ?? ""}`]));
}

/** Writes `size` bytes of seeded, incompressible data (AES-CTR over zeros). */
export function writeRandomFile(file: string, size: number, seed: string): void {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  writeFileSync(file, cipher.update(Buffer.alloc(size)));
}

export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

/** The job id from a run's stdout. */
export function jobIdOf(stdout: string): string {
  const id = /AWS Batch Job ID: (\S+)/.exec(stdout)?.[1];
  if (!id) throw new Error(`no job id in:\n${stdout}`);
  return id;
}

/** The run id from a run's stdout. */
export function runIdOf(stdout: string): string {
  const id = /Nextstrain Run ID: (\S+)/.exec(stdout)?.[1];
  if (!id) throw new Error(`no run id in:\n${stdout}`);
  return id;
}

/** An image no directory serves: the job fails to start, so the uploaded archive stays as uploaded. */
export const ABSENT_IMAGE = "reliability/absent:1";

export interface CraftedMember {
  name: string;
  data?: string;
  /** A symlink entry pointing at `data`. */
  symlink?: boolean;
  /** Bytes of zeros instead of data. */
  zeros?: number;
}

/** A ZIP with exactly these member names, written by Python's zipfile (which keeps names as given). */
export function craftZip(members: CraftedMember[]): Buffer {
  const script = `
import io, json, sys, zipfile
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    for m in json.loads(sys.argv[1]):
        info = zipfile.ZipInfo(m["name"], (2026, 1, 2, 3, 4, 6))
        info.create_system = 3
        info.external_attr = (0o120777 if m.get("symlink") else 0o100644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, bytes(m["zeros"]) if "zeros" in m else m.get("data", "").encode())
sys.stdout.buffer.write(buffer.getvalue())
`;
  return execFileSync("python3", ["-c", script, JSON.stringify(members)], { maxBuffer: 1 << 28 });
}

/** Member names of a ZIP, as Info-ZIP lists them. */
export function zipNames(zip: Buffer, scratch: string): string[] {
  const file = path.join(scratch, `list-${randomBytes(4).toString("hex")}.zip`);
  writeFileSync(file, zip);
  return execFileSync("zipinfo", ["-1", file], { encoding: "utf8", maxBuffer: 1 << 28 }).split("\n").filter(Boolean);
}
