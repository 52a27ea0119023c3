// The client tests use to drive the stack's control API (under /_local-aws/
// on the stack endpoint; served by control-api.ts): failure simulation,
// faults, call lists, purging jobs, delays, image directories, and what a
// queue's compute environments can hold.
import type { Capacity } from "./batch/capacity.js";
import type { Delays } from "./batch/delays.js";
import type { FailureRequest } from "./batch/failures.js";
import type { FaultRule, RecordedCall } from "./faults.js";

/** One compute environment of a queue, as `queueCapacity` describes it. */
export interface EnvironmentCapacity {
  computeEnvironment: string;
  state: string;
  status: string;
  maxvCpus: number;
  /** The most vCPUs and memory (MiB, after what the ECS agent keeps) one instance offers one job. */
  largestJob: Capacity;
}

export const CONTROL_PREFIX = "/_local-aws";

export class LocalAwsControl {
  constructor(private readonly endpoint: string) {}

  /** Changes the lifecycle delays for jobs from now on; answers the delays in force. */
  setDelays(delays: Partial<Delays>): Promise<Delays> {
    return this.call("PUT", "/delays", delays) as Promise<Delays>;
  }

  getDelays(): Promise<Delays> {
    return this.call("GET", "/delays") as Promise<Delays>;
  }

  /** Throttling, 5xx answers, cut connections, delays or a blackout on a share of the calls to a service / operation. */
  async addFault(rule: FaultRule): Promise<void> {
    await this.call("POST", "/faults", rule);
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "/faults");
  }

  /** Starts listing the calls signed with this access key (a fault rule naming the key does too). */
  async recordCalls(accessKeyId: string): Promise<void> {
    await this.call("POST", `/calls/${encodeURIComponent(accessKeyId)}`);
  }

  /** The calls signed with this access key since recording began, with their outcome. */
  calls(accessKeyId: string): Promise<RecordedCall[]> {
    return this.call("GET", `/calls/${encodeURIComponent(accessKeyId)}`) as Promise<RecordedCall[]>;
  }

  /** The next submitted job (or the next one with that name) fails this way, on its next attempt or on the attempts listed. */
  async failNextJob(failure: FailureRequest & { jobName?: string }): Promise<void> {
    await this.call("POST", "/failures", failure);
  }

  /** This job fails this way: at once if the attempt meant is running, otherwise when it gets there. */
  async failJob(jobId: string, failure: FailureRequest): Promise<void> {
    await this.call("POST", `/jobs/${encodeURIComponent(jobId)}/failure`, failure);
  }

  /** The next submitted job (or the next one with that name) is missing from DescribeJobs and ListJobs for `ms`, as can happen right after SubmitJob. */
  async hideNextJob(request: { ms: number; jobName?: string }): Promise<void> {
    await this.call("POST", "/hidden-jobs", request);
  }

  /** Batch forgets this job: DescribeJobs no longer lists it. */
  async purgeJob(jobId: string): Promise<void> {
    await this.call("DELETE", `/jobs/${encodeURIComponent(jobId)}`);
  }

  /** The compute environments of a queue, in order, with the largest job one of their instances can hold. */
  queueCapacity(queue: string): Promise<EnvironmentCapacity[]> {
    return this.call("GET", `/queues/${encodeURIComponent(queue)}/capacity`) as Promise<EnvironmentCapacity[]>;
  }

  /** Serve `image` (`repo` for every tag, or `repo:tag`) from this host directory. */
  async setImage(image: string, dir: string): Promise<void> {
    await this.call("PUT", "/images", { [image]: dir });
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.endpoint}${CONTROL_PREFIX}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`local-aws control ${method} ${path}: HTTP ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
}
