// Rewrites a few job records as fast as it can until killed: the crash-safety test's victim.
import { JobRecords } from "../../../src/state/records.js";
import { sampleRecord } from "./fixtures.js";

const records = new JobRecords(process.argv[2] as string);
let round = 0;
process.stdout.write("started\n");
for (;;) {
  const id = `job-${round % 3}`;
  await records.write(sampleRecord(id, { status: round % 2 ? "RUNNING" : "RUNNABLE", statusReason: "x".repeat(round % 5000) }));
  round += 1;
}
