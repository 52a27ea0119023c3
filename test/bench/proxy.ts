// A TCP proxy for the benchmarks: forwards a local port to an upstream
// endpoint, counts the bytes each way and, when given a rate, shapes both
// directions to it like one link of that bandwidth (a shared token bucket per
// direction, so parallel connections share the link as they would a real
// one).
import { createServer, connect, type Server, type Socket } from "node:net";

export interface LinkCounters {
  /** Bytes from clients to the upstream (requests, uploads). */
  up: number;
  /** Bytes from the upstream to clients (responses, downloads). */
  down: number;
}

export interface Proxy {
  endpoint: string;
  counters: LinkCounters;
  reset(): void;
  close(): Promise<void>;
}

/** Paces writes so that, across all connections, at most `bytesPerSecond` pass. */
class Pacer {
  private nextFree = 0;

  constructor(private readonly bytesPerSecond: number) {}

  /** Milliseconds to wait before sending `bytes`. */
  reserve(bytes: number): number {
    const now = performance.now();
    const start = Math.max(now, this.nextFree);
    this.nextFree = start + (bytes / this.bytesPerSecond) * 1000;
    return Math.max(0, this.nextFree - now);
  }
}

const SLICE = 16 * 1024;

function relay(from: Socket, to: Socket, pacer: Pacer | undefined, count: (bytes: number) => void): void {
  if (!pacer) {
    from.on("data", (chunk: Buffer) => {
      count(chunk.length);
      if (!to.write(chunk)) from.pause();
    });
    to.on("drain", () => from.resume());
    from.on("end", () => to.end());
    return;
  }
  // Shaped: hold reading while the bytes read wait for their slot.
  let queue = Promise.resolve();
  from.on("data", (chunk: Buffer) => {
    from.pause();
    queue = queue.then(async () => {
      for (let at = 0; at < chunk.length; at += SLICE) {
        const slice = chunk.subarray(at, at + SLICE);
        const wait = pacer.reserve(slice.length);
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        count(slice.length);
        if (!to.destroyed) to.write(slice);
      }
      if (to.writableNeedDrain) await new Promise((resolve) => to.once("drain", resolve));
      from.resume();
    });
  });
  from.on("end", () => {
    queue = queue.then(() => void to.end());
  });
}

export async function startProxy(upstream: string, bytesPerSecond?: number): Promise<Proxy> {
  const target = new URL(upstream);
  const counters: LinkCounters = { up: 0, down: 0 };
  const upPacer = bytesPerSecond ? new Pacer(bytesPerSecond) : undefined;
  const downPacer = bytesPerSecond ? new Pacer(bytesPerSecond) : undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const remote = connect(Number(target.port), target.hostname);
    for (const socket of [client, remote]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        remote.destroy();
      });
    }
    relay(client, remote, upPacer, (n) => (counters.up += n));
    relay(remote, client, downPacer, (n) => (counters.down += n));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    counters,
    reset() {
      counters.up = 0;
      counters.down = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
