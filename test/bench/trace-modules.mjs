// `node --import ./trace-modules.mjs ...`: report on stderr every module
// resolved from node_modules (used to check what `--help` loads).
import { register } from "node:module";

register("./trace-modules-hooks.mjs", import.meta.url);
