// Test configuration: fast unit tests, the package as users install it, and
// end-to-end tests that spawn the built binary against the local AWS stack
// (started once per run by its global setup).
//
// Two groups, one after the other: the unit and package tests, one worker a
// core (they keep the cores busy); then the end-to-end files side by side, one
// worker more than there are cores, since they mostly wait (on job states, log
// polls, retries). They keep apart on the one stack: own access keys for fault
// rules, failures armed by job name or id (docs/local-aws.md).
import { accessSync, constants, statfsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

const CORES = availableParallelism();

// Temporary files (build directories, the stack's job directories, archives)
// go to a memory-backed file system when it has room for the largest test (a
// job unpacks a 4 GiB file): on a disk, creating and removing the tens of
// thousands of small files some tests make costs most of their time (20,000
// files: 10.7 s of system time on this project's test machine, 0.2 s in
// /dev/shm). Set before the global setup starts the stack and before any
// worker starts, so all of them inherit it; an explicit TMPDIR wins.
const MEMORY_TMP = "/dev/shm";
const NEEDED_BYTES = 8 * 1024 ** 3;
function hasRoom(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize >= NEEDED_BYTES;
  } catch {
    return false;
  }
}
if (!process.env.TMPDIR && hasRoom(MEMORY_TMP)) process.env.TMPDIR = MEMORY_TMP;

// The longest end-to-end files, longest first: they start first, so the run
// does not end waiting on one of them. Vitest orders by the last run's
// durations when it has them, and on a fresh clone by file size, which would
// start these late.
const SLOW_FILES = [
  "test/e2e/reliability/s3-faults.test.ts",
  "test/e2e/reliability/zip64.test.ts",
  "test/e2e/build/lifecycle.test.ts",
  "test/e2e/build/re-runs.test.ts",
  "test/e2e/control/job-control.test.ts",
  "test/e2e/reliability/interrupted-download.test.ts",
  "test/e2e/reliability/bad-input.test.ts",
  "test/e2e/reliability/submission.test.ts",
];

class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const index = SLOW_FILES.findIndex((file) => spec.moduleId.endsWith(file));
      return index < 0 ? SLOW_FILES.length : index;
    };
    const group = (spec: TestSpecification): number => spec.project.config.sequence.groupOrder;
    return sorted
      .map((spec, order) => ({ spec, order }))
      .sort((a, b) => group(a.spec) - group(b.spec) || rank(a.spec) - rank(b.spec) || a.order - b.order)
      .map(({ spec }) => spec);
  }
}

export default defineConfig({
  test: {
    reporters: ["default", ["json", { outputFile: "test-results/results.json" }]],
    sequence: { sequencer: SlowFilesFirst },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          // A few spawn Node or tsx processes: room for a busy machine (vitest's default is 5 s).
          testTimeout: 20_000,
          maxWorkers: CORES,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          // The package as users install it: npm pack, then an offline install (needs dist/ built).
          name: "package",
          include: ["test/package/**/*.test.ts"],
          testTimeout: 60_000,
          maxWorkers: CORES,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/local-aws/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: CORES + 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
