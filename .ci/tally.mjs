// Prints the plain tally line "N passed, M failed[, K skipped]" from vitest's JSON report.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "test-results/results.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.error(`No test report at ${file}: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A file that failed with no failing test (it did not load, or an error escaped its tests) counts once;
// numFailedTestSuites would also count every describe block around a failing test.
const brokenFiles = report.testResults.filter(
  (file) => file.status === "failed" && !file.assertionResults.some((test) => test.status === "failed"),
).length;
const failed = report.numFailedTests + brokenFiles;
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
