// Session credentials passed to the job that may expire before it ends: where
// their expiry is read, and when the warning comes, on a fake clock.
import { describe, expect, it } from "vitest";
import { expiryInCredentialsFile } from "../../../src/config/credentials-file.js";
import { expiryWarning, forwardedCredentials, type ExpiryLookup, type ForwardedCredentials } from "../../../src/runner/credentials.js";

const NOW = Date.parse("2026-12-02T07:00:00Z");
const HOUR = 3600;
const session = (at?: string): ForwardedCredentials => ({ kind: "session", ...(at ? { expiry: { at: new Date(at), from: "as the AWS SDK's credential provider says" } } : {}) });
const env = (names: Record<string, string>) => new Map(Object.entries(names));
const SESSION_ENV = env({ AWS_ACCESS_KEY_ID: "ASIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" });

function lookup(resolved: { accessKeyId: string; expiration?: Date } | Error, file?: string): ExpiryLookup {
  return {
    resolve: async () => {
      if (resolved instanceof Error) throw resolved;
      return resolved;
    },
    readCredentialsFile: async () => (file === undefined ? undefined : { path: "/home/you/.aws/credentials", text: file }),
  };
}

describe("expiryWarning", () => {
  it.each<[string, ForwardedCredentials, number | undefined, boolean]>([
    ["no session credentials passed", { kind: "none" }, undefined, false],
    ["expiring after the timeout", session("2026-12-02T14:00:00Z"), 6 * HOUR, false],
    ["expiring exactly at the timeout", session("2026-12-02T13:00:00Z"), 6 * HOUR, false],
    ["expiring a second before the timeout", session("2026-12-02T12:59:59Z"), 6 * HOUR, true],
    ["a job definition without a timeout", session("2026-12-03T07:00:00Z"), undefined, true],
    ["already expired", session("2026-12-02T06:00:00Z"), 60, true],
    ["expiry unknown, a timeout within the shortest session", session(), 900, false],
    ["expiry unknown, a longer timeout", session(), 901, true],
    ["expiry unknown, no timeout", session(), undefined, true],
  ])("%s", (_name, forwarded, timeoutSeconds, warns) => {
    expect(expiryWarning(forwarded, { definition: "nextstrain-job", timeoutSeconds }, NOW) !== undefined).toBe(warns);
  });

  it("says when they expire, how long the job may run, and how to rely on the job role", () => {
    expect(expiryWarning(session("2026-12-02T08:30:00Z"), { definition: "nextstrain-job", timeoutSeconds: 6 * HOUR }, NOW)).toBe(
      [
        "The AWS session credentials passed to the job (AWS_SESSION_TOKEN) expire at 2026-12-02T08:30:00.000Z, in 1h30m (as the AWS SDK's credential provider says),",
        "but the job may run for up to 6h00m (the attemptDurationSeconds of job definition nextstrain-job).",
        "A job still running when they expire cannot upload its results. To rely on the job's role instead, give the",
        "job definition a job role that may read and write the bucket, and pass no credentials with",
        "--no-forward-aws-credentials (or NEXTSTRAIN_FORWARD_AWS_CREDENTIALS=no, or forward-aws-credentials = no under [aws-batch] in the config file).",
      ].join("\n"),
    );
    expect(expiryWarning(session(), { definition: "nextstrain-job" }, NOW)).toMatch(
      /^The AWS session credentials passed to the job \(AWS_SESSION_TOKEN\) expire, and when is not known\n\(neither .*\), while job definition nextstrain-job sets no timeout \(attemptDurationSeconds\), so the job may run longer\./,
    );
  });
});

describe("forwardedCredentials", () => {
  const inOneHour = new Date(NOW + HOUR * 1000);
  it("is none without a session token", async () => {
    expect(await forwardedCredentials(env({ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" }), lookup({ accessKeyId: "AKIA" }))).toEqual({ kind: "none" });
  });

  it("takes the expiry of the SDK's credentials when they are the ones passed", async () => {
    expect(await forwardedCredentials(SESSION_ENV, lookup({ accessKeyId: "ASIAEXAMPLE", expiration: inOneHour }))).toEqual({
      kind: "session",
      expiry: { at: inOneHour, from: "as the AWS SDK's credential provider says" },
    });
  });

  it("else reads the credentials file's profile that holds the key", async () => {
    const file = "[other]\naws_access_key_id = AKIAOTHER\naws_session_expiration = 2030-01-01T00:00:00Z\n\n[ci]\naws_access_key_id = ASIAEXAMPLE\naws_session_expiration = 2026-12-02T08:00:00Z\n";
    for (const resolved of [{ accessKeyId: "ASIAELSE", expiration: inOneHour }, new Error("no credentials")]) {
      expect(await forwardedCredentials(SESSION_ENV, lookup(resolved, file))).toEqual({
        kind: "session",
        expiry: { at: new Date("2026-12-02T08:00:00Z"), from: "as [ci] aws_session_expiration in /home/you/.aws/credentials says" },
      });
    }
  });

  it("is a session of unknown expiry when neither says", async () => {
    expect(await forwardedCredentials(SESSION_ENV, lookup({ accessKeyId: "ASIAEXAMPLE" }, "[default]\naws_access_key_id = ASIAEXAMPLE\n"))).toEqual({ kind: "session" });
  });
});

describe("expiryInCredentialsFile", () => {
  it.each([
    ["x_security_token_expires", "[p]\naws_access_key_id=K\nx_security_token_expires = 2026-12-02T08:00:00+00:00\n", "[p] x_security_token_expires"],
    ["a date that cannot be read is skipped", "[p]\naws_access_key_id=K\naws_session_expiration = soon\nexpiration = 2026-12-02T08:00:00Z\n", "[p] expiration"],
  ])("%s", (_name, text, where) => {
    expect(expiryInCredentialsFile(text, "K")).toEqual({ at: new Date("2026-12-02T08:00:00Z"), where });
  });

  it("is undefined when no profile holds the key", () => {
    expect(expiryInCredentialsFile("[p]\naws_access_key_id = OTHER\nexpiration = 2026-12-02T08:00:00Z\n", "K")).toBeUndefined();
  });
});
