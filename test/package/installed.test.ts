/**
 * The package as users get it: `npm pack` of this checkout (as built by
 * `npm test`), installed into an empty directory without the network, then the
 * installed `nextstrain-ts` run from there.
 *
 * The install is offline: `npm ci` has put every dependency's tarball in npm's
 * cache, but not the registry metadata a version range needs, so the empty
 * project gets a lockfile made from ours (the runtime entries only, plus the
 * packed tarball). That also installs exactly the versions this checkout is
 * tested with. `--engine-strict` makes the install fail if `engines` excludes
 * the Node running the tests.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  [key: string]: unknown;
}
interface Packed {
  filename: string;
  integrity: string;
  files: { path: string }[];
}

/** npm's own variables (set by `npm test`) would point a nested npm at this checkout. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));
  return { ...env, NO_COLOR: "1", ...extra };
}

/** A lockfile for a project that depends on the packed tarball alone. */
function lockfileFor(manifest: Manifest, lock: { packages: Record<string, LockEntry> }, tarball: string, integrity: string): object {
  const packages: Record<string, unknown> = {
    "": { name: "installed", dependencies: { [manifest.name]: `file:${tarball}` } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: `file:${tarball}`,
      integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [where, entry] of Object.entries(lock.packages)) {
    if (where !== "" && entry.dev !== true) packages[where] = entry;
  }
  return { name: "installed", lockfileVersion: 3, requires: true, packages };
}

/** An endpoint that refuses every request as AWS Batch does an unauthorised caller: the SDK must load to parse it. */
async function refusingEndpoint(): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(403, { "content-type": "application/json", "x-amzn-errortype": "AccessDeniedException" });
    response.end(JSON.stringify({ __type: "AccessDeniedException", message: "refused by the test endpoint" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

describe("the packed package, installed into an empty directory", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "nextstrain-ts-package-"));
  const project = path.join(scratch, "project");
  const installed = path.join(project, "node_modules", ".bin", "nextstrain-ts");
  let packed: Packed;

  const tool = (args: string[], env: Record<string, string> = {}) =>
    run(installed, args, { cwd: project, env: cleanEnv({ NEXTSTRAIN_HOME: path.join(scratch, "home"), ...env }) });

  beforeAll(async () => {
    if (!existsSync(path.join(REPO, "dist", "main.js"))) throw new Error("dist/ is not built: run `npm run build` (npm test does)");
    // --ignore-scripts: `prepare` would rebuild dist/ under the feet of tests running the binary.
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], { cwd: REPO, env: cleanEnv() });
    packed = (JSON.parse(stdout) as Packed[])[0] as Packed;
    const manifest = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as Manifest;
    const lock = JSON.parse(readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
    const tarball = `../${packed.filename}`;
    mkdirSync(project);
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "installed", private: true, dependencies: { [manifest.name]: `file:${tarball}` } }));
    writeFileSync(path.join(project, "package-lock.json"), JSON.stringify(lockfileFor(manifest, lock, tarball, packed.integrity)));
    await run("npm", ["ci", "--offline", "--engine-strict", "--no-audit", "--no-fund"], { cwd: project, env: cleanEnv() });
    mkdirSync(path.join(project, "zika"));
  }, 120_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("ships the built program, its entry point and the README, and no tests or source maps", () => {
    const files = packed.files.map((file) => file.path);
    expect(files).toContain("bin/nextstrain-ts.js");
    expect(files).toContain("dist/main.js");
    expect(files).toContain("README.md");
    const unexpected = files.filter((file) => !/^(bin\/nextstrain-ts\.js|dist\/.+\.js|README\.md|package\.json|LICENSE)$/.test(file));
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => /(^|\/)(test|tests)\/|\.test\.js$/.test(file))).toEqual([]);
  });

  it("prints its version and help", async () => {
    const version = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as Manifest).version;
    expect((await tool(["--version"])).stdout.trim()).toBe(version);
    const help = (await tool(["--help"])).stdout;
    expect(help).toMatch(/^Usage: nextstrain-ts /);
    expect(help).toMatch(/^\s+build \[options\]/m);
  });

  it("plans a build with --dry-run", async () => {
    const { stdout } = await tool(["build", "--aws-batch", "--dry-run", "zika"]);
    expect(stdout).toContain(`Build directory: ${path.join(project, "zika")}`);
    expect(stdout).toContain("Working directory in the job: /nextstrain/build");
    expect(stdout).toContain("Dry run: nothing was uploaded or submitted.");
  });

  it("loads the AWS SDK from its installed dependencies", async () => {
    // An AWS error the SDK must load to parse (an access denial is never retried, so the answer is quick).
    const endpoint = await refusingEndpoint();
    const env = { AWS_ENDPOINT_URL: endpoint.url, AWS_MAX_ATTEMPTS: "1", AWS_ACCESS_KEY_ID: "key", AWS_SECRET_ACCESS_KEY: "secret", AWS_REGION: "us-east-1" };
    const failed = await tool(["attach", "--no-download", "00000000-0000-4000-8000-000000000000"], env)
      .then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      )
      .finally(() => endpoint.server.close());
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain("AccessDenied");
    expect(failed?.stderr).not.toContain("Cannot find package");
  });
});
