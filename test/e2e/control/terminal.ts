// Running the binary on a pseudo-terminal, as a person at a keyboard would:
// util-linux `script` gives it a terminal, and keystrokes written to script's
// input reach it as Control-C (SIGINT) and Control-Z (SIGTSTP).
import { fileURLToPath } from "node:url";
import { BINARY, start, type RunOptions, type Running } from "../../local-aws/run.js";

const quote = (word: string) => `'${word.replaceAll("'", `'"'"'`)}'`;

export function startOnTerminal(args: string[], options: RunOptions = {}): Running & { press(keys: string): void } {
  const command = ["exec", process.execPath, BINARY, ...args].map((word, i) => (i === 0 ? word : quote(word))).join(" ");
  const running = start("script", ["-qfec", command, "/dev/null"], { ...options, interactive: true, env: { TERM: "xterm", ...options.env } });
  return { ...running, press: (keys: string) => running.child.stdin?.write(keys) };
}

/** Environment that makes the binary's clock jump `ms` ahead at each Control-C (clock-jumps.mjs). */
export function clockJumpsOnInterrupt(ms: number): Record<string, string> {
  const preload = fileURLToPath(new URL("./clock-jumps.mjs", import.meta.url));
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${preload}`.trim(), CLOCK_JUMP_MS: String(ms) };
}

export const CONTROL_C = "\x03";
export const CONTROL_Z = "\x1a";

/** Output with terminal control sequences and carriage returns removed. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/\r/g, "");
}
