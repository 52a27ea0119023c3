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
import { parseCommandLine, USAGE } from "./cli/parse.js";
import { PACKAGE, PROGRAM } from "./program.js";
import { describeFailure, ErrorWithNote, ExpectedError, UsageError } from "./errors.js";
import { createReporter, type Reporter } from "./ui/reporter.js";

export async function main(io: Io): Promise<number> {
  const reporter = createReporter({ stdout: io.stdout, stderr: io.stderr, env: io.env });
  try {
    const invocation = parseCommandLine(io.argv, { cwd: io.cwd, version: PACKAGE.version, stdout: io.stdout });
    switch (invocation.kind) {
      case "done":
        return 0;
      case "build":
      case "attach": {
        const commandReporter = invocation.request.verbose ? createReporter({ stdout: io.stdout, stderr: io.stderr, env: io.env, verbose: true }) : reporter;
        // Commands load only when run, so --help and --version stay fast (P3).
        const { buildCommand } = await import("./commands/build.js");
        return await buildCommand(invocation.request, { io, reporter: commandReporter, signals: process }, invocation.kind);
      }
      case "jobs": {
        const { jobsCommand } = await import("./commands/jobs.js");
        return await jobsCommand(invocation.request, { io, reporter, signals: process });
      }
    }
  } catch (error) {
    return renderError(error, reporter, io.env);
  }
}

export function renderError(error: unknown, reporter: Reporter, env: NodeJS.ProcessEnv): number {
  if (error instanceof ErrorWithNote) {
    const status = renderError(error.failure, reporter, env);
    reporter.error(["", ...error.note].join("\n"));
    return status;
  }
  const debug = Boolean(env.NEXTSTRAIN_DEBUG);
  if (debug && error instanceof Error && error.stack) reporter.error(error.stack);
  if (error instanceof UsageError) {
    const command = error.command ?? "";
    reporter.error(USAGE[command] ?? USAGE[""] ?? "");
    reporter.error(`${PROGRAM}${command ? ` ${command}` : ""}: error: ${error.message}`);
    return error.exitCode;
  }
  reporter.error(describeFailure(error, debug));
  return error instanceof ExpectedError ? error.exitCode : 1;
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
  }).then(exit);
}

function exit(status: number): void {
  process.exitCode = status;
  process.stdout.write("", () => process.exit(status));
}
