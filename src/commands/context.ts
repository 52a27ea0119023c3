/** What every command gets from the process boundary: its I/O, environment and a Reporter. */
import type { Writable } from "node:stream";
import type { SignalSource } from "../runner/control.js";
import type { Reporter } from "../ui/reporter.js";

export interface Io {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The user's home directory. */
  homedir: string;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable;
  stdinIsTTY: boolean;
  /** Asks a question on the terminal and answers the line typed (for confirmations); none in tests that do not type. */
  ask?: (question: string) => Promise<string>;
}

export interface CommandContext {
  io: Io;
  reporter: Reporter;
  /** Where signals come from: the process, or an emitter in tests. */
  signals: SignalSource;
}
