/**
 * What the user asked for on the command line, after parsing and before any
 * setting is resolved: the input of the commands.
 */
import type { DownloadSpec } from "../archive/patterns.js";
import type { SettingFlags } from "../config/resolve.js";

/** The program a job runs unless `--exec` names another. */
export const DEFAULT_EXEC = "snakemake";

/** The components a development overlay can replace (`--augur <dir>`, ...), in the Nextstrain CLI's order. */
export const OVERLAY_NAMES = ["augur", "auspice", "fauna"] as const;

export type OverlayName = (typeof OVERLAY_NAMES)[number];

/** An overlay as given: the component and the directory as typed (relative to the working directory). */
export interface OverlayRequest {
  name: OverlayName;
  path: string;
}

/** Which files to download: those a DownloadSpec selects, or none (`--no-download`). */
export type DownloadChoice = DownloadSpec | false;

export interface BuildRequest {
  /** The directory as given (relative paths stay relative for messages). */
  directory?: string;
  /** Arguments after the directory, for the executed program. */
  execArgs: string[];
  /** The flags of settings given on the command line, by setting (src/config/settings.ts). */
  settingFlags: SettingFlags;
  /** A runtime flag of the Nextstrain CLI that this tool does not offer, e.g. "--docker". */
  otherRuntime?: string;
  detach: boolean;
  detachOnInterrupt: boolean;
  attach?: string;
  cancel: boolean;
  download: DownloadChoice;
  excludeFromUpload: string[];
  /** --augur, --auspice, --fauna: source directories shipped in place of the image's copies (the last one given of each). */
  overlays: OverlayRequest[];
  logs: boolean;
  env: string[];
  envdir: string[];
  exec: string;
  dryRun: boolean;
  /** --verbose: per-file lines even on a terminal. */
  verbose: boolean;
  /** --job-info: where to write the job's id, run id and status as JSON. */
  jobInfo?: string;
  /** --json: events as JSON lines on stdout (docs/json-events.md), people's text on stderr. */
  json: boolean;
  /** --quiet: with --json, no text for people at all. */
  quiet: boolean;
}

export interface JobsRequest {
  all: boolean;
  json: boolean;
  quiet: boolean;
  prune: boolean;
}

export interface LogsRequest {
  jobId: string;
  /** Keep following the log until the job ends. */
  follow: boolean;
  /** Only lines from this many milliseconds ago on. */
  sinceMs?: number;
  /** The attempt (1 is the first); the latest when not given. */
  attempt?: number;
  settingFlags: SettingFlags;
  json: boolean;
  quiet: boolean;
}

/** `setup`, `check-setup` and `teardown`: the settings' flags, and each command's own switches. */
export interface SetupRequest {
  settingFlags: SettingFlags;
  dryRun: boolean;
  update: boolean;
  setDefault: boolean;
}

export interface CheckSetupRequest {
  settingFlags: SettingFlags;
  /** --json: a `check` event per check (docs/json-events.md), people's table on stderr. */
  json: boolean;
  /** --quiet: with --json, no text for people at all. */
  quiet: boolean;
}

export interface TeardownRequest {
  settingFlags: SettingFlags;
  dryRun: boolean;
  yes: boolean;
  deleteBucketContents: boolean;
}
