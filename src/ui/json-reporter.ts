/**
 * The second renderer of the Reporter's events: `--json` writes each event as
 * one line of JSON on stdout (docs/json-events.md), while the human text goes
 * to stderr, or nowhere with `--quiet` (see `jsonReporters`).
 *
 * What the JSON renderer writes of each Reporter call: events (`emit`) whole,
 * with `v` and `time`; warnings and errors as `warning` and `error` events; a
 * downloaded file as `file-downloaded`. Stage and plain lines are for people
 * only. The `result` event is completed with what the
 * events before it said (src/ui/run-summary.ts).
 */
import type { Writable } from "node:stream";
import { wireForm, type RunEvent } from "./events.js";
import { createReporter, silentProgress, type Progress, type Reporter } from "./reporter.js";
import { emptySummary, summarise } from "./run-summary.js";
import { makeStyle } from "./style.js";

export interface JsonReporterOptions {
  stdout: Writable;
  /** Clock (milliseconds since the epoch); injected by tests. */
  now?: () => number;
}

export function createJsonReporter(options: JsonReporterOptions): Reporter {
  const now = options.now ?? Date.now;
  let summary = emptySummary();
  const write = (event: RunEvent) => {
    summary = summarise(summary, event);
    const wire = wireForm(event, now());
    if (event.type === "result") Object.assign(wire, summary, { exitStatus: event.exitStatus });
    options.stdout.write(JSON.stringify(wire) + "\n");
  };
  return {
    style: makeStyle(false),
    showsProgress: false,
    stage: () => {},
    line: () => {},
    file: (action, path) => {
      if (action === "unzipping") write({ type: "file-downloaded", path });
    },
    warn: (text) => write({ type: "warning", message: text }),
    error: (text, parts) => write({ type: "error", ...(parts ?? { message: text }) }),
    emit: (event) => write(event),
    progress: () => silentProgress,
  };
}

/** Every call goes to each reporter in turn; the first one's style and progress line are the ones people see. */
export function teeReporter(people: Reporter, ...others: Reporter[]): Reporter {
  const all = [people, ...others];
  return {
    style: people.style,
    showsProgress: people.showsProgress,
    stage: (label, detail) => all.forEach((reporter) => reporter.stage(label, detail)),
    line: (text) => all.forEach((reporter) => reporter.line(text)),
    file: (action, path) => all.forEach((reporter) => reporter.file(action, path)),
    warn: (text) => all.forEach((reporter) => reporter.warn(text)),
    error: (text, parts) => all.forEach((reporter) => reporter.error(text, parts)),
    emit: (event, shown) => all.forEach((reporter) => reporter.emit(event, shown)),
    progress: (label, totalBytes) => {
      const progresses: Progress[] = all.map((reporter) => reporter.progress(label, totalBytes));
      return {
        advance: (bytes) => progresses.forEach((progress) => progress.advance(bytes)),
        setTotal: (bytes) => progresses.forEach((progress) => progress.setTotal(bytes)),
        done: () => progresses.forEach((progress) => progress.done()),
      };
    },
  };
}

export interface JsonModeOptions {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** No human text at all. */
  quiet: boolean;
  verbose?: boolean;
}

/** The reporter of a `--json` run: JSON lines on stdout, and the human text on stderr unless quiet. */
export function jsonReporters(options: JsonModeOptions): Reporter {
  const json = createJsonReporter({ stdout: options.stdout });
  if (options.quiet) return json;
  const people = createReporter({ stdout: options.stderr, stderr: options.stderr, env: options.env, verbose: options.verbose });
  return teeReporter(people, json);
}
