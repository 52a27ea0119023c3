/**
 * Words about settings, made from the rows of the settings table: where each
 * can be given (for hints and `--help`), and which setting named an AWS
 * resource that a failure is about, with where that setting came from.
 */
import { ErrorWithNote, ResourceError, UserError } from "../errors.js";
import type { SettingRow, SettingsOf, SettingsTable } from "./setting-row.js";

/** "a, b or c" */
function oneOf(parts: readonly string[]): string {
  return parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")} or ${parts.at(-1)}`;
}

/** Every way to give a setting, for hints: "--aws-batch-queue, NEXTSTRAIN_AWS_BATCH_QUEUE or [aws-batch] queue in the config file". */
export function waysToSet(row: SettingRow<unknown>): string {
  return oneOf([
    ...(row.flag ? [row.flag.name] : []),
    ...(row.env ?? []),
    ...(row.config ? [`[${row.config.section}] ${row.config.key} in the config file`] : []),
    ...(row.awsProfile ? [`the AWS profile's ${row.awsProfile}`] : []),
  ]);
}

/**
 * What `--help` says of a setting besides its flag: its variables, config key
 * and default, e.g. ["env NEXTSTRAIN_AWS_BATCH_QUEUE", "config [aws-batch] queue",
 * "default nextstrain-job-queue"]. For a switch, the value it stands for.
 */
export function helpSources(row: SettingRow<unknown>): string[] {
  const switched = row.flag && row.flag.argument === undefined ? row.type.show(row.flag.sets) : undefined;
  const env = row.env ?? [];
  const parts: string[] = [];
  if (env.length > 0) parts.push(`env ${switched === undefined ? env.join(", ") : env.map((name) => `${name}=${switched}`).join(", ")}`);
  if (row.config) parts.push(`config [${row.config.section}] ${row.config.key}${switched === undefined ? "" : ` = ${switched}`}`);
  if (row.awsProfile) parts.push(`the AWS profile's ${row.awsProfile}`);
  const fallback = row.default;
  if (switched === undefined && "text" in fallback && fallback.text !== undefined) parts.push(`default ${fallback.text}`);
  return parts;
}

/**
 * The error, with its hint saying which setting named each resource it is
 * about and where that setting came from (its origin); errors about anything
 * else, or about resources no setting named, are returned as they are. A
 * failure with a note keeps its note.
 */
export function nameSettings<Table extends SettingsTable>(error: unknown, settings: SettingsOf<Table>, table: Table): unknown {
  if (error instanceof ErrorWithNote) {
    const failure = nameSettings(error.failure, settings, table);
    return failure === error.failure ? error : new ErrorWithNote(failure, error.note);
  }
  if (!(error instanceof ResourceError)) return error;
  const lines = error.resources.flatMap((resource) =>
    Object.entries(table).flatMap(([key, row]) => {
      const setting = settings[key];
      if (row.names?.kind !== resource.kind || setting === undefined || setting.value === undefined) return [];
      const name = row.names.of ? row.names.of(setting.value) : String(setting.value);
      return name === resource.name ? [`"${name}" is the ${row.label} setting (from ${setting.origin}): change it with ${waysToSet(row)}.`] : [];
    }),
  );
  return lines.length === 0 ? error : new UserError(error.message, [error.hint, ...lines].filter((line) => line !== undefined).join("\n"));
}
