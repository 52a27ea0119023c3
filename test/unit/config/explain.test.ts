/** Hints about missing AWS resources say which setting named each and where it came from (its origin). */
import { describe, expect, it } from "vitest";
import { BucketUnreadable, DerivedDefinitionMismatch, JobDefinitionNotFound, JobQueueNotFound } from "../../../src/aws/resource-errors.js";
import { parseIni } from "../../../src/config/configparser.js";
import { nameSettings, waysToSet } from "../../../src/config/explain.js";
import { resolveSettings, type SettingFlags } from "../../../src/config/resolve.js";
import { SETTINGS } from "../../../src/config/settings.js";
import { ErrorWithNote, UserError } from "../../../src/errors.js";

const CONFIG_PATH = "/home/u/.nextstrain/config";

function settings(flags: SettingFlags, env: NodeJS.ProcessEnv = {}, config = "") {
  return resolveSettings({ flags, env, config: parseIni(config), configPath: CONFIG_PATH }).settings;
}

function hintOf(error: unknown): string {
  if (!(error instanceof UserError)) throw new Error("expected a UserError");
  return error.hint ?? "";
}

describe("nameSettings", () => {
  it("names the queue's setting and the region's, each with where it came from", () => {
    const named = nameSettings(new JobQueueNotFound("q1", "eu-north-1", "JobQueue q1 not found"), settings({ queue: "q1" }, { AWS_REGION: "eu-north-1" }), SETTINGS);
    expect(named).toBeInstanceOf(UserError);
    expect((named as UserError).message).toBe('The job queue "q1" was not found in region eu-north-1 (JobQueue q1 not found).');
    expect(hintOf(named).split("\n")).toEqual([
      "Check the queue's name and the region: a queue exists in one region only.",
      // A missing resource points to check-setup, which checks the rest too, and to setup.
      "nextstrain-ts check-setup --aws-batch checks the whole set-up, with a fix for each problem; nextstrain-ts setup --aws-batch creates what is missing.",
      '"q1" is the job queue setting (from --aws-batch-queue): change it with --aws-batch-queue, NEXTSTRAIN_AWS_BATCH_QUEUE or [aws-batch] queue in the config file.',
      "\"eu-north-1\" is the region setting (from AWS_REGION): change it with AWS_REGION, AWS_DEFAULT_REGION or the AWS profile's region.",
    ]);
  });

  it("names a setting from the config file with the file, and a built-in default as such", () => {
    const named = nameSettings(new JobDefinitionNotFound("config-job"), settings({}, {}, "[aws-batch]\njob = config-job\n"), SETTINGS);
    expect(hintOf(named)).toContain(`"config-job" is the job definition setting (from [aws-batch] job in ${CONFIG_PATH}): change it with --aws-batch-job,`);
    expect(hintOf(nameSettings(new BucketUnreadable("nextstrain-jobs", "no such bucket (HTTP 404)"), settings({}), SETTINGS))).toBe(
      "AWS said: no such bucket (HTTP 404).\n" +
        "nextstrain-ts check-setup --aws-batch checks the whole set-up, with a fix for each problem; nextstrain-ts setup --aws-batch creates what is missing.\n" +
        '"nextstrain-jobs" is the S3 bucket setting (from built-in default): change it with --aws-batch-s3-bucket, NEXTSTRAIN_AWS_BATCH_S3_BUCKET or [aws-batch] s3-bucket in the config file.',
    );
  });

  it("names the bucket by its name alone, whatever the key prefix", () => {
    const named = nameSettings(new BucketUnreadable("bkt", "access denied (HTTP 403)"), settings({ bucket: "s3://bkt/runs/" }), SETTINGS);
    expect(hintOf(named)).toContain('"bkt" is the S3 bucket setting (from --aws-batch-s3-bucket)');
  });

  it("names every setting a failure is about", () => {
    const named = nameSettings(new DerivedDefinitionMismatch("j_1_x_t", "j", "x:t", "y"), settings({ job: "j", image: "x:t" }), SETTINGS);
    expect(hintOf(named)).toContain('"j" is the job definition setting (from --aws-batch-job)');
    expect(hintOf(named)).toContain('"x:t" is the image setting (from --image)');
  });

  it("leaves alone a resource no setting named (an attached job's own bucket)", () => {
    const error = new BucketUnreadable("someone-elses", "no such bucket (HTTP 404)");
    expect(nameSettings(error, settings({}), SETTINGS)).toBe(error);
  });

  it("leaves alone other errors, and keeps a failure's note", () => {
    const other = new UserError("something else");
    expect(nameSettings(other, settings({}), SETTINGS)).toBe(other);
    const noted = nameSettings(new ErrorWithNote(new JobQueueNotFound("nextstrain-job-queue", "us-east-1", "x"), ["No job was submitted."]), settings({}), SETTINGS);
    expect(noted).toBeInstanceOf(ErrorWithNote);
    expect((noted as ErrorWithNote).note).toEqual(["No job was submitted."]);
    expect(hintOf((noted as ErrorWithNote).failure)).toContain('"nextstrain-job-queue" is the job queue setting (from built-in default)');
  });
});

describe("waysToSet", () => {
  it.each([
    ["queue", "--aws-batch-queue, NEXTSTRAIN_AWS_BATCH_QUEUE or [aws-batch] queue in the config file"],
    ["runtime", "--aws-batch or [core] runner in the config file"],
    ["cpus", "--cpus"],
    ["s3Endpoint", "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL"],
  ] as const)("%s: %s", (key, ways) => {
    expect(waysToSet(SETTINGS[key])).toBe(ways);
  });
});
