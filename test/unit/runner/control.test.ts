import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { installSignalHandlers, JobControl, Stopped, stopOnSignals, TERM_GRACE_MS } from "../../../src/runner/control.js";
import { createReporter } from "../../../src/ui/reporter.js";

function setup(options: { tty: boolean; complete?: boolean }) {
  let out = "";
  const stdout = new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString()), done()) });
  const reporter = createReporter({ stdout, stderr: stdout, env: {} });
  const terminated: string[] = [];
  let clock = 1000;
  const control = new JobControl({
    reporter,
    stdinIsTTY: options.tty,
    terminate: async (reason) => void terminated.push(reason),
    isComplete: () => options.complete ?? false,
    clock: { now: () => clock * 1000, sleep: async () => {} },
  });
  return { control, terminated, output: () => out, advance: (seconds: number) => (clock += seconds) };
}

const outcome = (control: JobControl) => (control.signal.reason as Stopped | undefined)?.outcome;

describe("Control-C on a terminal (C99, C101)", () => {
  it("warns on the first press and cancels on a second within 10 seconds", async () => {
    const { control, terminated, output, advance } = setup({ tty: true });
    await control.interrupt("signal");
    expect(output()).toContain("Press Control-C again within 10 seconds to cancel this job.");
    expect(terminated).toEqual([]);
    advance(10);
    await control.interrupt("signal");
    expect(terminated).toEqual(["stopped by user"]);
    expect(output()).toContain("Canceling job…\nWaiting for job to stop…\n(Press Control-C one more time if you don't want to wait.)\n");
    expect(control.signal.aborted).toBe(false);
    await control.interrupt("signal");
    expect(outcome(control)).toEqual({ kind: "exit", status: 130 });
  });

  it("only warns again when the second press comes more than 10 seconds later", async () => {
    const { control, terminated, output, advance } = setup({ tty: true });
    await control.interrupt("signal");
    advance(11);
    await control.interrupt("signal");
    expect(terminated).toEqual([]);
    expect(output().match(/Press Control-C again/g)).toHaveLength(2);
  });

  it("exits 130 at once when the job has already ended (C91)", async () => {
    const { control, terminated } = setup({ tty: true, complete: true });
    await control.interrupt("signal");
    expect(terminated).toEqual([]);
    expect(outcome(control)).toEqual({ kind: "exit", status: 130 });
  });
});

describe("without a terminal (C100)", () => {
  it("cancels on one SIGINT", async () => {
    const { control, terminated, output } = setup({ tty: false });
    await control.interrupt("signal");
    expect(terminated).toEqual(["stopped by user"]);
    expect(output()).toContain("(Send SIGINT if you don't want to wait.)");
  });
});

describe("--cancel (C102)", () => {
  it("cancels at once, without asking", async () => {
    const { control, terminated, output } = setup({ tty: true });
    await control.interrupt("cancel");
    expect(terminated).toEqual(["stopped by user"]);
    expect(output()).toContain("(Press Control-C if you don't want to wait.)");
  });

  it("does nothing to a job that has ended", async () => {
    const { control, terminated } = setup({ tty: true, complete: true });
    await control.interrupt("cancel");
    expect(terminated).toEqual([]);
    expect(control.signal.aborted).toBe(false);
  });
});

describe("signal handlers (C95)", () => {
  it.each([["SIGTSTP"], ["SIGHUP"]] as const)("%s detaches", (signal) => {
    const { control } = setup({ tty: true });
    const source = new EventEmitter();
    const uninstall = installSignalHandlers(control, source, { detachOnInterrupt: false, onError: () => {} });
    source.emit(signal);
    expect(outcome(control)).toEqual({ kind: "detach" });
    uninstall();
    expect(source.listenerCount("SIGINT") + source.listenerCount(signal)).toBe(0);
  });

  it("SIGINT detaches with --detach-on-interrupt", () => {
    const { control, terminated } = setup({ tty: true });
    const source = new EventEmitter();
    installSignalHandlers(control, source, { detachOnInterrupt: true, onError: () => {} });
    source.emit("SIGINT");
    expect(outcome(control)).toEqual({ kind: "detach" });
    expect(terminated).toEqual([]);
  });

  it("leaves SIGTERM alone", () => {
    const source = new EventEmitter();
    installSignalHandlers(setup({ tty: true }).control, source, { detachOnInterrupt: false, onError: () => {} });
    expect(source.listenerCount("SIGTERM")).toBe(0);
  });
});

describe("a cancelled GitHub Actions run: SIGINT, then SIGTERM", () => {
  function slowTerminate() {
    let answer!: () => void;
    let graceOver!: () => void;
    const terminated: string[] = [];
    const control = new JobControl({
      // The grace period ends when the test says so.
      clock: { now: () => 0, sleep: (ms) => new Promise<void>((resolve) => (graceOver = () => (expect(ms).toBe(TERM_GRACE_MS), resolve()))) },
      reporter: createReporter({ stdout: new Writable({ write: (_c, _e, done) => done() }), stderr: new Writable({ write: (_c, _e, done) => done() }), env: {} }),
      stdinIsTTY: false,
      terminate: (reason) => new Promise<void>((resolve) => (answer = () => (terminated.push(reason), resolve()))),
      isComplete: () => false,
    });
    const source = new EventEmitter();
    installSignalHandlers(control, source, { detachOnInterrupt: false, onError: () => {} });
    return { control, source, terminated, answer: () => answer(), graceOver: () => graceOver() };
  }

  it("a SIGTERM while the cancellation is sent waits for TerminateJob's answer, then exits 143", async () => {
    const { control, source, terminated, answer } = slowTerminate();
    source.emit("SIGINT");
    expect(source.listenerCount("SIGTERM")).toBe(1);
    source.emit("SIGTERM");
    await Promise.resolve();
    expect(control.signal.aborted).toBe(false);
    answer();
    await vi.waitFor(() => expect(outcome(control)).toEqual({ kind: "exit", status: 143 }));
    expect(terminated).toEqual(["stopped by user"]);
    expect(source.listenerCount("SIGTERM")).toBe(0);
  });

  it("waits at most TERM_GRACE_MS for an answer that does not come", async () => {
    const { control, source, graceOver } = slowTerminate();
    source.emit("SIGINT");
    source.emit("SIGTERM");
    await Promise.resolve();
    expect(control.signal.aborted).toBe(false);
    graceOver();
    await vi.waitFor(() => expect(outcome(control)).toEqual({ kind: "exit", status: 143 }));
  });

  it("once the cancellation is sent, SIGTERM has its default again (the job is stopping)", async () => {
    const { source, answer } = slowTerminate();
    source.emit("SIGINT");
    answer();
    await vi.waitFor(() => expect(source.listenerCount("SIGTERM")).toBe(0));
  });
});

describe("stopOnSignals: Control-C and SIGTERM stop a piece of work with their own error", () => {
  /** Work that runs until its signal aborts it. */
  const endless = (signal: AbortSignal) => new Promise<never>((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: the work is aborted and stopped(%d) is thrown; the handlers are removed", async (name, status) => {
    const signals = new EventEmitter();
    const running = stopOnSignals(signals, (code) => new Error(`stopped ${code}`), endless);
    signals.emit(name);
    await expect(running).rejects.toThrow(`stopped ${status}`);
    expect(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM")).toBe(0);
  });

  it("stops with the reason of `also` (a detach), but a signal that comes with it wins", async () => {
    const signals = new EventEmitter();
    const detach = new AbortController();
    const detached = stopOnSignals(signals, (code) => new Error(`stopped ${code}`), endless, detach.signal);
    detach.abort(new Error("detached"));
    await expect(detached).rejects.toThrow("detached");

    // Control-C on an ended job: JobControl's handler runs first and aborts `also`.
    const both = new AbortController();
    signals.on("SIGINT", () => both.abort(new Error("exit 130")));
    const interrupted = stopOnSignals(signals, (code) => new Error(`stopped ${code}`), endless, both.signal);
    signals.emit("SIGINT");
    await expect(interrupted).rejects.toThrow("stopped 130");
  });
});
