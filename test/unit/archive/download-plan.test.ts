import { describe, expect, it } from "vitest";
import { choosePlan, GetMeter, shouldSwitch, SWITCH_AFTER_GROUPS, type PlanInputs, type SwitchInputs } from "../../../src/archive/download-plan.js";

const MiB = 1 << 20;
/** Bytes a millisecond. */
const MBps = (megabytes: number) => (megabytes * 1e6) / 1000;

describe("choosePlan", () => {
  // The large benchmark download: 234 groups of 17 MiB in a span of 160 MiB.
  const large = { groups: 234, rangedBytes: 17 * MiB, spanBytes: 160 * MiB, concurrency: 16 };
  const cases: Array<[string, PlanInputs, "ranged" | "streaming"]> = [
    ["S3: a round trip a GET, 80 MB/s", { ...large, perGetMs: 20, bytesPerMs: MBps(80) }, "ranged"],
    ["the range server: 3 ms a GET, loopback", { ...large, perGetMs: 3, bytesPerMs: MBps(500) }, "ranged"],
    ["moto: every GET reads the whole object (114 ms), then loopback", { ...large, perGetMs: 114, bytesPerMs: MBps(400) }, "streaming"],
    ["a slow link: bytes dominate", { ...large, perGetMs: 114, bytesPerMs: MBps(5) }, "ranged"],
    ["one group: nothing to gain", { groups: 1, rangedBytes: 10, spanBytes: 10, concurrency: 16, perGetMs: 1000, bytesPerMs: 1 }, "ranged"],
    ["many tiny groups close together, costly requests", { groups: 5000, rangedBytes: 10 * MiB, spanBytes: 11 * MiB, concurrency: 16, perGetMs: 20, bytesPerMs: MBps(80) }, "streaming"],
    ["many tiny groups spread over a large archive", { groups: 5000, rangedBytes: 10 * MiB, spanBytes: 60_000 * MiB, concurrency: 16, perGetMs: 20, bytesPerMs: MBps(80) }, "ranged"],
  ];
  it.each(cases)("%s", (_name, inputs, plan) => {
    const choice = choosePlan(inputs);
    expect(choice.plan).toBe(plan);
    expect(choice.plan === "streaming").toBe(choice.streamingMs < choice.rangedMs);
  });
});

describe("shouldSwitch", () => {
  const base: SwitchInputs = { groupsFetched: 10, busyMs: 1140, unfetchedGroups: 224, remainingSpanBytes: 150 * MiB, perGetMs: 114, bytesPerMs: MBps(400) };
  const cases: Array<[string, SwitchInputs, boolean]> = [
    ["moto: GETs answered one at a time, 114 ms each", base, true],
    ["the range server: 16 GETs at once, 1 ms a group", { ...base, busyMs: 10, perGetMs: 3 }, false],
    ["S3: 16 GETs of 20 ms at once", { ...base, busyMs: 10 * 1.25, perGetMs: 20, bytesPerMs: MBps(80) }, false],
    ["too early to tell", { ...base, groupsFetched: SWITCH_AFTER_GROUPS - 1 }, false],
    ["one group left to fetch", { ...base, unfetchedGroups: 1 }, false],
    ["everything fetched ahead already, however slowly", { ...base, unfetchedGroups: 0 }, false],
    ["slow GETs, but streaming the rest through a slow link is slower still", { ...base, bytesPerMs: MBps(5) }, false],
    ["only a little quicker streaming: not worth the switch", { ...base, busyMs: 10 * 10, unfetchedGroups: 224, remainingSpanBytes: 120 * MiB, perGetMs: 10, bytesPerMs: MBps(100) }, false],
  ];
  it.each(cases)("%s", (_name, inputs, expected) => {
    expect(shouldSwitch(inputs)).toBe(expected);
  });
});

describe("GetMeter", () => {
  it("counts GETs and bytes, keeps the best request cost and bandwidth, and the time some GET was in flight", () => {
    let now = 0;
    const meter = new GetMeter(() => now);
    expect(meter.cost()).toBeUndefined();
    const tail = meter.begin();
    now = 100;
    tail({ bytes: 16 << 10, waitMs: 99, totalMs: 100 });
    // Small responses say nothing of the bandwidth while a large one is known; two at once count once in the busy time.
    const first = meter.begin();
    now = 150;
    const second = meter.begin();
    now = 300;
    first({ bytes: 1 << 20, waitMs: 120, totalMs: 200 });
    now = 400;
    second({ bytes: 100, waitMs: 200, totalMs: 250 });
    second({ bytes: 100, waitMs: 1, totalMs: 1 }); // a second call does nothing
    const failed = meter.begin();
    now = 450;
    failed();
    expect([meter.gets, meter.bytes, meter.busyMs]).toEqual([3, (16 << 10) + (1 << 20) + 100, 100 + 300 + 50]);
    expect(meter.cost()).toEqual({ perGetMs: 99, bytesPerMs: (1 << 20) / 80 });
  });

  it("falls back to whole GETs' rates when none was large enough", () => {
    let now = 0;
    const meter = new GetMeter(() => now);
    const ended = meter.begin();
    now = 10;
    ended({ bytes: 1000, waitMs: 5, totalMs: 10 });
    expect(meter.cost()).toEqual({ perGetMs: 5, bytesPerMs: 100 });
    const open = meter.begin();
    now = 25;
    expect(meter.busyMs).toBe(25);
    open();
  });
});
