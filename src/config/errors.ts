/**
 * A setting from the environment or the config file that cannot be used. It
 * fails every build before anything else happens, with exit status 2 as in the
 * Nextstrain CLI (C39), and names the variable or key to fix.
 */
import { UserError } from "../errors.js";

export class ConfigError extends UserError {
  override readonly exitCode = 2;
}
