// Child process: the download stage through the tool's own code, counting the
// GET requests and the body bytes they fetched, with the build directory's
// record in <archives dir> as a real build has it.
//   download.mjs <endpoint> <bucket> <key> <build root> <archives dir>
import type { S3Client } from "@aws-sdk/client-s3";
import { downloadResults } from "../../../src/runner/download.js";
import { ArchiveRecords } from "../../../src/state/archive-records.js";
import { answer, clientsFor, silentReporter } from "./common.js";

const [endpoint, bucket, key, buildRoot, archivesDir] = process.argv.slice(2) as [string, string, string, string, string];
const started = performance.now();
const s3: S3Client = await clientsFor(endpoint).s3();
const fetched = { gets: 0, bodyBytes: 0 };
s3.middlewareStack.add(
  (next, context) => async (args) => {
    const out = await next(args);
    if (context.commandName === "GetObjectCommand") {
      const response = out.response as { headers?: Record<string, string> };
      fetched.gets += 1;
      fetched.bodyBytes += Number(response.headers?.["content-length"] ?? 0);
    }
    return out;
  },
  { step: "deserialize", name: "benchCountGets" },
);
const archives = new ArchiveRecords(archivesDir);
const result = await downloadResults({ s3, workdir: { bucket, key }, buildRoot, spec: true, reporter: silentReporter(), jobId: key, signals: process, archives });
answer({ stageSeconds: (performance.now() - started) / 1000, ...result, ...fetched });
