// The drivers run as plain JavaScript, like the published tool: bundled from
// TypeScript with esbuild into node_modules/.cache (packages left to
// node_modules, which Node finds from there), so no TypeScript loader sits in
// the measured process.
import { build } from "esbuild";
import { copyFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = join(HERE, "../../node_modules/.cache/nextstrain-ts-bench");

export type Driver = "upload" | "download" | "follow-logs" | "rerun";

export async function bundleDrivers(): Promise<Record<Driver, string>> {
  const drivers: Driver[] = ["upload", "download", "follow-logs", "rerun"];
  await build({
    entryPoints: drivers.map((name) => join(HERE, "drivers", `${name}.ts`)),
    outdir: BUILD_DIR,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  // src/program.ts reads the package's version from `../package.json` next to the running module, as in dist/.
  copyFileSync(join(HERE, "../../package.json"), join(BUILD_DIR, "../package.json"));
  return Object.fromEntries(drivers.map((name) => [name, join(BUILD_DIR, `${name}.mjs`)])) as Record<Driver, string>;
}
