// Vitest global setup of the "e2e" project: readies the machine (host-check.ts:
// installs what it safely can, else jobs run unsandboxed), starts one local AWS
// stack for the whole run on free ports, hands its endpoint and environment to
// the tests (inject("localAws")), and stops it afterwards.
import type { TestProject } from "vitest/node";
import { prepareHost, thisHost, type SandboxMode } from "./host-check.js";
import { FAST_DELAYS, startLocalAws, type LocalAwsEnv } from "./stack.js";

export interface ProvidedLocalAws {
  endpoint: string;
  motoEndpoint: string;
  env: LocalAwsEnv;
  workRoot: string;
  /** How the stack runs jobs: tests of the sandbox itself check what each mode promises. */
  sandbox: SandboxMode;
}

declare module "vitest" {
  export interface ProvidedContext {
    localAws: ProvidedLocalAws;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Missing moto or AWS CLI fails the run, never skips it: the message names what to install.
  const sandbox = await prepareHost(thisHost);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const stack = await startLocalAws({ delays: FAST_DELAYS, sandbox });
  project.provide("localAws", { endpoint: stack.endpoint, motoEndpoint: stack.motoEndpoint, env: stack.env, workRoot: stack.workRoot, sandbox });
  return () => stack.stop();
}
