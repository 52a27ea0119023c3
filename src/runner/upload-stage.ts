/**
 * The upload stage of a submission (docs/architecture.md#stages): the build
 * directory's archive (a re-run's copying what it can from the previous
 * run's archive), then the env.d archive when the job's variables travel in
 * it; each object noted in `BeforeJob` as it goes, so a failure or Control-C
 * before the job exists removes it.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { BuildRoot } from "../archive/build-root.js";
import { s3Url, type S3Location } from "../aws/s3.js";
import type { ArchiveRecords } from "../state/archive-records.js";
import type { Reporter } from "../ui/reporter.js";
import type { BeforeJob } from "./before-job.js";
import type { BuildPlan } from "./plan.js";
import { uploadEnvd, uploadWorkdir } from "./upload.js";

/** What the upload works with: S3, the output, the stage's guard and signal, and the build directory's record. */
export interface UploadIo {
  s3: S3Client;
  reporter: Reporter;
  beforeJob: BeforeJob;
  signal: AbortSignal;
  archives?: ArchiveRecords;
  fullUpload: boolean;
}

export interface UploadPlace {
  location: BuildRoot;
  plan: BuildPlan;
  workdir: S3Location;
  envd?: S3Location;
}

/** The build directory's archive, then the env.d archive when the variables travel in it; each noted so a failure removes it. */
export async function upload(io: UploadIo, place: UploadPlace): Promise<void> {
  const { s3, reporter, beforeJob, signal, archives, fullUpload } = io;
  const { location, plan, workdir, envd } = place;
  const onMultipart = (uploadId: string) => beforeJob.holds({ kind: "upload", location: workdir, uploadId });
  const { buildRoot } = location;
  await uploadWorkdir({ s3, buildRoot, excludeFromUpload: plan.excludeFromUpload, overlays: plan.overlays, target: workdir, reporter, signal, onMultipart, archives, fullUpload });
  beforeJob.holds({ kind: "object", location: workdir });
  reporter.line(`uploaded: ${s3Url(workdir)}`);
  if (envd) {
    // Noted before it is sent: it holds the job's variables, secrets included.
    beforeJob.holds({ kind: "object", location: envd });
    await uploadEnvd(s3, envd, plan.env, reporter, signal);
    reporter.line(`uploaded: ${s3Url(envd)}`);
  }
}

