/**
 * Downloading the job's results (compat-spec §3.13; C83-C89, C112, C118):
 * read the result archive's central directory with ranged GETs, then fetch
 * and write only the members the patterns select whose CRC-32 differs from
 * the local file. Each file is written to a temporary name and renamed, so an
 * interruption leaves every file old or new, never half-written (R3).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { downloadVerdict } from "../archive/exclusions.js";
import { extractChanged, type ExtractResult } from "../archive/extract.js";
import { downloadSelector } from "../archive/patterns.js";
import { ZipFormatError } from "../archive/zip-reader.js";
import { openObjectRanges, s3Url, type S3Location } from "../aws/s3.js";
import { UserError } from "../errors.js";
import type { Reporter } from "../ui/reporter.js";
import { retryNotice } from "./notices.js";

export interface DownloadRequest {
  s3: S3Client;
  workdir: S3Location;
  buildRoot: string;
  /** Everything, or the ordered --download / --exclude-from-download patterns. */
  spec: true | readonly string[];
  reporter: Reporter;
  signal?: AbortSignal;
}

export async function downloadResults(request: DownloadRequest): Promise<ExtractResult> {
  const { reporter, buildRoot, spec } = request;
  if (spec === true) {
    reporter.stage(`Downloading all files modified by job to ${buildRoot}`);
  } else {
    reporter.stage(`Downloading select files modified by job to ${buildRoot}`);
    for (const pattern of spec) reporter.line(`  - ${pattern}`);
  }
  const notice = retryNotice(reporter, "S3");
  const source = await openObjectRanges(request.s3, request.workdir, { onRetry: notice, signal: request.signal });
  const selected = downloadSelector(spec);
  const progress = reporter.progress("Downloading");
  try {
    return await extractChanged(source, {
      buildRoot,
      wanted: (name) => downloadVerdict(name, selected) === "extract",
      onExtract: (path) => reporter.file("unzipping", path),
      onBytes: (bytes) => progress.advance(bytes),
      signal: request.signal,
    });
  } catch (error) {
    if (error instanceof ZipFormatError) {
      throw new UserError(
        `The job's results archive ${s3Url(request.workdir)} is damaged: ${error.message}`,
        "The job may have failed while uploading its results; its logs (attach with --no-download) say more.",
      );
    }
    throw error;
  } finally {
    progress.done();
  }
}
