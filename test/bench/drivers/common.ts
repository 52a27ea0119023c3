// What the benchmark drivers share: AWS clients built as the tool builds them,
// a reporter whose output goes nowhere (plain mode, so per-file lines are
// still formatted, as in CI), and the one JSON line a driver answers with.
import { Writable } from "node:stream";
import { createAwsClients, type AwsClients } from "../../../src/aws/clients.js";
import { keepYoungGenerationSmall } from "../../../src/heap.js";
import { createReporter, type Reporter } from "../../../src/ui/reporter.js";

// The heap as `build` and `attach` set it (src/main.ts).
keepYoungGenerationSmall();

export function clientsFor(endpoint: string): AwsClients {
  return createAwsClients({ region: process.env.AWS_REGION ?? "us-east-1", endpoints: { s3: endpoint, logs: endpoint, batch: endpoint } });
}

export function silentReporter(): Reporter {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return createReporter({ stdout: sink, stderr: process.stderr, env: {} });
}

export function answer(result: Record<string, unknown>): void {
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...result, selfPeakRssMB: maxRssMB })}\n`);
}
