// A gate a job of the local AWS stack waits at, so it stays RUNNING exactly
// as long as a test needs instead of sleeping a guessed number of seconds: a
// loopback HTTP server that holds every request until the test opens it. Jobs
// share the host's network (sandboxed or not), and python3 is on their PATH
// (the stack needs it).
import { createServer, type ServerResponse } from "node:http";

export interface Gate {
  /** A shell line that waits until the gate is open. */
  wait: string;
  open(): void;
  close(): Promise<void>;
}

export async function startGate(): Promise<Gate> {
  let opened = false;
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => {
    if (opened) response.end("open\n");
    else held.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    wait: `python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=600).read()' http://127.0.0.1:${port}/`,
    open() {
      opened = true;
      for (const response of held.splice(0)) response.end("open\n");
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
