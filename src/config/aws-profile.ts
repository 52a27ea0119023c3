/**
 * The AWS profile in use and its keys in the AWS config file, read the way
 * botocore reads them, because the Nextstrain CLI takes the region from there
 * (C42, C120) and the JavaScript SDK does not.
 */

/** The profile botocore would use: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then "default". */
export function awsProfileName(env: NodeJS.ProcessEnv): string {
  return env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || "default";
}

/**
 * The value of `key` (e.g. `region`) of a profile in the text of an AWS config
 * file (~/.aws/config), where profiles are `[default]` and `[profile NAME]`.
 * The AWS format is only INI-like (nested `s3 =` blocks, no interpolation),
 * so it is scanned, not parsed.
 */
export function profileValue(configText: string, profile: string, key: string): string | undefined {
  const wanted = profile === "default" ? ["default", "profile default"] : [`profile ${profile}`];
  const option = new RegExp(`^${key.replace(/[^\w-]/g, "\\$&")}\\s*=\\s*(?<value>\\S+)`);
  let inProfile = false;
  for (const raw of configText.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*(?<name>[^\]]+?)\s*\]$/.exec(line);
    if (header?.groups) {
      inProfile = wanted.includes((header.groups.name as string).replace(/\s+/g, " "));
      continue;
    }
    if (!inProfile || raw.startsWith(" ") || raw.startsWith("\t")) continue;
    const value = option.exec(line)?.groups?.value;
    if (value !== undefined) return value;
  }
  return undefined;
}
