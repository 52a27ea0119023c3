import { describe, expect, it } from "vitest";
import { parseIni } from "../../../src/config/configparser.js";
import { resolveSettings } from "../../../src/config/resolve.js";
import { UserError } from "../../../src/errors.js";
import { planBuild, type PlanRequest } from "../../../src/runner/plan.js";

const settings = (image?: string) =>
  resolveSettings({ flags: { runtime: true, image }, env: {}, config: parseIni(""), configPath: "/c" }).settings;

const request = (extra: Partial<PlanRequest> = {}): PlanRequest => ({
  execArgs: [],
  exec: "snakemake",
  env: [],
  envdir: [],
  download: true,
  excludeFromUpload: [],
  ...extra,
});

describe("build plan", () => {
  it("injects the Snakemake arguments (C9, C11, C13)", () => {
    const { plan } = planBuild(request({ execArgs: ["--forceall"], cpus: 8, memory: 14 * 1024 ** 3 }), settings(), {});
    expect(plan.argv).toEqual(["snakemake", "--forceall", "--cores=8", "--resources=mem_mb=14336", "--printshellcmds", "--benchmark-extended", "--rerun-incomplete"]);
  });

  it("passes the forwarded variables through env.d with a current image (C58)", () => {
    const { plan, warnings } = planBuild(request(), settings(), { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s3cr3t" });
    expect(plan.envd).toBe(true);
    expect([...plan.env.keys()]).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect(warnings).toEqual([]);
  });

  it("treats an image named by digest as current: credentials go through env.d, Snakemake gets its newer flags", () => {
    const image = `nextstrain/base@sha256:${"0f".repeat(32)}`;
    const { plan, warnings } = planBuild(request(), settings(image), { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s3cr3t" });
    expect(plan.envd).toBe(true);
    expect([...plan.env.keys()]).toEqual(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    expect(plan.argv).toContain("--benchmark-extended");
    expect(warnings).toEqual([]);
  });

  it("withholds secrets from an image too old for env.d, saying so (S1)", () => {
    const { plan, warnings } = planBuild(request({ env: ["AUGUR_DEBUG=1", "ID3C_PASSWORD=pw"] }), settings("nextstrain/base:build-20230101T000000Z"), {});
    expect(plan.envd).toBe(false);
    expect([...plan.env]).toEqual([["AUGUR_DEBUG", "1"]]);
    expect(warnings.join("\n")).toContain("Not passing ID3C_PASSWORD to the job");
  });

  it("warns that forwarded session credentials expire", () => {
    const { warnings } = planBuild(request(), settings(), { AWS_SESSION_TOKEN: "token" });
    expect(warnings.join("\n")).toContain("AWS_SESSION_TOKEN");
    expect(warnings.join("\n")).toContain("job role");
  });

  it("rejects an unusable image name before anything is uploaded", () => {
    expect(() => planBuild(request(), settings("nextstrain/base:bad tag"), {})).toThrow(UserError);
  });

  it("rejects a pattern that cannot be compiled, naming its option", () => {
    const huge = "{a,b}".repeat(11);
    expect(() => planBuild(request({ download: [`!${huge}`] }), settings(), {})).toThrow("--exclude-from-download");
    expect(() => planBuild(request({ excludeFromUpload: [huge] }), settings(), {})).toThrow("--exclude-from-upload");
  });
});
