// The stack's single endpoint: Batch requests (by their SigV4 service) go to
// the emulator, /_local-aws/ to the control API, everything else (S3 path
// style, CloudWatch Logs, IAM...) is passed through to moto unchanged, after
// the fault rules had their say. So AWS_ENDPOINT_URL alone points a client here.
import { randomUUID } from "node:crypto";
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { batchOperations, unknownOperation } from "./batch/api.js";
import { BatchApiError, errorBody } from "./batch/errors.js";
import type { ImageMap } from "./batch/images.js";
import type { JsonObject } from "./batch/model.js";
import type { Registry } from "./batch/registry.js";
import type { Delays, FailureKind, Scheduler } from "./batch/scheduler.js";
import { CONTROL_PREFIX } from "./control.js";
import type { FaultRule, Faults, RecordedCall } from "./faults.js";
import { identify } from "./requests.js";

export interface ServerParts {
  registry: Registry;
  scheduler: Scheduler;
  faults: Faults;
  images: ImageMap;
  motoEndpoint: string;
}

// Headers that belong to one connection, not to the request being passed on.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "expect", "upgrade"]);
const FAILURE_KINDS: FailureKind[] = ["out-of-memory", "instance-terminated", "cannot-pull"];

export function createStackServer(parts: ServerParts): Server {
  const operations = batchOperations(parts.registry, parts.scheduler);
  const moto = new URL(parts.motoEndpoint);
  const agent = new Agent({ keepAlive: true });

  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    if (url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      void readBody(req).then((body) => control(parts, req.method ?? "GET", url.pathname.slice(CONTROL_PREFIX.length), body, res));
      return;
    }
    const info = identify(req.method ?? "GET", req.headers, url);
    const note = (outcome: RecordedCall["outcome"]) => parts.faults.note(info, url, outcome);
    const fault = parts.faults.check(info);
    if (fault?.kind === "respond") {
      req.resume();
      note(fault.response.status);
      res.writeHead(fault.response.status, { ...fault.response.headers, "x-amzn-RequestId": randomUUID() }).end(fault.response.body);
      return;
    }
    if (fault?.kind === "blackout") {
      // A lost connection: nothing answers, then the connection drops.
      note("blackout");
      setTimeout(() => req.socket.destroy(), Math.max(0, fault.untilMs - Date.now()));
      return;
    }
    const reset = fault?.kind === "reset";
    if (reset) note("reset");
    const sentLength = Number(req.headers["content-length"] ?? 0);
    if (reset && sentLength > 0) {
      // Cut the connection once half the request body has arrived.
      let received = 0;
      req.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= sentLength / 2) req.socket.destroy();
      });
      return;
    }
    const serve = () => {
      if (info.service === "batch") {
        void readBody(req).then((body) => batch(operations, url.pathname, body, res, reset ? undefined : note));
        return;
      }
      passToMoto(req, res, { moto, agent, reset, note });
    };
    if (fault?.kind === "delay") setTimeout(serve, fault.ms);
    else serve();
  });
}

interface PassOptions {
  moto: URL;
  agent: Agent;
  /** Cut the connection after half of moto's answer. */
  reset: boolean;
  note: (outcome: number) => void;
}

function passToMoto(req: IncomingMessage, res: ServerResponse, { moto, agent, reset, note }: PassOptions): void {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
  const upstream = httpRequest(
    { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers, agent },
    (answer) => {
      const back = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
      if (!reset) note(answer.statusCode ?? 502);
      res.writeHead(answer.statusCode ?? 502, back);
      if (!reset) {
        answer.pipe(res);
        return;
      }
      void readBody(answer, "buffer").then((body) => {
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      });
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`local-aws: moto unreachable: ${error.message}`);
  });
  req.pipe(upstream);
}

function batch(operations: ReturnType<typeof batchOperations>, path: string, body: string, res: ServerResponse, note?: (outcome: number) => void): void {
  const requestId = randomUUID();
  try {
    const operation = path.startsWith("/v1/") ? operations[path.slice(4)] : undefined;
    if (!operation) throw unknownOperation(path);
    let request: JsonObject;
    try {
      request = body ? (JSON.parse(body) as JsonObject) : {};
    } catch {
      throw new BatchApiError("SerializationException", "Request body is not JSON");
    }
    const answer = operation(request);
    note?.(200);
    res.writeHead(200, { "content-type": "application/json", "x-amzn-RequestId": requestId }).end(JSON.stringify(answer));
  } catch (error) {
    const apiError = error instanceof BatchApiError ? error : new BatchApiError("ServerException", (error as Error).message, 500);
    const { headers, body: text } = errorBody(apiError);
    note?.(apiError.httpStatus);
    res.writeHead(apiError.httpStatus, { ...headers, "x-amzn-RequestId": requestId }).end(text);
  }
}

function control(parts: ServerParts, method: string, path: string, body: string, res: ServerResponse): void {
  const reply = (status: number, value?: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" }).end(value === undefined ? "" : JSON.stringify(value));
  };
  try {
    const input = body ? (JSON.parse(body) as JsonObject) : {};
    const job = /^\/jobs\/([^/]+)(\/failure)?$/.exec(path);
    if (path === "/health" && method === "GET") return reply(200, { ok: true });
    if (path === "/delays" && method === "GET") return reply(200, parts.scheduler.delays);
    if (path === "/delays" && method === "PUT") {
      const delays = parts.scheduler.delays;
      for (const [key, value] of Object.entries(input)) {
        if (!(key in delays) || typeof value !== "number" || value < 0) return reply(400, { message: `bad delay ${key}` });
        delays[key as keyof Delays] = value;
      }
      return reply(200, delays);
    }
    if (path === "/faults" && method === "POST") {
      parts.faults.add(input as unknown as FaultRule);
      return reply(204);
    }
    if (path === "/faults" && method === "DELETE") {
      parts.faults.clear();
      return reply(204);
    }
    const calls = /^\/calls\/([^/]+)$/.exec(path);
    if (calls && method === "POST") {
      parts.faults.record(decodeURIComponent(calls[1] ?? ""));
      return reply(204);
    }
    if (calls && method === "GET") return reply(200, parts.faults.calls(decodeURIComponent(calls[1] ?? "")));
    if ((path === "/failures" || job?.[2]) && method === "POST") {
      if (!FAILURE_KINDS.includes(input.kind as FailureKind)) return reply(400, { message: `kind must be one of ${FAILURE_KINDS.join(", ")}` });
      const request = { kind: input.kind as FailureKind, afterMs: input.afterMs as number | undefined };
      if (job) parts.scheduler.injectFailure(decodeURIComponent(job[1] ?? ""), request);
      else parts.scheduler.armFailure({ ...request, jobName: input.jobName as string | undefined });
      return reply(204);
    }
    if (path === "/hidden-jobs" && method === "POST") {
      if (typeof input.ms !== "number" || input.ms < 0) return reply(400, { message: "ms must be a number of milliseconds" });
      parts.scheduler.hideNextJob({ ms: input.ms, jobName: input.jobName as string | undefined });
      return reply(204);
    }
    if (job && !job[2] && method === "DELETE") {
      return reply(parts.scheduler.purge(decodeURIComponent(job[1] ?? "")) ? 204 : 404);
    }
    if (path === "/images" && method === "PUT") {
      Object.assign(parts.images, input);
      return reply(200, parts.images);
    }
    return reply(404, { message: `no control operation ${method} ${path}` });
  } catch (error) {
    return reply(400, { message: (error as Error).message });
  }
}

function readBody(req: IncomingMessage): Promise<string>;
function readBody(req: IncomingMessage, as: "buffer"): Promise<Buffer>;
function readBody(req: IncomingMessage, as?: "buffer"): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      resolve(as === "buffer" ? body : body.toString("utf8"));
    });
    req.on("error", reject);
  });
}
