// What the local AWS stack does about a machine's missing parts: install,
// run jobs unsandboxed, or stop and name them. Facts and installs are made up.
import { describe, expect, it } from "vitest";
import { MissingTools, planTools, prepareHost, type HostFacts } from "../../local-aws/host-check.js";

const READY: HostFacts = {
  root: false, aptGet: true, bwrap: true, bwrapWorks: true, zip: true, unzip: true, aws: true, python: "python3", pythonFound: true, moto: true,
};
const ROOT = { ...READY, root: true };
const BARE_ROOT = { ...ROOT, bwrap: false, bwrapWorks: false, zip: false, unzip: false };

describe("planTools", () => {
  const cases: [string, Partial<HostFacts>, boolean, { install: string[]; sandbox: "bwrap" | "none"; notice: RegExp | undefined; missing: RegExp[] }][] = [
    ["everything there", {}, true, { install: [], sandbox: "bwrap", notice: undefined, missing: [] }],
    ["root with apt-get, nothing from Debian", BARE_ROOT, true, { install: ["zip", "unzip", "bubblewrap"], sandbox: "none", notice: undefined, missing: [] }],
    ["root with apt-get, only bwrap missing", { root: true, bwrap: false, bwrapWorks: false }, true, { install: ["bubblewrap"], sandbox: "none", notice: undefined, missing: [] }],
    ["root, after an install that changed nothing", { root: true, bwrap: false, bwrapWorks: false }, false, { install: [], sandbox: "none", notice: /bwrap\) is not installed.*apt-get install -y bubblewrap/, missing: [] }],
    ["root without apt-get", { root: true, aptGet: false, bwrap: false, bwrapWorks: false }, true, { install: [], sandbox: "none", notice: /not installed/, missing: [] }],
    ["not root, bwrap missing", { bwrap: false, bwrapWorks: false }, true, { install: [], sandbox: "none", notice: /not isolated from this machine/, missing: [] }],
    ["bwrap there but no user namespaces", { bwrapWorks: false }, true, { install: [], sandbox: "none", notice: /cannot make a sandbox here.*user namespaces/, missing: [] }],
    ["root, bwrap there but no user namespaces: nothing to install", { root: true, bwrapWorks: false }, true, { install: [], sandbox: "none", notice: /cannot make a sandbox/, missing: [] }],
    ["not root, zip missing", { zip: false }, true, { install: [], sandbox: "bwrap", notice: undefined, missing: [/^zip \(apt-get install -y zip\)$/] }],
    ["not root, unzip and bwrap missing", { unzip: false, bwrap: false, bwrapWorks: false }, true, { install: [], sandbox: "none", notice: /not installed/, missing: [/^unzip /] }],
    ["moto missing, even as root", { root: true, moto: false }, true, { install: [], sandbox: "bwrap", notice: undefined, missing: [/^moto .* for python3 \(pip install "moto\[server\]"\)$/] }],
    ["no Python at all", { python: "python3.12", pythonFound: false, moto: false }, true, { install: [], sandbox: "bwrap", notice: undefined, missing: [/^python3\.12 /] }],
    ["no AWS CLI", { aws: false }, true, { install: [], sandbox: "bwrap", notice: undefined, missing: [/^aws, the AWS CLI \(pip install awscli/] }],
  ];
  it.each(cases)("%s", (_name, facts, mayInstall, expected) => {
    const plan = planTools({ ...READY, ...facts }, mayInstall);
    expect(plan.install).toEqual(expected.install);
    expect(plan.sandbox).toBe(expected.sandbox);
    if (expected.notice) expect(plan.notice).toMatch(expected.notice);
    else expect(plan.notice).toBeUndefined();
    expect(plan.missing).toHaveLength(expected.missing.length);
    expected.missing.forEach((pattern, i) => expect(plan.missing[i]).toMatch(pattern));
  });

  it("says what is lost and how to get it back in one line", () => {
    const { notice } = planTools({ ...READY, bwrap: false, bwrapWorks: false }, false);
    expect(notice).not.toContain("\n");
  });
});

/** A machine whose facts change when packages are installed (or not, when the install fails). */
function machine(before: HostFacts, after: HostFacts, installFails = false) {
  const said: string[] = [];
  const installed: string[][] = [];
  let current = before;
  return {
    said,
    installed,
    setup: {
      facts: async () => current,
      install: async (packages: string[]) => {
        installed.push(packages);
        if (installFails) throw new Error("E: Unable to locate package bubblewrap");
        current = after;
      },
      say: (line: string) => said.push(line),
    },
  };
}

describe("prepareHost", () => {
  it("installs what is missing as root, says so in one line first, and sandboxes", async () => {
    const host = machine(BARE_ROOT, ROOT);
    expect(await prepareHost(host.setup)).toBe("bwrap");
    expect(host.installed).toEqual([["zip", "unzip", "bubblewrap"]]);
    expect(host.said).toEqual(["local-aws: installing the Debian packages zip, unzip, bubblewrap with apt-get (running as root)"]);
  });

  it("runs unsandboxed, saying so, when the installed bwrap cannot sandbox (a container without user namespaces)", async () => {
    const host = machine(BARE_ROOT, { ...ROOT, bwrapWorks: false });
    expect(await prepareHost(host.setup)).toBe("none");
    expect(host.said).toHaveLength(2);
    expect(host.said[1]).toMatch(/cannot make a sandbox here/);
  });

  it("runs unsandboxed when apt-get fails, if zip and unzip are there", async () => {
    const host = machine({ ...ROOT, bwrap: false, bwrapWorks: false }, ROOT, true);
    expect(await prepareHost(host.setup)).toBe("none");
    expect(host.said[1]).toMatch(/apt-get failed: E: Unable to locate package bubblewrap/);
    expect(host.said[2]).toMatch(/is not installed, so jobs run without a sandbox/);
  });

  it("stops, naming zip, when apt-get fails and zip is missing", async () => {
    const host = machine(BARE_ROOT, ROOT, true);
    await expect(prepareHost(host.setup)).rejects.toThrow(/missing:\n {2}- zip \(apt-get install -y zip\)\n {2}- unzip/);
  });

  it("never installs when not root", async () => {
    const host = machine({ ...READY, bwrap: false, bwrapWorks: false }, READY);
    expect(await prepareHost(host.setup)).toBe("none");
    expect(host.installed).toEqual([]);
    expect(host.said).toHaveLength(1);
  });

  it("stops before installing anything when moto is missing, naming it", async () => {
    const host = machine({ ...BARE_ROOT, moto: false }, ROOT);
    const failure = prepareHost(host.setup);
    await expect(failure).rejects.toBeInstanceOf(MissingTools);
    await expect(failure).rejects.toThrow(/^The local AWS stack cannot run; missing:\n {2}- moto[^\n]*$/);
    expect(host.installed).toEqual([]);
  });
});
