/** The resolved settings as aligned lines, each with where it came from (for `build --dry-run`), one per row of the settings table. */
import type { CommandName, SettingsOf, SettingsTable } from "../config/setting-row.js";

export function describeSettings<Table extends SettingsTable>(settings: SettingsOf<Table>, table: Table, command: CommandName): string[] {
  const rows = Object.entries(table)
    .filter(([, row]) => row.commands.includes(command))
    .map(([key, row]) => {
      const { value, origin } = settings[key] ?? { value: undefined, origin: "" };
      const unset = "follows" in row.default ? row.default.otherwise.shows : row.default.shows;
      return { label: row.label, value: value === undefined ? (unset ?? "(not set)") : row.type.show(value), origin };
    });
  const labelWidth = Math.max(...rows.map(({ label }) => label.length));
  const valueWidth = Math.max(...rows.map(({ value }) => value.length));
  return rows.map(({ label, value, origin }) => `  ${label.padEnd(labelWidth)}  ${value.padEnd(valueWidth)}  from ${origin}`);
}
