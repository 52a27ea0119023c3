// The control API's server side (under /_local-aws/ on the stack endpoint):
// delays, injected failures and faults, call lists, hidden and purged jobs,
// image directories, and what placement would answer for a queue. The client
// tests use is LocalAwsControl (control.ts).
import type { ServerResponse } from "node:http";
import { parseFailureRequest } from "./batch/failures.js";
import type { JsonObject } from "./batch/model.js";
import type { Delays } from "./batch/delays.js";
import { largestInstance } from "./batch/capacity.js";
import type { FaultRule } from "./faults.js";
import type { ServerParts } from "./server.js";

export type ControlHandler = (method: string, path: string, body: string, res: ServerResponse) => void;

export function controlApi(parts: ServerParts): ControlHandler {
  return (method, path, body, res) => {
    const reply = (status: number, value?: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(value === undefined ? "" : JSON.stringify(value));
    };
    try {
      const input = body ? (JSON.parse(body) as JsonObject) : {};
      const job = /^\/jobs\/([^/]+)(\/failure)?$/.exec(path);
      const calls = /^\/calls\/([^/]+)$/.exec(path);
      const capacity = /^\/queues\/([^/]+)\/capacity$/.exec(path);
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
      if (calls && method === "POST") {
        parts.faults.record(decodeURIComponent(calls[1] ?? ""));
        return reply(204);
      }
      if (calls && method === "GET") return reply(200, parts.faults.calls(decodeURIComponent(calls[1] ?? "")));
      if ((path === "/failures" || job?.[2]) && method === "POST") {
        const request = parseFailureRequest(input);
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
      if (capacity && method === "GET") {
        const queue = parts.registry.findJobQueue(decodeURIComponent(capacity[1] ?? ""));
        if (!queue) return reply(404, { message: `no job queue ${capacity[1]}` });
        return reply(200, parts.registry.queueEnvironments(queue).map((e) => ({
          computeEnvironment: e.computeEnvironmentName,
          state: e.state,
          status: e.status,
          maxvCpus: e.computeResources?.maxvCpus ?? 0,
          largestJob: largestInstance(parts.registry.environmentTypes(e)),
        })));
      }
      return reply(404, { message: `no control operation ${method} ${path}` });
    } catch (error) {
      return reply(400, { message: (error as Error).message });
    }
  };
}
