// Child process: the upload stage (HeadBucket, walk, zip, multipart upload)
// through the tool's own code, timed from inside.
//   upload.mjs <endpoint> <bucket> <key> <build root>
import { checkBucket } from "../../../src/aws/s3.js";
import { uploadWorkdir } from "../../../src/runner/upload.js";
import { answer, clientsFor, silentReporter } from "./common.js";

const [endpoint, bucket, key, buildRoot] = process.argv.slice(2) as [string, string, string, string];
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const s3 = await clientsFor(endpoint).s3();
await checkBucket(s3, bucket);
const result = await uploadWorkdir({ s3, buildRoot, excludeFromUpload: [], overlays: [], target: { bucket, key }, reporter: silentReporter() });
const cpu = process.cpuUsage(cpuAtStart);
answer({ stageSeconds: (performance.now() - started) / 1000, archiveBytes: result.bytes, parts: result.parts, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
