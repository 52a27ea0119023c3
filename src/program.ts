/** The tool's name and package facts: for usage lines, the commands it prints, and where to report a bug. */
import { readFileSync } from "node:fs";

/** The tool's name as users type it, for usage lines and the commands it prints. */
export const PROGRAM = "nextstrain-ts";

/** The package's version and where its bugs are reported, from package.json. */
export const PACKAGE = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  bugs: { url: string };
};
