/**
 * The AWS region for Batch and CloudWatch Logs (C42, C120).
 *
 * The Nextstrain CLI (botocore) reads AWS_DEFAULT_REGION and the profile's
 * `region`, then falls back to us-east-1; the JavaScript SDK reads only
 * AWS_REGION and throws without a region. We resolve it ourselves:
 * AWS_REGION, AWS_DEFAULT_REGION, the profile's region in the AWS config file,
 * then us-east-1.
 */

/** The profile botocore would use: AWS_PROFILE, then AWS_DEFAULT_PROFILE, then "default". */
export function awsProfileName(env: NodeJS.ProcessEnv): string {
  return env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || "default";
}

/**
 * The `region` of a profile in the text of an AWS config file (~/.aws/config),
 * where profiles are `[default]` and `[profile NAME]`. The AWS format is only
 * INI-like (nested `s3 =` blocks, no interpolation), so it is scanned, not parsed.
 */
export function profileRegion(configText: string, profile: string): string | undefined {
  const wanted = profile === "default" ? ["default", "profile default"] : [`profile ${profile}`];
  let inProfile = false;
  for (const raw of configText.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*(?<name>[^\]]+?)\s*\]$/.exec(line);
    if (header?.groups) {
      inProfile = wanted.includes((header.groups.name as string).replace(/\s+/g, " "));
      continue;
    }
    if (!inProfile || raw.startsWith(" ") || raw.startsWith("\t")) continue;
    const option = /^region\s*=\s*(?<value>\S+)/.exec(line);
    if (option?.groups) return option.groups.value;
  }
  return undefined;
}
