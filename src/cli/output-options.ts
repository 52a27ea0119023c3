/**
 * Options about output and logs, outside the settings table: `--json` and
 * `--quiet` (build, attach, jobs, logs), and the options of `logs`
 * (`--follow`, `--since <duration>`, `--attempt <n>`) with their value parsers.
 */
import { Option } from "commander";
import { UsageError } from "../errors.js";

/** `--json` and `--quiet`, for every command that reports events. */
export function outputOptions(): Option[] {
  return [
    new Option("--json", "Write events as JSON lines on stdout (docs/json-events.md); the text for people goes to stderr"),
    new Option("--quiet", "With --json, write no text for people at all"),
  ];
}

export function logsOptions(): Option[] {
  return [
    new Option("--follow", "Keep printing new lines until the job ends"),
    new Option("--since <duration>", "Only lines of the last <duration>: a number with s, m, h or d (90s, 10m, 2h, 1d)"),
    new Option("--attempt <n>", "The log of attempt <n> (1 is the first); the latest attempt's by default"),
  ];
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `1.5h`, `2d` in milliseconds; a usage error otherwise. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!match) throw new UsageError(`argument --since: invalid duration: '${text}' (a number with s, m, h or d, e.g. 10m or 2h)`, "logs");
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** An attempt number, 1 or more. */
export function parseAttempt(text: string): number {
  if (!/^[1-9]\d*$/.test(text.trim())) throw new UsageError(`argument --attempt: invalid value: '${text}' (the attempt's number, 1 or more)`, "logs");
  return Number(text.trim());
}
