/**
 * All output goes through a Reporter, so the core never writes to the terminal.
 *
 * Stage lines, per-file lines, job log lines and progress go to stdout; warnings
 * and errors go to stderr (C92). Two forms: on a terminal, labels are
 * bold (unless NO_COLOR), per-file lines give way to one progress line; without a
 * terminal, plain lines only and every per-file line is printed, as the
 * Nextstrain CLI prints them.
 */
import type { Writable } from "node:stream";
import type { RunEvent } from "./events.js";
import { makeStyle, useColour, type Style } from "./style.js";
import { formatBytes, formatDuration } from "./units.js";

export interface Progress {
  /** Count bytes done. */
  advance(bytes: number): void;
  /** The total, once known: the line then shows an ETA. */
  setTotal(bytes: number): void;
  /** Finish: remove the progress line. */
  done(): void;
}

/** How people see an event: as a stage line or a plain line (a job's log line is one); not at all when not given. */
export type Shown = { stage: string; detail?: string } | { line: string };

/** An error's parts, for renderers that keep them apart (the JSON one). */
export interface ErrorParts {
  message: string;
  hint?: string;
  /** What follows the error: how to get back to the job, what was left in S3. */
  note?: string;
}

export interface Reporter {
  readonly style: Style;
  /** A stage line with its label in bold, e.g. stage("AWS Batch Job ID:", id). */
  stage(label: string, detail?: string): void;
  /** A plain line on stdout (an empty line when no text). */
  line(text?: string): void;
  /** A per-file line such as "zipping: <path>": printed in plain mode or when verbose. */
  file(action: "zipping" | "unzipping", path: string): void;
  /** A warning on stderr, framed by blank lines as the Nextstrain CLI does. */
  warn(text: string): void;
  /** An error text on stderr, as given; `parts` as the JSON renderer writes it. */
  error(text: string, parts?: ErrorParts): void;
  /**
   * An event (src/ui/events.ts), shown to people as `shown` (nothing when
   * not given) and written whole by the JSON renderer.
   */
  emit(event: RunEvent, shown?: Shown): void;
  /** Whether progress() draws anything (on a terminal); work done only for it can be skipped otherwise. */
  readonly showsProgress: boolean;
  /** A byte-progress indicator (bytes, rate, ETA) on a terminal; silent otherwise. */
  progress(label: string, totalBytes?: number): Progress;
}

export interface ReporterOptions {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** Print per-file lines even on a terminal. */
  verbose?: boolean;
  /** Clock for rates and ETAs (milliseconds); injected by tests. */
  now?: () => number;
}

export const silentProgress: Progress = { advance() {}, setTotal() {}, done() {} };

export function createReporter(options: ReporterOptions): Reporter {
  const { stdout, stderr, env } = options;
  const terminal = Boolean(stdout.isTTY);
  const style = makeStyle(useColour(terminal, env));
  const now = options.now ?? Date.now;
  let bar: ProgressLine | undefined;

  const out = (text: string) => {
    bar?.clear();
    stdout.write(text + "\n");
    bar?.render();
  };
  const stageLine = (label: string, detail?: string) => out(detail === undefined ? style.bold(label) : `${style.bold(label)} ${detail}`);

  return {
    style,
    showsProgress: terminal,
    stage: (label, detail) => stageLine(label, detail),
    line: (text = "") => out(text),
    file: (action, path) => {
      if (!terminal || options.verbose) out(`${action}: ${path}`);
    },
    warn: (text) => {
      bar?.clear();
      stderr.write(`\n${text}\n\n`);
      bar?.render();
    },
    error: (text) => {
      bar?.clear();
      stderr.write(text.endsWith("\n") ? text : text + "\n");
      bar?.render();
    },
    emit: (_event, shown) => {
      if (shown === undefined) return;
      if ("stage" in shown) stageLine(shown.stage, shown.detail);
      else out(shown.line);
    },
    progress: (label, totalBytes) => {
      if (!terminal) return silentProgress;
      const line = new ProgressLine(stdout, label, totalBytes, now);
      bar = line;
      line.render();
      return {
        advance: (bytes) => line.advance(bytes),
        setTotal: (bytes) => line.setTotal(bytes),
        done: () => {
          line.clear();
          if (bar === line) bar = undefined;
        },
      };
    },
  };
}

/** One self-redrawing line: "<label>  12.0 MiB / 1.0 GiB  8.1 MiB/s  ETA 2m05s". */
class ProgressLine {
  private bytes = 0;
  private readonly started: number;
  private lastDraw = 0;

  constructor(
    private readonly stream: Writable & { columns?: number },
    private readonly label: string,
    private total: number | undefined,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  advance(bytes: number): void {
    this.bytes += bytes;
    // Redraw at most ten times a second: terminals are slower than disks.
    if (this.now() - this.lastDraw >= 100) this.render();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  render(): void {
    this.lastDraw = this.now();
    const text = describeProgress(this.label, this.bytes, this.total, this.now() - this.started);
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r\u001b[2K${text.slice(0, Math.max(0, width - 1))}`);
  }

  clear(): void {
    this.stream.write("\r\u001b[2K");
  }
}

/** The text of a progress line; pure, for tests. */
export function describeProgress(label: string, bytes: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0;
  const parts = [label, total === undefined ? formatBytes(bytes) : `${formatBytes(bytes)} / ${formatBytes(total)}`];
  if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
  if (total !== undefined && rate > 0 && bytes < total) parts.push(`ETA ${formatDuration(((total - bytes) / rate) * 1000)}`);
  return parts.join("  ");
}
