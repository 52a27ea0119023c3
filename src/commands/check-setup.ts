/**
 * `check-setup --aws-batch`: the checks as a table, each also a `check` event
 * (what `--json` writes, docs/json-events.md); exit status 0 only when none fails.
 */
import type { CheckSetupRequest } from "../cli/request.js";
import { createAwsClients } from "../aws/clients.js";
import { loadSettings } from "../config/load.js";
import { endpointsOf } from "../config/resolve.js";
import { formatChecks } from "../setup/checks.js";
import { runChecks } from "../setup/run-checks.js";
import type { CommandContext } from "./context.js";

export async function checkSetupCommand(request: CheckSetupRequest, context: CommandContext): Promise<number> {
  const { io, reporter } = context;
  const { settings, warnings } = await loadSettings(request.settingFlags, io.env, io.homedir);
  for (const warning of warnings) reporter.warn(warning);
  const aws = createAwsClients({ region: settings.region.value, endpoints: endpointsOf(settings) });
  const checks = await runChecks({ settings, aws, env: io.env });
  const failed = checks.filter((check) => check.verdict === "fail").length;
  for (const check of checks) reporter.emit({ type: "check", ...check });
  reporter.stage("Checking the AWS Batch set-up", "used by builds:");
  for (const line of formatChecks(checks)) reporter.line(line);
  const warned = checks.filter((check) => check.verdict === "warn").length;
  reporter.line(failed === 0 ? `All good: ${checks.length - warned} passed, ${warned} warning${warned === 1 ? "" : "s"}.` : `${failed} check${failed === 1 ? "" : "s"} failed: builds are unlikely to work until fixed.`);
  return failed === 0 ? 0 : 1;
}
