import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { LogFollower, nextPollDelay, type LogEvent } from "../../../src/aws/logs.js";

const logs = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: "us-east-1" });

beforeEach(() => logs.reset());

const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
const notFound = () => Object.assign(new Error("The specified log stream does not exist."), { name: "ResourceNotFoundException" });

function follower(events: LogEvent[], extra: Partial<ConstructorParameters<typeof LogFollower>[0]> = {}) {
  let clock = 0;
  return new LogFollower({
    client,
    group: "/aws/batch/job",
    stream: "nextstrain-job/default/abc",
    onEvent: (event) => events.push(event),
    clock: {
      sleep: async (ms: number) => {
        clock += Math.max(ms, 1);
      },
      now: () => clock,
    },
    ...extra,
  });
}

describe("poll delays (P4)", () => {
  it.each([
    [{ lastCount: 5, idlePolls: 0, failures: 0 }, 1000],
    [{ lastCount: 1000, idlePolls: 0, failures: 0 }, 0],
    [{ lastCount: 0, idlePolls: 1, failures: 0 }, 2000],
    [{ lastCount: 0, idlePolls: 2, failures: 0 }, 4000],
    [{ lastCount: 0, idlePolls: 9, failures: 0 }, 5000],
    [{ lastCount: 0, idlePolls: 0, failures: 1 }, 2000],
    [{ lastCount: 0, idlePolls: 0, failures: 3 }, 8000],
    [{ lastCount: 0, idlePolls: 0, failures: 20 }, 30000],
  ])("%j waits %d ms", (state, delay) => expect(nextPollDelay(state)).toBe(delay));
});

describe("LogFollower", () => {
  it("reads each event once, following the forward token even when it repeats", async () => {
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ message: "a", timestamp: 1 }, { message: "b", timestamp: 2 }], nextForwardToken: "f/1" })
      .resolvesOnce({ events: [], nextForwardToken: "f/1" })
      .resolvesOnce({ events: [{ message: "c", timestamp: 3 }], nextForwardToken: "f/2" })
      .resolves({ events: [], nextForwardToken: "f/2" });
    const events: LogEvent[] = [];
    const reader = follower(events);
    for (let i = 0; i < 5; i++) await reader.poll();
    expect(events.map((event) => event.message)).toEqual(["a", "b", "c"]);
    const tokens = logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input.nextToken);
    expect(tokens).toEqual([undefined, "f/1", "f/1", "f/2", "f/2"]);
    expect(logs.commandCalls(GetLogEventsCommand)[0]?.args[0].input).toMatchObject({ startFromHead: true, logGroupName: "/aws/batch/job" });
  });

  it("waits for a stream that does not exist yet, then reads it", async () => {
    logs.on(GetLogEventsCommand).rejectsOnce(notFound()).resolvesOnce({ events: [{ message: "hello" }], nextForwardToken: "f/1" }).resolves({ events: [], nextForwardToken: "f/1" });
    const events: LogEvent[] = [];
    const reader = follower(events);
    expect(await reader.poll()).toBe(0);
    expect(await reader.poll()).toBe(1);
    expect(events).toEqual([{ message: "hello" }]);
  });

  it("keeps the same token through throttling, so no line is lost or doubled (R2), and reports it once", async () => {
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ message: "1" }], nextForwardToken: "f/1" })
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce({ events: [{ message: "2" }], nextForwardToken: "f/2" })
      .resolves({ events: [], nextForwardToken: "f/2" });
    const events: LogEvent[] = [];
    const trouble: (string | undefined)[] = [];
    const reader = follower(events, { onTrouble: (problem) => trouble.push(problem) });
    for (let i = 0; i < 4; i++) await reader.poll();
    expect(events.map((event) => event.message)).toEqual(["1", "2"]);
    expect(logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input.nextToken)).toEqual([undefined, "f/1", "f/1", "f/1"]);
    expect(trouble).toEqual(["CloudWatch Logs is throttling requests; slowing down", undefined]);
  });

  it("drains lines that arrive after the job ended", async () => {
    logs
      .on(GetLogEventsCommand)
      .resolvesOnce({ events: [{ message: "early" }], nextForwardToken: "f/1" })
      .resolvesOnce({ events: [], nextForwardToken: "f/1" })
      .resolvesOnce({ events: [{ message: "late" }], nextForwardToken: "f/2" })
      .resolves({ events: [], nextForwardToken: "f/2" });
    const events: LogEvent[] = [];
    const result = await follower(events).follow(Promise.resolve());
    expect(events.map((event) => event.message)).toEqual(["early", "late"]);
    expect(result).toEqual({ events: 2, streamSeen: true });
  });

  it("ends cleanly when the stream never appears (job failed to start)", async () => {
    logs.on(GetLogEventsCommand).rejects(notFound());
    const result = await follower([]).follow(Promise.resolve());
    expect(result).toEqual({ events: 0, streamSeen: false });
  });

  it("stops on credential errors instead of retrying forever", async () => {
    logs.on(GetLogEventsCommand).rejects(Object.assign(new Error("The security token included in the request is expired"), { name: "ExpiredTokenException" }));
    await expect(follower([]).poll()).rejects.toThrow("Your AWS credentials have expired");
  });
});
