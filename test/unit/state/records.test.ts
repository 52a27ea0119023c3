import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { JobRecords, parseRecord } from "../../../src/state/records.js";
import { sampleRecord } from "./fixtures.js";

const scratch = () => join(mkdtempSync(join(tmpdir(), "nextstrain-ts-records-")), "jobs");

describe("job records", () => {
  it("round-trip, private to their owner (0600 files, 0700 directory)", async () => {
    const records = new JobRecords(scratch());
    const record = sampleRecord();
    await records.write(record);
    expect(await records.read(record.jobId)).toEqual(record);
    expect(statSync(records.directory).mode & 0o777).toBe(0o700);
    expect(statSync(records.fileOf(record.jobId) as string).mode & 0o777).toBe(0o600);
  });

  it("update the status and stamp the time", async () => {
    const records = new JobRecords(scratch());
    await records.write(sampleRecord());
    const updated = await records.update(sampleRecord().jobId, { status: "RUNNING" });
    expect(updated?.status).toBe("RUNNING");
    expect(updated?.updatedAt).not.toBe(sampleRecord().updatedAt);
    expect(await records.update("no-such-job", { status: "RUNNING" })).toBeUndefined();
  });

  it("list oldest first and name damaged files", async () => {
    const records = new JobRecords(scratch());
    await records.write(sampleRecord("b", { submittedAt: "2026-11-21T21:00:00.000Z" }));
    await records.write(sampleRecord("a", { submittedAt: "2026-11-20T21:00:00.000Z" }));
    writeFileSync(join(records.directory, "broken.json"), "{ not json");
    const { records: listed, corrupt } = await records.list();
    expect(listed.map((record) => record.jobId)).toEqual(["a", "b"]);
    expect(corrupt).toEqual([{ file: join(records.directory, "broken.json"), problem: expect.stringMatching(/^not JSON/) }]);
  });

  it("say which record is damaged and how to get rid of it", async () => {
    const records = new JobRecords(scratch());
    await records.write(sampleRecord("c"));
    writeFileSync(records.fileOf("c") as string, JSON.stringify({ ...sampleRecord("c"), schema: 99 }));
    await expect(records.read("c")).rejects.toThrow(/is damaged: schema 99 is not 1/);
  });

  it.each([
    ["empty text", "", /not JSON/],
    ["a list", "[]", /schema/],
    ["a numeric job id", JSON.stringify({ ...sampleRecord(), jobId: 5 }), /"jobId" is missing or not text/],
    ["a command that is not a list", JSON.stringify({ ...sampleRecord(), command: "snakemake" }), /"command"/],
    ["downloaded as text", JSON.stringify({ ...sampleRecord(), downloaded: "yes" }), /"downloaded"/],
    ["a fractional exit code", JSON.stringify({ ...sampleRecord(), exitCode: 1.5 }), /"exitCode"/],
  ])("reject %s", (_name, text, problem) => expect(parseRecord(text)).toMatch(problem));

  it("say so when a file stands where the records folder should be", async () => {
    const records = new JobRecords(scratch());
    writeFileSync(records.directory, "not a folder");
    const problem = expect.objectContaining({ name: "UserError", message: `The job records folder ${records.directory} is a file, not a folder.` });
    await expect(records.list()).rejects.toThrow(problem);
    await expect(records.write(sampleRecord())).rejects.toThrow(problem);
    // Nothing can be recorded there, so there is no record to read.
    expect(await records.read(sampleRecord().jobId)).toBeUndefined();
  });

  it("never name a file after something that is not a job id", () => {
    const records = new JobRecords(scratch());
    expect(records.fileOf("../../etc/passwd")).toBeUndefined();
    expect(records.fileOf("")).toBeUndefined();
  });

  it("survive being killed in the middle of writes: every record reads whole (crash safety)", async () => {
    const directory = scratch();
    const writer = fileURLToPath(new URL("./write-forever.ts", import.meta.url));
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", writer, directory], { stdio: ["ignore", "pipe", "inherit"] });
      // The writer never stops by itself: never leave it running, even when the test fails or times out.
      onTestFinished(() => void child.kill("SIGKILL"));
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 20 + round * 17));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("close", resolve));
      const { records, corrupt } = await new JobRecords(directory).list();
      expect(corrupt).toEqual([]);
      expect(records.length).toBeGreaterThan(0);
      for (const name of readdirSync(directory).filter((file) => file.endsWith(".json"))) {
        expect(() => JSON.parse(readFileSync(join(directory, name), "utf8"))).not.toThrow();
      }
    }
  });
});
