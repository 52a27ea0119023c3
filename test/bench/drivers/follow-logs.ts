// Child process: follows one log stream with the tool's LogFollower, printing
// each line, until its stdin closes (the job "ended"); then writes how late
// each line was printed and when each Logs API call was made.
//   follow-logs.mjs <endpoint> <group> <stream> <result file>
import { writeFileSync } from "node:fs";
import { LogFollower } from "../../../src/aws/logs.js";
import { answer, clientsFor } from "./common.js";

const [endpoint, group, stream, resultFile] = process.argv.slice(2) as [string, string, string, string];
const client = await clientsFor(endpoint).logs();
const calls: number[] = [];
client.middlewareStack.add(
  (next) => async (args) => {
    calls.push(Date.now());
    return next(args);
  },
  { step: "initialize", name: "benchCountCalls" },
);
const latencies: number[] = [];
let lastPrintAt = 0;
const ended = new Promise<void>((resolve) => {
  process.stdin.on("end", () => resolve());
  process.stdin.resume();
});
const follower = new LogFollower({
  client,
  group,
  stream,
  onEvent: (event) => {
    process.stdout.write(`${event.message ?? ""}\n`);
    lastPrintAt = Date.now();
    latencies.push(lastPrintAt - (event.timestamp ?? 0));
  },
});
const result = await follower.follow(ended);
writeFileSync(resultFile, JSON.stringify({ events: result.events, latencies, calls, lastPrintAt }));
answer({ events: result.events });
