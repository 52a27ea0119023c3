/**
 * Where the tool's files live (C35): NEXTSTRAIN_HOME (else
 * ~/.nextstrain) holds the config file, unless NEXTSTRAIN_CONFIG names another;
 * an empty variable counts as unset. AWS_CONFIG_FILE (else ~/.aws/config) is
 * read only for the profile's region.
 */
import { join } from "node:path";

export interface Paths {
  home: string;
  configFile: string;
  awsConfigFile: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv, userHome: string): Paths {
  const home = env.NEXTSTRAIN_HOME || join(userHome, ".nextstrain");
  return {
    home,
    configFile: env.NEXTSTRAIN_CONFIG || join(home, "config"),
    awsConfigFile: env.AWS_CONFIG_FILE || join(userHome, ".aws", "config"),
  };
}
