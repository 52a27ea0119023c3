/**
 * Terminal styling decisions, made once at start-up: bold only when the stream is
 * a terminal and NO_COLOR is unset or empty (C93; https://no-color.org).
 */

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
}

export function useColour(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR;
}

const wrap = (open: string, close: string) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    const same = (text: string) => text;
    return { enabled, bold: same, dim: same, red: same, yellow: same };
  }
  return { enabled, bold: wrap("1", "0"), dim: wrap("2", "0"), red: wrap("31", "39"), yellow: wrap("33", "39") };
}
