/**
 * The process boundary. `main` parses the command line, runs a command and
 * returns its exit status; every error is rendered here, once:
 *
 *  - expected errors (UserError, UsageError) as their message and hint, with
 *    the usage text for usage errors (exit status 2);
 *  - a failure with a note (how to re-attach, what was left in S3) as the
 *    failure, then the note;
 *  - anything else as "probably a bug", with how to report it.
 *
 * Stack traces only with NEXTSTRAIN_DEBUG. `runFromProcess` is the only place
 * that exits the process.
 */
import { availableParallelism, homedir } from "node:os";
import type { Io } from "./commands/context.js";
import { parseCommandLine, USAGE, type Invocation } from "./cli/parse.js";
import { keepYoungGenerationSmall } from "./heap.js";
import { PACKAGE, PROGRAM } from "./program.js";
import { describeFailure, ErrorWithNote, ExpectedError, UsageError, UserError } from "./errors.js";
import { jsonReporters } from "./ui/json-reporter.js";
import { createReporter, type Reporter } from "./ui/reporter.js";

export async function main(io: Io): Promise<number> {
  let reporter = createReporter({ stdout: io.stdout, stderr: io.stderr, env: io.env });
  let json = false;
  let status: number;
  try {
    const invocation = parseCommandLine(io.argv, { cwd: io.cwd, version: PACKAGE.version, stdout: io.stdout });
    if (invocation.kind === "done") return 0;
    // setup and teardown write no JSON events; build, attach, jobs, logs and check-setup take --json.
    json = "json" in invocation.request && invocation.request.json;
    reporter = commandReporter(invocation, io, reporter);
    status = await runCommand(invocation, io, reporter);
  } catch (error) {
    status = renderError(error, reporter, io.env);
  }
  // With --json, the last line says how the command ended (docs/json-events.md).
  if (json) reporter.emit({ type: "result", exitStatus: status });
  return status;
}

/** The reporter a command writes through: JSON lines with --json (people's text on stderr, unless --quiet), per-file lines with --verbose. */
function commandReporter(invocation: Exclude<Invocation, { kind: "done" }>, io: Io, plain: Reporter): Reporter {
  const { request } = invocation;
  const verbose = "verbose" in request && request.verbose;
  if ("json" in request && request.json) return jsonReporters({ stdout: io.stdout, stderr: io.stderr, env: io.env, quiet: request.quiet, verbose });
  return verbose ? createReporter({ stdout: io.stdout, stderr: io.stderr, env: io.env, verbose: true }) : plain;
}

async function runCommand(invocation: Exclude<Invocation, { kind: "done" }>, io: Io, reporter: Reporter): Promise<number> {
  const context = { io, reporter, signals: process };
  // Commands load only when run, so --help and --version stay fast (P3).
  switch (invocation.kind) {
    case "build":
    case "attach": {
      keepYoungGenerationSmall();
      const { buildCommand } = await import("./commands/build.js");
      return buildCommand(invocation.request, context, invocation.kind);
    }
    case "jobs": {
      const { jobsCommand } = await import("./commands/jobs.js");
      return jobsCommand(invocation.request, context);
    }
    case "logs": {
      const { logsCommand } = await import("./commands/logs.js");
      return logsCommand(invocation.request, context);
    }
    case "setup": {
      const { setupCommand } = await import("./commands/setup.js");
      return setupCommand(invocation.request, context, PACKAGE.version);
    }
    case "check-setup": {
      const { checkSetupCommand } = await import("./commands/check-setup.js");
      return checkSetupCommand(invocation.request, context);
    }
    case "teardown": {
      const { teardownCommand } = await import("./commands/teardown.js");
      return teardownCommand(invocation.request, context);
    }
  }
}

/**
 * Renders an error once, and returns its exit status. `notes`: what the
 * failures it was wrapped in add after it (how to get back to the job, what
 * was left in S3), innermost first. The JSON renderer gets the message, hint
 * and notes apart.
 */
export function renderError(error: unknown, reporter: Reporter, env: NodeJS.ProcessEnv, notes: readonly (readonly string[])[] = []): number {
  if (error instanceof ErrorWithNote) return renderError(error.failure, reporter, env, [error.note, ...notes]);
  const debug = Boolean(env.NEXTSTRAIN_DEBUG);
  if (debug && error instanceof Error && error.stack) reporter.error(error.stack);
  const { text, message, hint } = failureParts(error, debug);
  const note = notes.length === 0 ? undefined : notes.map((lines) => lines.join("\n")).join("\n\n");
  reporter.error([text, ...notes.map((lines) => ["", ...lines].join("\n"))].join("\n"), { message, ...(hint ? { hint } : {}), ...(note ? { note } : {}) });
  return error instanceof ExpectedError ? error.exitCode : 1;
}

/** How people read a failure, and its message and hint apart. */
function failureParts(error: unknown, debug: boolean): { text: string; message: string; hint?: string } {
  if (error instanceof UsageError) {
    const command = error.command ?? "";
    const usage = USAGE[command] ?? USAGE[""] ?? "";
    return { text: `${usage}\n${PROGRAM}${command ? ` ${command}` : ""}: error: ${error.message}`, message: error.message, hint: usage };
  }
  const text = describeFailure(error, debug);
  if (error instanceof ExpectedError) return { text, message: error.message, hint: error instanceof UserError ? error.hint : undefined };
  const [first = "", , ...rest] = text.split("\n");
  return { text, message: first, hint: rest.join("\n") };
}

/** Runs main on this process and exits with its status once the output is written. */
export function runFromProcess(): void {
  // Files deflate on libuv's thread pool, which has 4 threads unless told
  // otherwise before its first use: give it one per core on larger machines.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
  // A failure outside main's own try (a promise nobody awaited) is rendered the same way: never a bare stack trace.
  const escaped = (error: unknown) => exit(renderError(error, createReporter({ stdout: process.stdout, stderr: process.stderr, env: process.env }), process.env));
  process.on("uncaughtException", escaped);
  process.on("unhandledRejection", escaped);
  void main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    homedir: homedir(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    ask: askOnTerminal,
  }).then(exit);
}

/** A question on the terminal, for confirmations: the line typed. */
async function askOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

function exit(status: number): void {
  process.exitCode = status;
  process.stdout.write("", () => process.exit(status));
}
