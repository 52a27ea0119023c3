/** The resolved settings as aligned lines, each with where it came from (for `build --dry-run`). */
import type { Setting, Settings } from "../config/resolve.js";
import { bucketUrl } from "../config/bucket.js";

export function describeSettings(settings: Settings): string[] {
  const rows: [string, Setting<unknown>, string][] = [
    ["runtime", settings.runtime, settings.runtime.value],
    ["job definition", settings.job, settings.job.value],
    ["job queue", settings.queue, settings.queue.value],
    ["S3 bucket", settings.bucket, bucketUrl(settings.bucket.value)],
    ["vCPUs", settings.vcpus, settings.vcpus.value === undefined ? "(not set)" : String(settings.vcpus.value)],
    ["memory (MiB)", settings.memoryMiB, settings.memoryMiB.value === undefined ? "(not set)" : String(settings.memoryMiB.value)],
    ["image", settings.image, settings.image.value],
    ["region", settings.region, settings.region.value],
    ["S3 endpoint", settings.endpoints.s3, settings.endpoints.s3.value ?? "(AWS)"],
    ["Batch endpoint", settings.endpoints.batch, settings.endpoints.batch.value ?? "(AWS)"],
    ["Logs endpoint", settings.endpoints.logs, settings.endpoints.logs.value ?? "(AWS)"],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, , value]) => value.length));
  return rows.map(([label, setting, value]) => `  ${label.padEnd(labelWidth)}  ${value.padEnd(valueWidth)}  from ${setting.origin}`);
}
