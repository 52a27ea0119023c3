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
import { readFileSync } from "node:fs";
import type { Io } from "./commands/context.js";
import { parseCommandLine, USAGE } from "./cli/parse.js";
import { PROGRAM } from "./program.js";
import { ErrorWithNote, ExpectedError, Interrupted, UsageError, UserError } from "./errors.js";
import { createReporter, type Reporter } from "./ui/reporter.js";

const PACKAGE = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  bugs: { url: string };
};

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
  if (error instanceof UserError) {
    reporter.error(`Error: ${error.message}` + (error.hint ? `\n\n${error.hint}` : ""));
    return error.exitCode;
  }
  if (error instanceof Interrupted) {
    reporter.error(error.message);
    return error.exitCode;
  }
  if (error instanceof ExpectedError) {
    reporter.error(`Error: ${error.message}`);
    return error.exitCode;
  }
  const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  reporter.error(
    [
      `An unexpected error occurred: ${description}`,
      "",
      `This is probably a bug in ${PROGRAM}, not something you did. Please report it at`,
      `<${PACKAGE.bugs.url}> with the command you ran and this output` + (debug ? "." : ";"),
      ...(debug ? [] : ["run it again with NEXTSTRAIN_DEBUG=1 to include the details."]),
    ].join("\n"),
  );
  return 1;
}

/** Runs main on this process and exits with its status once the output is written. */
export function runFromProcess(): void {
  // Files deflate on libuv's thread pool, which has 4 threads unless told
  // otherwise before its first use: give it one per core on larger machines.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
  void main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    homedir: homedir(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: Boolean(process.stdin.isTTY),
  }).then((status) => {
    process.exitCode = status;
    process.stdout.write("", () => process.exit(status));
  });
}
