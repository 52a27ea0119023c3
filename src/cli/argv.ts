/**
 * Command-line rules that commander does not have, applied to a command's
 * arguments before commander parses them:
 *
 *  - unambiguous prefixes of long options are accepted, as argparse does
 *    (`--aws-batch-q` = `--aws-batch-queue`); an exact name always wins and an
 *    ambiguous prefix is a usage error (C3);
 *  - options are only recognised before the directory: expansion stops at the
 *    first operand, and everything after it is the executed program's (C1).
 */
import { UsageError } from "../errors.js";

export interface LongOption {
  /** "--aws-batch-queue" */
  name: string;
  /** Whether it takes a value (so the next argument is not an operand). */
  takesValue: boolean;
}

export function expandOptionPrefixes(args: readonly string[], options: readonly LongOption[], command: string): string[] {
  const expanded: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--" || !arg.startsWith("-") || arg === "-") {
      // The end of options: this and everything after it stay as given.
      expanded.push(...args.slice(index));
      break;
    }
    if (!arg.startsWith("--")) {
      expanded.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const written = equals < 0 ? arg : arg.slice(0, equals);
    const option = matchLongOption(written, options, command);
    expanded.push(option ? option.name + (equals < 0 ? "" : arg.slice(equals)) : arg);
    if (option?.takesValue && equals < 0 && index + 1 < args.length) {
      index += 1;
      expanded.push(args[index] as string);
    }
  }
  return expanded;
}

/** The option a written long name means, undefined if none (commander then reports it). */
export function matchLongOption(written: string, options: readonly LongOption[], command: string): LongOption | undefined {
  const exact = options.find((option) => option.name === written);
  if (exact) return exact;
  const candidates = options.filter((option) => option.name.startsWith(written));
  if (candidates.length > 1) {
    const names = candidates.map((option) => option.name).join(", ");
    throw new UsageError(`ambiguous option: ${written} could match ${names}`, command);
  }
  return candidates[0];
}
