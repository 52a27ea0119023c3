/** A fake process boundary for running `main` in-process: captured output, chosen env and cwd. */
import { Writable } from "node:stream";
import { main } from "../../src/main.js";

export interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stream.text += chunk.toString();
      done();
    },
  }) as Writable & { text: string };
  stream.text = "";
  return stream;
}

export async function runMain(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; homedir?: string } = {}): Promise<Captured> {
  const stdout = sink();
  const stderr = sink();
  const status = await main({
    argv,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    homedir: options.homedir ?? "/nonexistent-home",
    stdout,
    stderr,
    stdinIsTTY: false,
  });
  return { status, stdout: stdout.text, stderr: stderr.text };
}
