// Child process: the upload stage of a re-run (P6), through the tool's own
// code, with the build directory's record in <archives dir>; timed from inside.
//   rerun.mjs <endpoint> <bucket> <key> <build root> <archives dir> full|incremental|record-previous
// `record-previous` does not upload: it records <key> as the previous run's
// result archive, as a download of it would (the files stay as recorded).
import { checkBucket, headObject } from "../../../src/aws/s3.js";
import { uploadWorkdir } from "../../../src/runner/upload.js";
import { ArchiveRecords, FileFacts } from "../../../src/state/archive-records.js";
import { answer, clientsFor, silentReporter } from "./common.js";

const [endpoint, bucket, key, buildRoot, archivesDir, mode] = process.argv.slice(2) as [string, string, string, string, string, string];
const started = performance.now();
const s3 = await clientsFor(endpoint).s3();
const archives = new ArchiveRecords(archivesDir);
if (mode === "record-previous") {
  const head = await headObject(s3, { bucket, key });
  const record = await archives.read(buildRoot);
  if (!head?.etag || !record) throw new Error("no archive or no record to mark as the previous run's");
  await archives.write(buildRoot, new FileFacts(record.files), { bucket, key, etag: head.etag, size: head.size });
  answer({});
} else {
  await checkBucket(s3, bucket);
  const result = await uploadWorkdir({ s3, buildRoot, excludeFromUpload: [], overlays: [], target: { bucket, key }, reporter: silentReporter(), archives, fullUpload: mode === "full" });
  answer({ stageSeconds: (performance.now() - started) / 1000, sentBytes: result.bytes, copiedBytes: result.copied, full: result.full ?? null });
}
