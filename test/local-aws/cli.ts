// `npm run local-aws`: starts the local AWS stack by hand, prints what to
// export to point the AWS CLI or nextstrain-ts at it, stops cleanly on Ctrl-C.
//
// Options: --port N (stack endpoint), --fast (test delays), --image NAME=DIR
// (repeatable), --empty (no bucket, log group, roles, compute environment,
// queue or job definition: an account before any set-up), --check (only ready
// the machine: install what it safely can, name what is missing).
import path from "node:path";
import { parseArgs } from "node:util";
import { prepareThisHostOrExit } from "./host-check.js";
import { FAST_DELAYS, startLocalAws } from "./stack.js";

// The SDK's notice about future Node versions says nothing about the stack.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    fast: { type: "boolean", default: false },
    empty: { type: "boolean", default: false },
    image: { type: "string", multiple: true, default: [] },
    check: { type: "boolean", default: false },
  },
});

const sandbox = await prepareThisHostOrExit();
if (values.check) {
  console.log(sandbox === "bwrap" ? "The local AWS stack can run here, with jobs in bubblewrap sandboxes." : "The local AWS stack can run here, with jobs unsandboxed.");
  process.exit(0);
}

const images: Record<string, string> = {};
for (const spec of values.image) {
  const at = spec.indexOf("=");
  if (at <= 0) {
    console.error(`--image wants NAME=DIR (e.g. nextstrain/base=./my-image), not ${spec}`);
    process.exit(2);
  }
  images[spec.slice(0, at)] = path.resolve(spec.slice(at + 1));
}

const stack = await startLocalAws({
  port: values.port ? Number(values.port) : 4566,
  delays: values.fast ? FAST_DELAYS : undefined,
  images,
  empty: values.empty,
  sandbox,
});

console.log(`Local AWS stack running${values.empty ? ", empty (nothing set up yet)" : ""}. In another shell:\n`);
for (const [name, value] of Object.entries(stack.env)) console.log(`export ${name}=${value}`);
console.log(`\nAWS CLI v1 ignores AWS_ENDPOINT_URL: pass --endpoint-url ${stack.endpoint}`);
console.log(`Job directories: ${stack.workRoot}`);
console.log("Press Ctrl-C to stop.");

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping the local AWS stack...");
  void stack.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
