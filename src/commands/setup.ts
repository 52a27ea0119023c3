/**
 * `setup --aws-batch`: print the plan (one line per resource), then create
 * what is missing, and with `--update` bring what differs in line where AWS
 * allows it; `--dry-run` stops after the plan. `--set-default` writes the
 * runtime and the names used to the config file. The rules live in
 * src/setup/.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { SetupRequest } from "../cli/request.js";
import { createAwsClients } from "../aws/clients.js";
import { setIniValues } from "../config/ini-edit.js";
import { loadSettings } from "../config/load.js";
import { endpointsOf, type Settings } from "../config/resolve.js";
import { SETTINGS } from "../config/settings.js";
import { PROGRAM } from "../program.js";
import { applyPlan } from "../setup/apply.js";
import { describePlanItem, updatable, type PlanItem } from "../setup/plan.js";
import { prepareSetup } from "../setup/prepare.js";
import { systemClock } from "../aws/retry.js";
import { writeFileAtomic } from "../state/atomic.js";
import type { Reporter } from "../ui/reporter.js";
import type { CommandContext } from "./context.js";

export async function setupCommand(request: SetupRequest, context: CommandContext, version: string): Promise<number> {
  const { io, reporter } = context;
  const { settings, warnings, paths } = await loadSettings(request.settingFlags, io.env, io.homedir);
  for (const warning of warnings) reporter.warn(warning);
  const aws = createAwsClients({ region: settings.region.value, endpoints: endpointsOf(settings) });

  const { account, spec, plan } = await prepareSetup(settings, aws, version);
  reporter.stage("Setting up AWS Batch", `in account ${account}, region ${aws.region} (${settings.region.origin}):`);
  for (const item of plan) reporter.line(`  ${describePlanItem(item)}`);
  if (request.dryRun) {
    reporter.line("Dry run: nothing was created or changed.");
    return 0;
  }
  const rerun = `${PROGRAM} setup --aws-batch`;
  const done = await applyPlan(plan, { spec, aws, clock: systemClock, progress: (text) => reporter.line(`  ${text}`), update: request.update, rerun });
  const leftAlone = reportLeftAlone(reporter, plan, request.update);
  reporter.line(summary(done.length, leftAlone));
  if (request.setDefault) {
    await writeDefaults(paths.configFile, settings);
    reporter.line(`Wrote [core] runner = aws-batch and the job definition, queue and bucket to ${paths.configFile}.`);
  }
  reporter.line(`Check it with: ${PROGRAM} check-setup --aws-batch`);
  return 0;
}

function summary(changes: number, leftAlone: number): string {
  if (changes === 0 && leftAlone === 0) return "Nothing to change: every resource exists as setup makes it.";
  const changed = changes === 0 ? "Nothing was changed" : `Done: ${changes} change${changes === 1 ? "" : "s"}`;
  return leftAlone === 0 ? `${changed}.` : `${changed}; ${leftAlone} resource${leftAlone === 1 ? "" : "s"} left differing (see above).`;
}

/** Resources that differ and were not changed: why, and what would change them; answers how many. */
function reportLeftAlone(reporter: Reporter, plan: readonly PlanItem[], update: boolean): number {
  const differing = plan.filter((item) => item.action === "differs" && !(update && updatable(item)));
  if (differing.length === 0) return 0;
  const lines = differing.map((item) =>
    updatable(item)
      ? `  ${item.resource.kind} ${item.resource.name}: add --update to change it`
      : `  ${item.resource.kind} ${item.resource.name}: AWS does not let setup change ${item.differences.map((d) => d.property).join(", ")} in place; change it yourself, or remove it (${PROGRAM} teardown --aws-batch removes what setup created) and run setup again`,
  );
  reporter.warn(["Left as they are (setup never changes a resource unless told to):", ...lines].join("\n"));
  return differing.length;
}

/** `[core] runner = aws-batch` and the names used, keeping the file's other lines and comments. */
async function writeDefaults(file: string, settings: Settings): Promise<void> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? "" : Promise.reject(error)));
  const mode = await stat(file).then((found) => found.mode & 0o777, () => 0o644);
  const row = (key: "job" | "queue" | "bucket") => SETTINGS[key].config;
  const { bucket, prefix } = settings.bucket.value;
  const updated = setIniValues(text, [
    { ...SETTINGS.runtime.config, value: "aws-batch" },
    { ...row("job"), value: settings.job.value },
    { ...row("queue"), value: settings.queue.value },
    { ...row("bucket"), value: `${bucket}${prefix === "" ? "" : `/${prefix}`}` },
  ]);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, updated, mode);
}
