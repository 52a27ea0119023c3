// Ships a container's output to its CloudWatch Logs stream while it runs, as
// Docker's awslogs driver does: one event per line (stdout and stderr mixed),
// stamped when the line was read, sent in PutLogEvents batches at least every
// `flushMs` and once more when the container exits.
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand, ResourceAlreadyExistsException, ResourceNotFoundException } from "@aws-sdk/client-cloudwatch-logs";

export interface LogEvent {
  timestamp: number;
  message: string;
}

/** Where events go; the emulator's is CloudWatch Logs in moto. */
export interface LogSink {
  createStream(group: string, stream: string): Promise<void>;
  put(group: string, stream: string, events: LogEvent[]): Promise<void>;
}

export function cloudWatchSink(client: CloudWatchLogsClient): LogSink {
  return {
    async createStream(group, stream) {
      const command = new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream });
      try {
        await client.send(command);
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        // As on AWS, the first job of an account creates /aws/batch/job.
        await client.send(new CreateLogGroupCommand({ logGroupName: group })).catch((e: unknown) => {
          if (!(e instanceof ResourceAlreadyExistsException)) throw e;
        });
        await client.send(command);
      }
    },
    async put(group, stream, events) {
      await client.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
    },
  };
}

// Docker splits lines longer than 16 KiB into several messages.
const MAX_MESSAGE = 16 * 1024;
// PutLogEvents takes at most 10,000 events and 1 MiB (counting 26 bytes per event) per call.
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;

/** Splits a stream of chunks into lines; keeps the unfinished tail. */
export class LineSplitter {
  private rest = "";

  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split("\n");
    this.rest = parts.pop() ?? "";
    return parts.map((line) => line.replace(/\r$/, ""));
  }

  end(): string[] {
    const tail = this.rest;
    this.rest = "";
    return tail ? [tail] : [];
  }
}

/** Cuts pending events into PutLogEvents-sized batches. */
export function batches(events: LogEvent[]): LogEvent[][] {
  const result: LogEvent[][] = [];
  let current: LogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message) + EVENT_OVERHEAD;
    if (current.length > 0 && (current.length >= MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

export interface ShipperOptions {
  flushMs: number;
  /** Hold lines back this long before sending them, to mimic ingestion lag. */
  lagMs: number;
  now?: () => number;
}

export class LogShipper {
  private pending: LogEvent[] = [];
  private sending: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly sink: LogSink,
    private readonly group: string,
    private readonly stream: string,
    private readonly options: ShipperOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.flush(false), options.flushMs);
  }

  line(text: string): void {
    if (text === "") return; // CloudWatch rejects empty messages; awslogs drops blank lines.
    const timestamp = this.now();
    for (let i = 0; i < text.length; i += MAX_MESSAGE) {
      this.pending.push({ timestamp, message: text.slice(i, i + MAX_MESSAGE) });
    }
  }

  /** Sends what is due (everything when `all`), one call at a time; failed batches are retried on the next flush. */
  flush(all: boolean): Promise<void> {
    this.sending = this.sending.then(async () => {
      const cutoff = all ? Infinity : this.now() - this.options.lagMs;
      const due = this.pending.filter((e) => e.timestamp <= cutoff);
      if (due.length === 0) return;
      this.pending = this.pending.slice(due.length);
      for (const [index, batch] of batches(due).entries()) {
        try {
          await this.sink.put(this.group, this.stream, batch);
        } catch {
          this.pending = [...batches(due).slice(index).flat(), ...this.pending];
          return;
        }
      }
    });
    return this.sending;
  }

  /** Stops the timer and sends every remaining line. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }
}
