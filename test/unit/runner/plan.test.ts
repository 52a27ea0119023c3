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

  it("forwards no AWS credentials with --no-forward-aws-credentials, the other variables still", () => {
    const noForward = resolveSettings({ flags: { runtime: true, forwardAwsCredentials: true }, env: {}, config: parseIni(""), configPath: "/c" }).settings;
    expect(noForward.forwardAwsCredentials).toMatchObject({ value: false, origin: "--no-forward-aws-credentials" });
    const host = { AWS_ACCESS_KEY_ID: "ASIA", AWS_SECRET_ACCESS_KEY: "s3cr3t", AWS_SESSION_TOKEN: "token", AUGUR_DEBUG: "1" };
    expect([...planBuild(request(), noForward, host).plan.env.keys()]).toEqual(["AUGUR_DEBUG"]);
    expect([...planBuild(request(), settings(), host).plan.env.keys()]).toEqual(["AUGUR_DEBUG", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]);
    // Named with --env, they are passed: the setting is about the automatic passing only.
    expect([...planBuild(request({ env: ["AWS_SESSION_TOKEN"] }), noForward, host).plan.env.keys()]).toEqual(["AWS_SESSION_TOKEN"]);
  });

  it.each([
    ["NEXTSTRAIN_FORWARD_AWS_CREDENTIALS", { NEXTSTRAIN_FORWARD_AWS_CREDENTIALS: "no" }, ""],
    ["the config file", {}, "[aws-batch]\nforward-aws-credentials = off\n"],
  ])("turns forwarding off from %s too", (_name, env, config) => {
    const resolved = resolveSettings({ flags: { runtime: true }, env, config: parseIni(config), configPath: "/c" }).settings;
    expect(resolved.forwardAwsCredentials.value).toBe(false);
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
