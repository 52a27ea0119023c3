/**
 * `teardown --aws-batch`: list what setup created (found by its tag), ask,
 * and remove it in dependency order (src/setup/teardown.ts). `--yes` skips
 * the question; without a terminal and without `--yes` nothing is removed.
 * `--dry-run` lists only.
 */
import type { TeardownRequest } from "../cli/request.js";
import { createAwsClients } from "../aws/clients.js";
import { describeAwsError } from "../aws/errors.js";
import { loadSettings } from "../config/load.js";
import { endpointsOf } from "../config/resolve.js";
import { UserError } from "../errors.js";
import { PROGRAM } from "../program.js";
import { findRemovals, type Removal } from "../setup/teardown.js";
import { systemClock } from "../aws/retry.js";
import type { CommandContext } from "./context.js";

export async function teardownCommand(request: TeardownRequest, context: CommandContext): Promise<number> {
  const { io, reporter } = context;
  const { settings, warnings } = await loadSettings(request.settingFlags, io.env, io.homedir);
  for (const warning of warnings) reporter.warn(warning);
  const aws = createAwsClients({ region: settings.region.value, endpoints: endpointsOf(settings) });
  const progress = (text: string) => reporter.line(`  ${text}`);
  const removals = await findRemovals({ settings, aws, clock: systemClock, progress, deleteBucketContents: request.deleteBucketContents });
  if (removals.length === 0) {
    reporter.line(`Nothing to remove: no resource in region ${aws.region} carries setup's tag.`);
    return 0;
  }
  reporter.stage("Created by setup", `(found by their tag, in region ${aws.region}):`);
  for (const removal of removals) reporter.line(`  ${removal.what}${removal.kept ? `: kept, ${removal.kept}` : ""}`);
  if (request.dryRun) {
    reporter.line("Dry run: nothing was removed.");
    return 0;
  }
  if (!(await confirmed(request, context))) {
    reporter.line("Nothing was removed.");
    return 1;
  }
  await removeAll(removals.filter((removal) => removal.kept === undefined), progress);
  const kept = removals.filter((removal) => removal.kept !== undefined).length;
  reporter.line(`Removed ${removals.length - kept} resource${removals.length - kept === 1 ? "" : "s"}${kept > 0 ? `; kept ${kept}` : ""}.`);
  return 0;
}

async function confirmed(request: TeardownRequest, { io }: CommandContext): Promise<boolean> {
  if (request.yes) return true;
  if (!io.stdinIsTTY || io.ask === undefined) {
    throw new UserError("teardown removes AWS resources and needs a confirmation, but there is no terminal to ask on.", `Add --yes to remove them without asking: ${PROGRAM} teardown --aws-batch --yes`);
  }
  const answer = await io.ask("Remove these? Type yes to go on: ");
  return answer.trim().toLowerCase() === "yes";
}

async function removeAll(removals: readonly Removal[], progress: (text: string) => void): Promise<void> {
  const removed: string[] = [];
  for (const removal of removals) {
    try {
      await removal.remove();
    } catch (error) {
      const done = removed.length === 0 ? "Nothing was removed before it." : `Removed before it:\n${removed.map((what) => `  ${what}`).join("\n")}`;
      throw new UserError(`Teardown stopped: could not remove the ${removal.what}: ${error instanceof UserError ? error.message : describeAwsError(error)}`, `${done}\n\nFix that, then run ${PROGRAM} teardown --aws-batch again: it finds what is left.`);
    }
    removed.push(removal.what);
    progress(`removed  ${removal.what}`);
  }
}
