/** The tool's name as users type it, for usage lines and the commands it prints. */
export const PROGRAM = "nextstrain-ts";
