import { describe, expect, it } from "vitest";
import { MAX_MEMORY_MIB, MAX_VCPUS, memoryProblem, MIN_MEMORY_MIB, vcpuProblem } from "../../../src/config/batch-limits.js";

describe("what AWS Batch accepts for a job's memory and vCPUs", () => {
  it("has the documented bounds", () => {
    expect([MIN_MEMORY_MIB, MAX_MEMORY_MIB, MAX_VCPUS]).toEqual([4n, 2_147_483_647n, 2_147_483_647n]);
  });

  it.each([0n, 4n, 14336n, 2_147_483_647n])("accepts %d MiB (0 = none requested)", (mib) => expect(memoryProblem(mib)).toBeUndefined());

  it.each([
    [1n, "1 MiB is less than AWS Batch accepts for a job (at least 4 MiB)"],
    [3n, "3 MiB is less than AWS Batch accepts for a job (at least 4 MiB)"],
    [2_147_483_648n, "2147483648 MiB is more than AWS Batch accepts for a job (at most 2147483647 MiB, 2 PiB)"],
    [102399999999998976n, "102399999999998976 MiB is more than AWS Batch accepts for a job (at most 2147483647 MiB, 2 PiB)"],
  ])("refuses %d MiB", (mib, problem) => expect(memoryProblem(mib)).toBe(problem));

  it.each([0n, 1n, 448n, 2_147_483_647n])("accepts %d vCPUs (0 = none requested)", (vcpus) => expect(vcpuProblem(vcpus)).toBeUndefined());

  it("refuses more vCPUs than Batch can record", () => {
    expect(vcpuProblem(2_147_483_648n)).toBe("2147483648 vCPUs is more than AWS Batch accepts for a job (at most 2147483647)");
  });
});
