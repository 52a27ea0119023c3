/**
 * `logs <job-id>`: print a job's log (src/runner/job-logs.ts), whether this
 * machine submitted it or not. Thin: settings, clients and records, then the
 * runner.
 */
import { createAwsClients } from "../aws/clients.js";
import type { LogsRequest } from "../cli/request.js";
import { loadSettings } from "../config/load.js";
import { endpointsOf } from "../config/resolve.js";
import { showJobLogs } from "../runner/job-logs.js";
import { JobRecords, recordsDirectory } from "../state/records.js";
import type { CommandContext } from "./context.js";

export async function logsCommand(request: LogsRequest, context: CommandContext): Promise<number> {
  const { io, reporter } = context;
  const { settings, warnings, paths } = await loadSettings(request.settingFlags, io.env, io.homedir);
  for (const warning of warnings) reporter.warn(warning);
  const aws = createAwsClients({ region: settings.region.value, endpoints: endpointsOf(settings) });
  const records = new JobRecords(recordsDirectory(paths.home));
  const { jobId, follow, sinceMs, attempt } = request;
  return showJobLogs({ jobId, follow, sinceMs, attempt, bucket: settings.bucket.value }, { aws, records, reporter });
}
