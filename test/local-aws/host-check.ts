// What the local AWS stack needs from this machine, and what to do when a part
// is missing: `npm run demo`, the end-to-end tests' global setup and
// `npm run local-aws -- --check` all come through here.
//
//  - zip, unzip (the job side) and bubblewrap (the job sandbox) are Debian
//    packages: installed with apt-get when running as root where apt-get is
//    available, after one line saying so;
//  - without a working bubblewrap, jobs run without the sandbox, after one
//    line saying what that loses and how to get it back;
//  - Python with moto and the AWS CLI cannot come from here: missing, they
//    are named with the command that installs them, and nothing starts.
//
// The decisions (planTools) are a pure function of what was found (HostFacts),
// so they are table-tested; finding and installing are injected.
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";

export type SandboxMode = "bwrap" | "none";

/** What the machine has. */
export interface HostFacts {
  root: boolean;
  aptGet: boolean;
  bwrap: boolean;
  /** bwrap can make a sandbox here (false when it is missing, or user namespaces are off). */
  bwrapWorks: boolean;
  zip: boolean;
  unzip: boolean;
  aws: boolean;
  /** The Python meant to run moto (`LOCAL_AWS_PYTHON`, else python3). */
  python: string;
  pythonFound: boolean;
  moto: boolean;
}

export interface ToolPlan {
  /** Debian packages to install with apt-get before going on. */
  install: string[];
  /** How jobs will run if nothing is installed. */
  sandbox: SandboxMode;
  /** One line for the user when jobs run without the sandbox. */
  notice?: string;
  /** What stops the stack from running, each with how to install it. */
  missing: string[];
}

const REGAIN = "to sandbox them, install bubblewrap (apt-get install -y bubblewrap)";

export function planTools(facts: HostFacts, mayInstall: boolean): ToolPlan {
  const canInstall = mayInstall && facts.root && facts.aptGet;
  const install: string[] = [];
  const missing: string[] = [];
  for (const tool of ["zip", "unzip"] as const) {
    if (facts[tool]) continue;
    if (canInstall) install.push(tool);
    else missing.push(`${tool} (apt-get install -y ${tool})`);
  }
  if (!facts.bwrap && canInstall) install.push("bubblewrap");
  if (!facts.aws) missing.push("aws, the AWS CLI (pip install awscli, or apt-get install -y awscli)");
  if (!facts.pythonFound) missing.push(`${facts.python} (apt-get install -y python3)`);
  else if (!facts.moto) missing.push(`moto with its server extras for ${facts.python} (pip install "moto[server]")`);

  const sandbox: SandboxMode = facts.bwrap && facts.bwrapWorks ? "bwrap" : "none";
  let notice: string | undefined;
  if (sandbox === "none" && !install.includes("bubblewrap")) {
    const why = facts.bwrap
      ? "bubblewrap cannot make a sandbox here (are unprivileged user namespaces turned off?)"
      : "bubblewrap (bwrap) is not installed";
    const regain = facts.bwrap ? "to sandbox them, allow unprivileged user namespaces (see docs/local-aws.md)" : REGAIN;
    notice =
      `local-aws: ${why}, so jobs run without a sandbox: they are not isolated from this machine ` +
      `(they can write wherever you can, and see their /nextstrain as a directory under the stack's work directory); ${regain}.`;
  }
  return { install, sandbox, notice, missing };
}

export class MissingTools extends Error {
  constructor(readonly missing: string[]) {
    super(`The local AWS stack cannot run; missing:\n${missing.map((line) => `  - ${line}`).join("\n")}`);
    this.name = "MissingTools";
  }
}

export interface HostSetup {
  facts(): Promise<HostFacts>;
  install(packages: string[]): Promise<void>;
  say(line: string): void;
}

/**
 * Makes the machine ready as far as it safely can and answers how jobs will
 * run; throws MissingTools naming what the user must install.
 */
export async function prepareHost(setup: HostSetup): Promise<SandboxMode> {
  let plan = planTools(await setup.facts(), true);
  // What apt-get cannot give is asked for before anything is installed.
  if (plan.missing.length > 0) throw new MissingTools(plan.missing);
  if (plan.install.length > 0) {
    setup.say(`local-aws: installing the Debian packages ${plan.install.join(", ")} with apt-get (running as root)`);
    try {
      await setup.install(plan.install);
    } catch (error) {
      setup.say(`local-aws: apt-get failed: ${(error as Error).message.trim()}`);
    }
    // Whatever came of it, look again: an installed bwrap may still be unable to sandbox.
    plan = planTools(await setup.facts(), false);
  }
  if (plan.missing.length > 0) throw new MissingTools(plan.missing);
  if (plan.notice) setup.say(plan.notice);
  return plan.sandbox;
}

const run = promisify(execFile);

function succeeds(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

function onPath(command: string): boolean {
  return succeeds("sh", ["-c", `command -v "$1" >/dev/null`, "sh", command]);
}

/** Whether bwrap is there and can make the kind of sandbox jobs get. */
export function bwrapWorks(): boolean {
  return onPath("bwrap") && succeeds("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "true"]);
}

export async function probeHost(python = process.env.LOCAL_AWS_PYTHON ?? "python3"): Promise<HostFacts> {
  const pythonFound = onPath(python);
  return {
    root: process.getuid?.() === 0,
    aptGet: onPath("apt-get"),
    bwrap: onPath("bwrap"),
    bwrapWorks: bwrapWorks(),
    zip: onPath("zip"),
    unzip: onPath("unzip"),
    aws: onPath("aws"),
    python,
    pythonFound,
    moto: pythonFound && succeeds(python, ["-c", "import moto.server"]),
  };
}

export async function aptGetInstall(packages: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-qq"], { env });
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env });
}

/** The machine's own setup: probes it, installs with apt-get, says things on stderr. */
export const thisHost: HostSetup = { facts: () => probeHost(), install: aptGetInstall, say: (line) => console.error(line) };

/** prepareHost for this machine in a script: what is missing goes to stderr and ends it with status 1. */
export async function prepareThisHostOrExit(): Promise<SandboxMode> {
  try {
    return await prepareHost(thisHost);
  } catch (error) {
    if (!(error instanceof MissingTools)) throw error;
    console.error(error.message);
    return process.exit(1);
  }
}
