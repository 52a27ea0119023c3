/**
 * The program the job runs and its arguments (C9-C14).
 *
 * For the default program, Snakemake, the Nextstrain CLI adds what a build needs
 * without the user repeating themselves: `--cores` from `--cpus` (or `all`), a
 * `mem_mb` resource from `--memory`, and its default arguments. It looks at the
 * user's arguments only up to a `--`, and only for the spellings Snakemake
 * 5.17 accepted as unambiguous prefixes; `-c` is not among them, so
 * `-c 4` still gets `--cores=all` after it, as in the Nextstrain CLI.
 * Warnings are returned with their exact texts (Appendix A.3), for the caller to
 * print on stderr.
 *
 * Deliberate deviation: everything added goes before the first `--` of the
 * user's arguments. The Nextstrain CLI appends `--cores` and its default
 * arguments at the very end, after any `--`, where Snakemake reads them as
 * target names and the build fails.
 */
import { DEFAULT_EXEC } from "../cli/request.js";
import { bytesToMiB } from "../config/quantities.js";
import { imageSupports } from "./image.js";

export interface ExecArgvInput {
  /** `--exec`; Snakemake when not given. */
  exec?: string;
  /** The arguments after the build directory, verbatim. */
  extraArgs: readonly string[];
  /** `--cpus`; 0 counts as not given. */
  cpus?: number;
  /** `--memory` in bytes; 0 counts as not given. */
  memoryBytes?: number;
  /** The effective image: decides whether Snakemake gets `--benchmark-extended`. */
  image: string;
}

export interface ExecArgv {
  argv: string[];
  /** Warning texts, without the blank lines that frame them on stderr. */
  warnings: string[];
}

const CORES_OPTIONS = new Set(["--cores", "--core", "--cor", "--jobs", "-j"]);
const RESOURCES_OPTIONS = new Set(["--resources", "--resource", "--resourc", "--resour", "--resou", "--reso", "--res"]);
/** `--local-storage-prefix` and its prefixes down to the shortest unambiguous one. */
const STORAGE_PREFIX_OPTIONS = new Set(
  Array.from({ length: "--local-storage-prefix".length - "--local-s".length + 1 }, (_, i) =>
    "--local-storage-prefix".slice(0, "--local-s".length + i),
  ),
);

export function execArgv(input: ExecArgvInput): ExecArgv {
  const exec = input.exec ?? DEFAULT_EXEC;
  if (exec !== DEFAULT_EXEC) return { argv: [exec, ...input.extraArgs], warnings: [] };

  const split = input.extraArgs.indexOf("--");
  const options = split < 0 ? [...input.extraArgs] : input.extraArgs.slice(0, split);
  const rest = split < 0 ? [] : input.extraArgs.slice(split);
  const warnings: string[] = [];

  const cores = firstOption(options, CORES_OPTIONS);
  if (cores === undefined) options.push(`--cores=${input.cpus || "all"}`);
  else if (input.cpus) warnings.push(coresWarning(cores));

  if (input.memoryBytes) {
    const warning = addMemory(options, String(bytesToMiB(input.memoryBytes)));
    if (warning !== undefined) warnings.push(warning);
  }

  const storagePrefix = firstOption(options, STORAGE_PREFIX_OPTIONS);
  if (storagePrefix !== undefined) warnings.push(storagePrefixWarning(storagePrefix));

  const defaults = [
    "--printshellcmds",
    ...(imageSupports("benchmarkExtended", input.image) ? ["--benchmark-extended"] : []),
    "--rerun-incomplete",
  ];
  return { argv: [exec, ...options, ...defaults, ...rest], warnings };
}

/** The first argument naming one of `names`, as written up to any `=`, with `-j8` read as `-j`. */
function firstOption(args: readonly string[], names: ReadonlySet<string>): string | undefined {
  return args.map(optionName).find((name) => names.has(name));
}

function optionName(arg: string): string {
  const name = arg.split("=", 1)[0] as string;
  return /^-j\d+$/.test(name) ? "-j" : name;
}

interface Resources {
  /** Index of the option. */
  start: number;
  /** Index just after its values. */
  end: number;
  values: string[];
}

/**
 * The `--resources` that Snakemake will use: the last one, whose values run up
 * to the next argument starting with `-` (split form) or are the one value
 * after `=` (inline form, `--resources=a=1`).
 */
function findResources(args: readonly string[]): Resources | undefined {
  let found: Resources | undefined;
  let start = 0;
  while (start < args.length) {
    const arg = args[start] as string;
    const eq = arg.indexOf("=");
    const inline = eq < 0 ? "" : arg.slice(eq + 1);
    if (!RESOURCES_OPTIONS.has(eq < 0 ? arg : arg.slice(0, eq))) {
      start += 1;
      continue;
    }
    let end = start + 1;
    if (inline === "") while (end < args.length && !(args[end] as string).startsWith("-")) end += 1;
    found = { start, end, values: inline === "" ? args.slice(start + 1, end) : [inline] };
    start = end;
  }
  return found;
}

/** Add `mem_mb=<mib>` to the effective resources in place; a warning text when it cannot. */
function addMemory(args: string[], mib: string): string | undefined {
  const resources = findResources(args);
  if (resources === undefined) {
    // The inline form, so that later positional arguments are not read as resources.
    args.push(`--resources=mem_mb=${mib}`);
    return undefined;
  }
  if (resources.values.some((value) => value.split("=", 1)[0] === "mem_mb")) return MEM_MB_WARNING;
  const option = args[resources.start] as string;
  // Rewriting `--resources=a=1` into split form would make Snakemake read any
  // positional argument after it as one more resource.
  if (resources.values.length === 1 && option.includes("=")) return inlineResourcesWarning(option);
  args.splice(resources.end, 0, `mem_mb=${mib}`);
  return undefined;
}

const coresWarning = (option: string) =>
  [
    `Warning: The explicit ${option} option passed to Snakemake prevents`,
    "the Nextstrain CLI from automatically providing one based on its",
    "--cpus option.  This may or may not be what you expect.",
  ].join("\n");

const MEM_MB_WARNING = [
  'Warning: The explicit "mem_mb" resource passed to Snakemake',
  "prevents the Nextstrain CLI from automatically providing one",
  "based on its --memory option.  This may or may not be what",
  "you expect.",
].join("\n");

const inlineResourcesWarning = (option: string) =>
  [
    `Warning: The inline ${pythonRepr(option)} passed to Snakemake prevents the`,
    'Nextstrain CLI from automatically appending a "mem_mb"',
    "resource based on its --memory option.  Use the split",
    `form ${pythonRepr(option.replace("=", " "))} instead if you want both resources.  If the`,
    "split form appears before a positional argument,",
    "separate them with `--`.",
  ].join("\n");

const storagePrefixWarning = (option: string) =>
  [
    `Warning: The explicit ${option} option passed to Snakemake overrides the`,
    "default prefix (.snakemake/storage/) expected for the AWS Batch",
    "runtime. This may prevent you from downloading the storage files",
    "that were downloaded during the remote build.",
  ].join("\n");

/** A string as Python's repr() shows it, which is how the inline-resources warning quotes the option. */
export function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = [...text].map((char) => {
    if (char === "\\" || char === quote) return `\\${char}`;
    if (char === "\n") return "\\n";
    if (char === "\r") return "\\r";
    if (char === "\t") return "\\t";
    if (char === " " || !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Z}]/u.test(char)) return char;
    const code = char.codePointAt(0) as number;
    const hex = code.toString(16);
    return code <= 0xff ? `\\x${hex.padStart(2, "0")}` : code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
  });
  return `${quote}${escaped.join("")}${quote}`;
}
