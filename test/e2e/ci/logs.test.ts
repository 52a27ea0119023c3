// `logs <job-id>` end to end on the local AWS stack: a live stream (and
// --follow to its end), a stream CloudWatch no longer has and a job AWS
// Batch forgot (the Snakemake log files from the results archive instead),
// and an unknown job.
import { DeleteLogStreamCommand } from "@aws-sdk/client-cloudwatch-logs";
import { randomUUID } from "node:crypto";
import { describe, expect, it, onTestFinished } from "vitest";
import { localAws, nextstrainTs, scratchDir, startNextstrainTs } from "../../local-aws/run.js";
import { startGate } from "../../local-aws/gate.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { clients, describe as describeJob, LOG_GROUP } from "../local-aws/helpers.js";
import { parseEvents } from "../../helpers/events-schema.js";

const stack = localAws();
const aws = clients();
const home = () => ({ NEXTSTRAIN_HOME: scratchDir("home") });
const jobIdIn = (text: string) => /AWS Batch Job ID: (\S+)/.exec(text)?.[1] as string;
const SNAKEMAKE_LOG = "mkdir -p .snakemake/log\nprintf 'Building DAG of jobs...\\n3 of 3 steps (100%%) done\\n' > .snakemake/log/2026-11-21T204500.snakemake.log";

describe("logs", () => {
  it("prints a live job's log so far, and with --follow until it ends", async () => {
    const gate = await startGate();
    onTestFinished(() => gate.close());
    const env = home();
    const dir = scriptBuild("logs-live", `echo first line\n${gate.wait}\necho last line`);
    const detached = await nextstrainTs([...SCRIPT, "--detach", dir], { env });
    const jobId = jobIdIn(detached.stdout);
    const following = startNextstrainTs(["logs", "--follow", jobId], { env });
    await following.waitFor(/\] first line\n/);
    const sofar = await nextstrainTs(["logs", jobId], { env });
    expect(sofar.status).toBe(0);
    expect(sofar.stdout).toMatch(/^\[batch\] \[[^\]]+\] first line$/m);
    expect(sofar.stdout).not.toContain("last line");
    gate.open();
    const followed = await following.done;
    expect(followed.status).toBe(0);
    expect(followed.stdout).toMatch(/\] first line\n(.*\n)*\[batch\] \[[^\]]+\] last line\n/);
    const json = await nextstrainTs(["logs", "--json", "--since", "1h", jobId], { env });
    expect(parseEvents(json.stdout).filter((event) => event.type === "log").map((event) => event.message)).toEqual(expect.arrayContaining(["first line", "last line"]));
  });

  it("when CloudWatch no longer has the stream, or AWS Batch forgot the job: says so and prints the Snakemake log files from the archive", async () => {
    const env = home();
    const dir = scriptBuild("logs-gone", `${SNAKEMAKE_LOG}\necho to cloudwatch`);
    const ran = await nextstrainTs([...SCRIPT, "--no-download", dir], { env });
    expect(ran.status).toBe(0);
    const jobId = jobIdIn(ran.stdout);
    const stream = (await describeJob(aws.batch, jobId))?.container?.logStreamName as string;
    await aws.logs.send(new DeleteLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: stream }));

    const expired = await nextstrainTs(["logs", jobId], { env });
    expect(expired.status).toBe(0);
    expect(expired.stdout).toContain(`CloudWatch Logs no longer has the log stream ${LOG_GROUP}/${stream} of job ${jobId}: its log group's retention may have expired.`);
    expect(expired.stdout).toMatch(/Showing the Snakemake log files of the results archive s3:\/\/nextstrain-jobs\/\S+\.zip instead:\nSnakemake log \.snakemake\/log\/2026-11-21T204500\.snakemake\.log:\nBuilding DAG of jobs\.\.\.\n3 of 3 steps \(100%\) done\n/);

    await stack.control.purgeJob(jobId);
    // From the bucket's record: another machine, no local record.
    const forgotten = await nextstrainTs(["logs", jobId], { env: home() });
    expect(forgotten.status).toBe(0);
    expect(forgotten.stdout).toContain(`AWS Batch no longer knows job ${jobId}: it forgets jobs a few days after they end, and its CloudWatch log stream is not known.`);
    expect(forgotten.stdout).toContain("3 of 3 steps (100%) done");
    // --json on a forgotten job: its record stands in for AWS Batch's.
    const attached = await nextstrainTs(["attach", "--json", "--no-download", jobId], { env });
    expect(parseEvents(attached.stdout).map((event) => event.type)).toEqual(["job-attached", "result"]);
    expect(parseEvents(attached.stdout).at(-1)).toMatchObject({ jobId, status: "SUCCEEDED", exitStatus: 0 });
  });

  it("refuses an unknown job, saying where it looked", async () => {
    const jobId = randomUUID();
    const result = await nextstrainTs(["logs", jobId], { env: home() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Error: Invalid or unknown job id ${jobId} (in region us-east-1).`);
  });
});
