import { afterEach, describe, expect, it } from "vitest";
import { dosDateTimeToUtcSeconds, toLocalDosDateTime } from "../../../src/archive/dos-time.js";

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** Decode DOS fields into a readable wall-clock string. */
function wallClock({ date, time }: { date: number; time: number }): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${(date >> 9) + 1980}-${pad((date >> 5) & 15)}-${pad(date & 31)} ${pad(time >> 11)}:${pad((time >> 5) & 63)}:${pad((time & 31) * 2)}`;
}

describe("toLocalDosDateTime (C55, C117)", () => {
  it.each([
    ["UTC", "2024-03-10T12:34:57Z", "2024-03-10 12:34:56"],
    ["America/New_York", "2024-03-10T12:34:56Z", "2024-03-10 08:34:56"],
    ["Asia/Kolkata", "2023-12-31T20:00:00Z", "2024-01-01 01:30:00"],
    ["UTC", "1980-01-01T00:00:00Z", "1980-01-01 00:00:00"],
    ["UTC", "1970-01-01T00:00:00Z", "1980-01-01 00:00:00"],
    ["UTC", "1979-12-31T23:59:59Z", "1980-01-01 00:00:00"],
    ["UTC", "2107-12-31T23:59:59Z", "2107-12-31 23:59:58"],
    ["UTC", "2108-01-01T00:00:00Z", "2107-12-31 23:59:58"],
    ["UTC", "2200-06-01T00:00:00Z", "2107-12-31 23:59:58"],
  ])("in %s, %s is stored as %s", (tz, iso, expected) => {
    process.env.TZ = tz;
    expect(wallClock(toLocalDosDateTime(new Date(iso)))).toBe(expected);
  });

  it("clamps an invalid date to the earliest DOS time", () => {
    expect(wallClock(toLocalDosDateTime(new Date(Number.NaN)))).toBe("1980-01-01 00:00:00");
  });
});

describe("dosDateTimeToUtcSeconds (C89)", () => {
  it.each([
    ["2024-03-10T12:34:56Z"],
    ["1980-01-01T00:00:00Z"],
    ["2107-12-31T23:59:58Z"],
    ["2000-02-29T23:59:58Z"],
  ])("reads the fields of %s written in UTC back as that instant", (iso) => {
    process.env.TZ = "UTC";
    const fields = toLocalDosDateTime(new Date(iso));
    process.env.TZ = "America/Los_Angeles"; // reading must not depend on the local zone
    expect(dosDateTimeToUtcSeconds(fields)).toBe(Date.parse(iso) / 1000);
  });
});
