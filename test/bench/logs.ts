// P4: following a job's log. A writer (this process) puts 100,000 lines into a
// CloudWatch Logs stream in moto, in bursts, each event stamped when it is
// put; a child process follows the stream with the tool's LogFollower and
// prints every line. Then the stream idles. Figures: how late each line is
// printed after its timestamp, and Logs API calls per minute while lines flow
// and while idle.
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BATCH_LOG_GROUP, STACK_REGION } from "../local-aws/stack.js";
import type { BenchContext } from "./context.js";
import { median, round } from "./measure.js";

const LINES = 100_000;
const BURSTS = 20;
const BURST_EVERY_MS = 2000;
const IDLE_MS = 45_000;
/** Idle calls are counted once the follower has settled into its idle pace. */
const IDLE_SETTLE_MS = 15_000;

export interface LogFigures {
  lines: number;
  printed: number;
  latencyMs: { median: number; p95: number; max: number };
  flowing: { seconds: number; calls: number; callsPerSecond: number };
  idle: { seconds: number; calls: number; secondsPerCall: number };
  peakRssMB: number;
}

export async function benchLogs(context: BenchContext): Promise<LogFigures> {
  const { stack } = context;
  const client = new CloudWatchLogsClient({ endpoint: stack.motoEndpoint, region: STACK_REGION, credentials: { accessKeyId: stack.env.AWS_ACCESS_KEY_ID, secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY } });
  const stream = `bench/logs/${Date.now()}`;
  await client.send(new CreateLogStreamCommand({ logGroupName: BATCH_LOG_GROUP, logStreamName: stream }));
  const resultFile = join(context.scratch, "logs.json");
  const timeFile = join(context.scratch, "logs.time");
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", timeFile, "node", context.drivers["follow-logs"], stack.motoEndpoint, BATCH_LOG_GROUP, stream, resultFile], {
    env: context.env,
    stdio: ["pipe", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));

  const flowStart = Date.now();
  const perBurst = LINES / BURSTS;
  for (let burst = 0; burst < BURSTS; burst++) {
    const next = flowStart + burst * BURST_EVERY_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    const timestamp = Date.now();
    const events = Array.from({ length: perBurst }, (_, i) => ({ timestamp, message: `burst ${burst} line ${i}: rule align, 1234 sequences, 29903 sites, mean coverage 0.987` }));
    await client.send(new PutLogEventsCommand({ logGroupName: BATCH_LOG_GROUP, logStreamName: stream, logEvents: events }));
  }
  const flowEnd = Date.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idleEnd = Date.now();
  child.stdin?.end();
  const status = await exited;
  client.destroy();
  if (status !== 0) throw new Error(`the log follower exited with ${status}`);

  const result = JSON.parse(readFileSync(resultFile, "utf8")) as { events: number; latencies: number[]; calls: number[]; lastPrintAt: number };
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const lastPrint = result.lastPrintAt;
  const flowingCalls = result.calls.filter((at) => at >= flowStart && at <= lastPrint).length;
  const idleFrom = flowEnd + IDLE_SETTLE_MS;
  const idleCalls = result.calls.filter((at) => at >= idleFrom && at < idleEnd).length;
  const flowingSeconds = (lastPrint - flowStart) / 1000;
  const idleSeconds = (idleEnd - idleFrom) / 1000;
  return {
    lines: LINES,
    printed: result.events,
    latencyMs: { median: round(median(sorted)), p95: round(sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN), max: round(sorted.at(-1) ?? Number.NaN) },
    flowing: { seconds: round(flowingSeconds), calls: flowingCalls, callsPerSecond: round(flowingCalls / flowingSeconds) },
    idle: { seconds: round(idleSeconds), calls: idleCalls, secondsPerCall: round(idleSeconds / Math.max(1, idleCalls)) },
    peakRssMB: round(Number(readFileSync(timeFile, "utf8").trim().split("\n").pop()) / 1024),
  };
}
