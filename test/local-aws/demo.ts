// `npm run demo`: the whole `nextstrain-ts build --aws-batch` cycle on this
// machine, with no AWS account. Starts the local AWS stack, builds a copy of
// examples/zika-mini on it with live logs, downloads the results, stops the
// stack, and exits with the build's exit status.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { prepareThisHostOrExit } from "./host-check.js";
import { BINARY, REPO_ROOT } from "./run.js";
import { FAST_DELAYS, startLocalAws } from "./stack.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// Installs bubblewrap, zip and unzip when it may (as root, with apt-get); else jobs run unsandboxed.
const sandbox = await prepareThisHostOrExit();
const stack = await startLocalAws({ delays: FAST_DELAYS, sandbox });
const dir = path.join(mkdtempSync(path.join(tmpdir(), "nextstrain-ts-demo-")), "zika-mini");
cpSync(path.join(REPO_ROOT, "examples", "zika-mini"), dir, { recursive: true });
console.log(`Local AWS stack at ${stack.endpoint}; building a copy of examples/zika-mini in ${dir}\n`);
console.log(`$ nextstrain-ts build --aws-batch --exec ./build.sh ${dir}\n`);

// Control-C reaches the build too, which cancels the job; the stack stays up until it has.
const ignore = () => {};
process.on("SIGINT", ignore);
const build = spawn(process.execPath, [BINARY, "build", "--aws-batch", "--exec", "./build.sh", dir], {
  stdio: "inherit",
  env: { ...process.env, ...stack.env },
});
const status = await new Promise<number>((resolve) => build.once("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
await stack.stop();

console.log(`\nThe build exited with status ${status}. Results in ${dir}:`);
for (const name of ["results", "auspice"]) {
  for (const file of readdirSync(path.join(dir, name), { withFileTypes: true }).filter((entry) => entry.isFile())) {
    console.log(`  ${name}/${file.name}`);
  }
}
process.exit(status);
