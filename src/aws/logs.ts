/**
 * Following a job's CloudWatch Logs stream.
 *
 * One known stream is tailed with GetLogEvents and its forward token: the
 * token always moves on from what was read, so no line is printed twice or
 * skipped, and an unchanged token means "caught up"
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html).
 * FilterLogEvents, which the Nextstrain CLI polls every 0.2 s, is limited to
 * a few calls per second per account, so we do not use it.
 *
 * Polling adapts (P4): about once a second while lines flow, at once
 * while a backlog is being paged through, stretching to every 5 s when idle,
 * and backing off further while throttled, as the `logs-poll` row of the
 * retry policy (src/aws/retry.ts) says. The stream does not exist until
 * the container starts (and never does for a job that fails to start). After
 * the job ends, the follower drains: lines keep arriving for a few seconds.
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { awsErrorName, credentialsProblem, isThrottling } from "./errors.js";
import { backoffDelay, isRetryable, RETRY_POLICIES, systemClock, withRetries, type Clock } from "./retry.js";

/** What the tool reads of a CloudWatch Logs event (GetLogEvents and FilterLogEvents both fit). */
export interface LogEvent {
  timestamp?: number;
  ingestionTime?: number;
  message?: string;
}

export interface PollState {
  /** Events the last successful poll returned. */
  lastCount: number;
  /** Successive polls that returned nothing. */
  idlePolls: number;
  /** Successive throttled or failed polls. */
  failures: number;
}

/** A page this full means more is waiting: read it at once. */
export const BACKLOG_PAGE = 1000;
export const FLOWING_DELAY_MS = 1000;
export const IDLE_MAX_DELAY_MS = 5000;

/** How long to wait before the next poll; after failures, as the retry policy for Logs says. */
export function nextPollDelay(state: PollState): number {
  if (state.failures > 0) return backoffDelay(RETRY_POLICIES["logs-poll"], state.failures);
  if (state.lastCount >= BACKLOG_PAGE) return 0;
  if (state.idlePolls === 0) return FLOWING_DELAY_MS;
  return Math.min(IDLE_MAX_DELAY_MS, FLOWING_DELAY_MS * 2 ** state.idlePolls);
}

export interface TailOptions {
  client: CloudWatchLogsClient;
  group: string;
  stream: string;
  /** Only events from this time on (milliseconds since the epoch); all when not given. */
  startTime?: number;
  onEvent: (event: LogEvent) => void;
  /** Told once when polls start failing, and again when they recover. */
  onTrouble?: (problem: string | undefined) => void;
  clock?: Clock;
}

/** How long after the job ends to keep reading while nothing new arrives. */
export const DRAIN_QUIET_MS = 3000;
/** The most to spend draining. */
export const DRAIN_LIMIT_MS = 30_000;

export interface FollowResult {
  events: number;
  /** False when the stream never existed (the job's container never started). */
  streamSeen: boolean;
}

export class LogFollower {
  private token: string | undefined;
  private streamSeen = false;
  private events = 0;
  private troubled = false;
  private readonly state: PollState = { lastCount: 0, idlePolls: 0, failures: 0 };

  private readonly clock: Clock;

  constructor(private readonly options: TailOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Follows the stream until `ended` resolves (the job is terminal), then
   * drains. Only credential errors end it early; other failures are retried.
   */
  async follow(ended: Promise<unknown>): Promise<FollowResult> {
    let jobEnded = false;
    const wake = new AbortController();
    void ended.then(() => {
      jobEnded = true;
      wake.abort();
    });
    while (!jobEnded) {
      await this.poll();
      if (jobEnded) break;
      await this.clock.sleep(nextPollDelay(this.state), wake.signal).catch(() => undefined);
    }
    await this.drain();
    return { events: this.events, streamSeen: this.streamSeen };
  }

  /** Reads until nothing new has come for DRAIN_QUIET_MS (bounded by DRAIN_LIMIT_MS). */
  async drain(): Promise<FollowResult> {
    const now = () => this.clock.now();
    const quiet = DRAIN_QUIET_MS;
    const start = now();
    const limit = start + DRAIN_LIMIT_MS;
    let lastNews = start;
    while (now() < limit) {
      const count = await this.poll();
      if (count > 0) lastNews = now();
      else if (now() - lastNews >= quiet) break;
      await this.clock.sleep(count >= BACKLOG_PAGE ? 0 : Math.min(FLOWING_DELAY_MS, quiet));
    }
    return { events: this.events, streamSeen: this.streamSeen };
  }

  /** Reads what the stream holds now, page by page, then stops: a log read once rather than followed. Failures are waited out as while following. */
  async readToEnd(): Promise<FollowResult> {
    for (;;) {
      const count = await this.poll();
      if (this.state.failures > 0) await this.clock.sleep(nextPollDelay(this.state));
      else if (count === 0) return { events: this.events, streamSeen: this.streamSeen };
    }
  }

  /** One GetLogEvents call; returns the number of new events. */
  async poll(): Promise<number> {
    const { GetLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
    try {
      const page = await this.options.client.send(
        new GetLogEventsCommand({
          logGroupName: this.options.group,
          logStreamName: this.options.stream,
          startFromHead: true,
          nextToken: this.token,
          // The token carries the start time on from the first page.
          startTime: this.token === undefined ? this.options.startTime : undefined,
        }),
      );
      this.streamSeen = true;
      const events = page.events ?? [];
      // An unchanged token means nothing new; keep it either way.
      if (page.nextForwardToken) this.token = page.nextForwardToken;
      for (const event of events) this.options.onEvent(event);
      this.events += events.length;
      this.recovered();
      this.state.lastCount = events.length;
      this.state.idlePolls = events.length === 0 ? this.state.idlePolls + 1 : 0;
      return events.length;
    } catch (error) {
      if (awsErrorName(error) === "ResourceNotFoundException") {
        // The stream appears when the container starts.
        this.recovered();
        this.state.lastCount = 0;
        this.state.idlePolls += 1;
        return 0;
      }
      const credentials = credentialsProblem(error);
      if (credentials) throw credentials;
      if (!isRetryable(RETRY_POLICIES["logs-poll"], error)) throw error;
      this.state.failures += 1;
      if (!this.troubled) {
        this.troubled = true;
        this.options.onTrouble?.(isThrottling(error) ? "CloudWatch Logs is throttling requests; slowing down" : `CloudWatch Logs did not answer (${String((error as Error).message ?? error)}); retrying`);
      }
      return 0;
    }
  }

  private recovered(): void {
    this.state.failures = 0;
    if (this.troubled) {
      this.troubled = false;
      this.options.onTrouble?.(undefined);
    }
  }
}

/** A log group's retention in days (undefined: kept for ever) and tags; undefined when there is no such group. */
export async function readLogGroup(client: CloudWatchLogsClient, name: string): Promise<{ retentionDays?: number; tags: Record<string, string> } | undefined> {
  const { DescribeLogGroupsCommand, ListTagsForResourceCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  const answer = await withRetries("setup-read", () => client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name })));
  const group = answer.logGroups?.find((candidate) => candidate.logGroupName === name);
  if (!group) return undefined;
  // logGroupArn is the group's own ARN; `arn` ends in `:*`, which tagging calls refuse.
  const arn = group.logGroupArn ?? group.arn?.replace(/:\*$/, "");
  const tags = arn ? ((await withRetries("setup-read", () => client.send(new ListTagsForResourceCommand({ resourceArn: arn })))).tags ?? {}) : {};
  return { retentionDays: group.retentionInDays, tags };
}

export async function createLogGroup(client: CloudWatchLogsClient, name: string, tags: Record<string, string>): Promise<void> {
  const { CreateLogGroupCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  await withRetries("setup-change", () => client.send(new CreateLogGroupCommand({ logGroupName: name, tags })));
}

export async function setRetention(client: CloudWatchLogsClient, name: string, days: number): Promise<void> {
  const { PutRetentionPolicyCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  await withRetries("setup-change", () => client.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: days })));
}

export async function deleteLogGroup(client: CloudWatchLogsClient, name: string): Promise<void> {
  const { DeleteLogGroupCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  await withRetries("setup-change", () => client.send(new DeleteLogGroupCommand({ logGroupName: name })));
}

/**
 * The retention periods CloudWatch Logs accepts, in days
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The shortest retention CloudWatch Logs offers that keeps logs at least `days`. */
export function retentionFor(days: number): number {
  return RETENTION_DAYS.find((offered) => offered >= days) ?? 3653;
}
