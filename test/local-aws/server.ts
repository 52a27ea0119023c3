// The stack's single endpoint: Batch requests (by their SigV4 service) go to
// the emulator, /_local-aws/ to the control API, everything else (S3 path
// style, CloudWatch Logs, IAM, EC2, STS) is passed through to moto, after the
// fault rules had their say. So AWS_ENDPOINT_URL alone points a client here.
// On the way it checks the copy conditions moto ignores and fills moto's gaps
// (s3-copy.ts, moto-gaps.ts), and counts the bytes each recorded call carried.
import { randomUUID } from "node:crypto";
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { batchOperations, TAG_OPERATIONS, unknownOperation } from "./batch/api.js";
import { BatchApiError, errorBody } from "./batch/errors.js";
import type { ImageMap } from "./batch/images.js";
import type { JsonObject } from "./batch/model.js";
import type { Registry } from "./batch/registry.js";
import type { Scheduler } from "./batch/scheduler.js";
import { controlApi } from "./control-api.js";
import { CONTROL_PREFIX } from "./control.js";
import { preconditionFailed, type CallBytes, type FaultResponse, type Faults, type RecordedCall } from "./faults.js";
import { instanceProfileTagsAnswer, notImplemented } from "./moto-gaps.js";
import { identify, isQueryProtocol, type RequestInfo } from "./requests.js";
import { copySourcePath, failedCondition, rangeLength } from "./s3-copy.js";

export interface ServerParts {
  registry: Registry;
  scheduler: Scheduler;
  faults: Faults;
  images: ImageMap;
  motoEndpoint: string;
}

// Headers that belong to one connection, not to the request being passed on.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "expect", "upgrade"]);

interface Moto {
  url: URL;
  agent: Agent;
}

/** A call on its way: what it is, and how to note its outcome. */
interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: RequestInfo;
  /** The body, when it had to be read to tell the operation (query protocols). */
  form?: string;
  note(outcome: RecordedCall["outcome"], bytes?: CallBytes): void;
}

export function createStackServer(parts: ServerParts): Server {
  const operations = batchOperations(parts.registry, parts.scheduler);
  const moto: Moto = { url: new URL(parts.motoEndpoint), agent: new Agent({ keepAlive: true }) };
  const control = controlApi(parts);

  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://local");
    if (url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      void readBody(req).then((body) => control(req.method ?? "GET", url.pathname.slice(CONTROL_PREFIX.length), body, res));
      return;
    }
    const formRead = isQueryProtocol(req.method ?? "GET", req.headers, url) ? readBody(req) : Promise.resolve(undefined);
    void formRead.then((form) => {
      const info = identify(req.method ?? "GET", req.headers, url, form);
      const call: Call = { req, res, url, info, form, note: (outcome, bytes) => parts.faults.note(info, url, outcome, bytes) };
      handle(call, parts, operations, moto);
    });
  });
}

function handle(call: Call, parts: ServerParts, operations: ReturnType<typeof batchOperations>, moto: Moto): void {
  const { req, res, info } = call;
  const fault = parts.faults.check(info);
  if (fault?.kind === "respond") {
    req.resume();
    call.note(fault.response.status, { sent: call.form === undefined ? 0 : Buffer.byteLength(call.form) });
    respond(res, fault.response);
    return;
  }
  if (fault?.kind === "blackout") {
    // A lost connection: nothing answers, then the connection drops.
    call.note("blackout");
    // unref: a blackout still under way must not keep a stopped stack's process alive.
    setTimeout(() => req.socket.destroy(), Math.max(0, fault.untilMs - Date.now())).unref();
    return;
  }
  const reset = fault?.kind === "reset";
  if (reset) call.note("reset");
  const sentLength = Number(req.headers["content-length"] ?? 0);
  if (reset && sentLength > 0) {
    // Cut the connection once half the request body has arrived.
    if (call.form !== undefined) return void req.socket.destroy();
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received >= sentLength / 2) req.socket.destroy();
    });
    return;
  }
  const quiet: Call = reset ? { ...call, note: () => {} } : call;
  const serve = () => {
    if (info.service === "batch") void readBody(req).then((body) => batch(operations, quiet, body));
    else if (info.service === "s3" && (info.operation === "UploadPartCopy" || info.operation === "CopyObject")) void copy(quiet, moto, reset);
    else if (info.service === "iam" && info.operation === "ListInstanceProfileTags") void instanceProfileTags(quiet, moto);
    else passToMoto(quiet, moto, { reset });
  };
  if (fault?.kind === "delay") setTimeout(serve, fault.ms);
  else serve();
}

interface PassOptions {
  /** Cut the connection after half of moto's answer. */
  reset: boolean;
  /** Bytes the call copies, for the call list. */
  copied?: number;
}

function passToMoto(call: Call, moto: Moto, { reset, copied }: PassOptions): void {
  const { req, res } = call;
  let sent = call.form === undefined ? 0 : Buffer.byteLength(call.form);
  const upstream = httpRequest(
    { host: moto.url.hostname, port: moto.url.port, method: req.method, path: req.url, headers: forwarded(req.headers), agent: moto.agent },
    (answer) => {
      const status = answer.statusCode ?? 502;
      call.note(status, { sent, copied });
      const htmlFailure = status === 500 && call.form !== undefined && (answer.headers["content-type"] ?? "").startsWith("text/html");
      if (htmlFailure) {
        // moto has no such operation: say so in the protocol's shape rather than with an HTML page.
        answer.resume();
        respond(res, notImplemented(call.info.service, call.info.operation));
        return;
      }
      res.writeHead(status, forwarded(answer.headers));
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
  if (call.form !== undefined) {
    upstream.end(call.form);
    return;
  }
  req.on("data", (chunk: Buffer) => (sent += chunk.length));
  req.pipe(upstream);
}

/** UploadPartCopy and CopyObject: the source's ETag must meet the copy conditions; the copied bytes are counted. */
async function copy(call: Call, moto: Moto, reset: boolean): Promise<void> {
  const { req } = call;
  const source = await motoCall(moto, { method: "HEAD", path: copySourcePath(String(req.headers["x-amz-copy-source"])), headers: forwarded(req.headers, ["content-length", "content-type", "content-md5"]) });
  if (source.status !== 200) return passToMoto(call, moto, { reset });
  const condition = failedCondition(req.headers, String(source.headers.etag ?? ""));
  if (condition) {
    req.resume();
    call.note(412, { sent: 0, copied: 0 });
    respond(call.res, preconditionFailed(condition));
    return;
  }
  const range = req.headers["x-amz-copy-source-range"];
  const copied = rangeLength(typeof range === "string" ? range : undefined) ?? Number(source.headers["content-length"] ?? 0);
  passToMoto(call, moto, { reset, copied });
}

/** IAM ListInstanceProfileTags, from moto's GetInstanceProfile. */
async function instanceProfileTags(call: Call, moto: Moto): Promise<void> {
  const name = new URLSearchParams(call.form ?? "").get("InstanceProfileName") ?? "";
  const form = new URLSearchParams({ Action: "GetInstanceProfile", Version: "2010-05-08", InstanceProfileName: name }).toString();
  const answer = await motoCall(moto, { method: "POST", path: "/", headers: { ...forwarded(call.req.headers, ["content-length"]), "content-length": String(form.length) }, body: form });
  const sent = Buffer.byteLength(call.form ?? "");
  if (answer.status !== 200) {
    call.note(answer.status, { sent });
    call.res.writeHead(answer.status, forwarded(answer.headers)).end(answer.body);
    return;
  }
  call.note(200, { sent });
  respond(call.res, { status: 200, headers: { "content-type": "text/xml" }, body: instanceProfileTagsAnswer(answer.body.toString("utf8"), randomUUID()) });
}

async function batch(operations: ReturnType<typeof batchOperations>, call: Call, body: string): Promise<void> {
  const { res, url, req } = call;
  const requestId = randomUUID();
  const sent = { sent: Buffer.byteLength(body) };
  try {
    let request: JsonObject;
    try {
      request = body ? (JSON.parse(body) as JsonObject) : {};
    } catch {
      throw new BatchApiError("SerializationException", "Request body is not JSON");
    }
    let name = url.pathname.startsWith("/v1/") ? url.pathname.slice(4) : undefined;
    if (url.pathname.startsWith("/v1/tags/")) {
      // The resource ARN is the rest of the path; untagging names the keys in the query.
      name = TAG_OPERATIONS[req.method ?? ""];
      request = { ...request, resourceArn: decodeURIComponent(url.pathname.slice("/v1/tags/".length)), tagKeys: url.searchParams.getAll("tagKeys") };
    }
    const operation = name === undefined ? undefined : operations[name];
    if (!operation) throw unknownOperation(url.pathname);
    const answer = await operation(request);
    call.note(200, sent);
    res.writeHead(200, { "content-type": "application/json", "x-amzn-RequestId": requestId }).end(JSON.stringify(answer));
  } catch (error) {
    const apiError = error instanceof BatchApiError ? error : new BatchApiError("ServerException", (error as Error).message, 500);
    const { headers, body: text } = errorBody(apiError);
    call.note(apiError.httpStatus, sent);
    res.writeHead(apiError.httpStatus, { ...headers, "x-amzn-RequestId": requestId }).end(text);
  }
}

interface MotoAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request of the stack's own to moto, answered in full. */
function motoCall(moto: Moto, request: { method: string; path: string; headers: Record<string, string | string[]>; body?: string }): Promise<MotoAnswer> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({ host: moto.url.hostname, port: moto.url.port, method: request.method, path: request.path, headers: request.headers, agent: moto.agent }, (answer) => {
      void readBody(answer, "buffer").then((body) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }), reject);
    });
    upstream.on("error", reject);
    upstream.end(request.body);
  });
}

/** Headers to pass on: not the connection's own, nor `drop`. */
function forwarded(headers: IncomingHttpHeaders, drop: string[] = []): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name) && !drop.includes(name))) as Record<string, string | string[]>;
}

function respond(res: ServerResponse, response: FaultResponse): void {
  res.writeHead(response.status, { ...response.headers, "x-amzn-RequestId": randomUUID() }).end(response.body);
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
