/**
 * How a download fetches the changed members (P2 in docs/performance.md):
 * with coalesced ranged GETs (fetch-plan.ts), or with one streaming GET of
 * the span from the first needed byte to the end of the last needed member,
 * read in order and discarding what lies between (sequential-source.ts).
 *
 * Ranged GETs fetch little more than what is needed, but each costs a
 * request; one streaming GET costs one request but fetches the unchanged
 * members in between too. Which is cheaper depends on the server, so it is
 * chosen from what the first reads (the archive's tail and central
 * directory) took, and reconsidered while the ranged GETs run: S3 answers a
 * ranged GET in a round trip, but some servers (moto reads the whole object
 * for each one, and answers them one at a time) make every GET cost as much
 * as a large part of the object.
 *
 * The rules are pure functions of measured figures; GetMeter gathers those
 * figures from the source's GETs.
 */

export type PlanName = "ranged" | "streaming";

/** What the GETs so far say of the server. */
export interface ServerCost {
  /** Milliseconds from sending a GET to its first byte, at best: the cost of a request. */
  perGetMs: number;
  /** Bytes a millisecond once a response flows, at best. */
  bytesPerMs: number;
}

export interface PlanInputs extends ServerCost {
  /** Ranged GETs the coalesced plan makes (its groups). */
  groups: number;
  /** Bytes they fetch. */
  rangedBytes: number;
  /** GETs in flight at once in the ranged plan. */
  concurrency: number;
  /** Bytes one streaming GET fetches: from the first group's start to the last one's end. */
  spanBytes: number;
}

export interface PlanChoice {
  plan: PlanName;
  rangedMs: number;
  streamingMs: number;
}

/** The cheaper plan by estimate: rounds of concurrent ranged GETs and their bytes, against one request and the whole span. */
export function choosePlan(inputs: PlanInputs): PlanChoice {
  const { perGetMs, bytesPerMs } = inputs;
  const rangedMs = Math.ceil(inputs.groups / Math.max(1, inputs.concurrency)) * perGetMs + inputs.rangedBytes / bytesPerMs;
  const streamingMs = perGetMs + inputs.spanBytes / bytesPerMs;
  return { plan: inputs.groups > 1 && streamingMs < rangedMs ? "streaming" : "ranged", rangedMs, streamingMs };
}

export interface SwitchInputs extends ServerCost {
  /** Groups fetched so far by ranged GETs, and the milliseconds some GET of theirs was in flight. */
  groupsFetched: number;
  busyMs: number;
  /**
   * Groups the ranged plan still has to fetch (not fetched, nor being
   * fetched: those fetched ahead of the writing cost nothing more).
   */
  unfetchedGroups: number;
  /** Bytes from the first group not yet written to the end of the last: what one streaming GET would fetch. */
  remainingSpanBytes: number;
}

/** Groups fetched before the ranged plan's pace is trusted. */
export const SWITCH_AFTER_GROUPS = 8;
/**
 * The streaming estimate must beat the ranged one by this factor: a switch
 * throws away GETs in flight, the bandwidth estimated from the best of a few
 * responses is optimistic, and streaming fetches many more bytes (which S3
 * bills). A server that makes GETs wait in line (moto: about 100 ms each,
 * one at a time) is slower than that by a factor of 50 or more; S3 and the
 * benchmark's range server, answering side by side, are within it.
 */
export const SWITCH_MARGIN = 8;

/** Whether to leave the ranged plan for one streaming GET of what remains: its observed pace against the streaming estimate. */
export function shouldSwitch(inputs: SwitchInputs): boolean {
  if (inputs.groupsFetched < SWITCH_AFTER_GROUPS || inputs.unfetchedGroups < 2) return false;
  const rangedMs = (inputs.busyMs / inputs.groupsFetched) * inputs.unfetchedGroups;
  const streamingMs = inputs.perGetMs + inputs.remainingSpanBytes / inputs.bytesPerMs;
  return streamingMs * SWITCH_MARGIN < rangedMs;
}

/** One GET as timed by the source. */
export interface GetTiming {
  bytes: number;
  /** Milliseconds to the response's headers. */
  waitMs: number;
  /** Milliseconds to its last byte. */
  totalMs: number;
}

/** Responses smaller than this say little of the bandwidth (they come in one packet or a few). */
const RATE_MIN_BYTES = 64 << 10;

/** The GETs of a source: their count and bytes, the best request cost and bandwidth seen, and how long some GET was in flight. */
export class GetMeter {
  gets = 0;
  bytes = 0;
  private bestWaitMs = Infinity;
  private bestRate = 0;
  private bestWholeRate = 0;
  private inFlight = 0;
  private busySince = 0;
  private busyTotal = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Call when a GET is sent; call the answer when it ends (with its timing when it worked; later calls do nothing). */
  begin(): (timing?: GetTiming) => void {
    if (this.inFlight++ === 0) this.busySince = this.now();
    let open = true;
    return (timing) => {
      if (!open) return;
      open = false;
      if (--this.inFlight === 0) this.busyTotal += this.now() - this.busySince;
      if (timing) this.record(timing);
    };
  }

  /** Milliseconds during which at least one GET was in flight. */
  get busyMs(): number {
    return this.busyTotal + (this.inFlight > 0 ? this.now() - this.busySince : 0);
  }

  /** What the GETs so far say of the server; undefined before any. */
  cost(): ServerCost | undefined {
    if (this.gets === 0) return undefined;
    const bytesPerMs = this.bestRate > 0 ? this.bestRate : this.bestWholeRate;
    return { perGetMs: this.bestWaitMs, bytesPerMs: Math.max(bytesPerMs, 1) };
  }

  private record(timing: GetTiming): void {
    this.gets += 1;
    this.bytes += timing.bytes;
    this.bestWaitMs = Math.min(this.bestWaitMs, timing.waitMs);
    this.bestWholeRate = Math.max(this.bestWholeRate, timing.bytes / Math.max(timing.totalMs, 0.001));
    const flowing = timing.totalMs - timing.waitMs;
    if (timing.bytes >= RATE_MIN_BYTES && flowing > 0) this.bestRate = Math.max(this.bestRate, timing.bytes / flowing);
  }
}
