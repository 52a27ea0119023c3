// Vitest global setup of the "e2e" project: checks the machine, starts one
// local AWS stack for the whole run on free ports, hands its endpoint and
// environment to the tests (inject("localAws")), and stops it afterwards.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { FAST_DELAYS, startLocalAws, type LocalAwsEnv } from "./stack.js";

export interface ProvidedLocalAws {
  endpoint: string;
  motoEndpoint: string;
  env: LocalAwsEnv;
  workRoot: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    localAws: ProvidedLocalAws;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    await promisify(execFile)(path.join(here, "require-tools.sh"));
  } catch (error) {
    // Fail the run, never skip: the message names what to install.
    throw new Error(((error as { stderr?: string }).stderr ?? String(error)).trim());
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const stack = await startLocalAws({ delays: FAST_DELAYS });
  project.provide("localAws", { endpoint: stack.endpoint, motoEndpoint: stack.motoEndpoint, env: stack.env, workRoot: stack.workRoot });
  return () => stack.stop();
}
