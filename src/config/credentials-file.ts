/**
 * The expiry of temporary keys as written in the AWS credentials file
 * (`~/.aws/credentials`, or the file AWS_SHARED_CREDENTIALS_FILE names).
 * The SDK reads no expiry from that file, but the tools that write session
 * keys there often write one beside them, under one of EXPIRY_KEYS. Like
 * aws-profile.ts, the file is scanned, not parsed: the AWS format is only
 * INI-like.
 */
import { join } from "node:path";

/** Keys tools write the expiry under, most common first. */
export const EXPIRY_KEYS = ["aws_session_expiration", "x_security_token_expires", "aws_expiration", "expiration"] as const;

export function credentialsFilePath(env: NodeJS.ProcessEnv, homedir: string): string {
  return env.AWS_SHARED_CREDENTIALS_FILE || join(homedir, ".aws", "credentials");
}

export interface FileExpiry {
  at: Date;
  /** The profile and key it was read from: "[ci] aws_session_expiration". */
  where: string;
}

/** The expiry written in the profile holding `accessKeyId`; undefined when no profile holds it or none says when it expires. */
export function expiryInCredentialsFile(text: string, accessKeyId: string): FileExpiry | undefined {
  for (const [profile, values] of sections(text)) {
    if (values.get("aws_access_key_id") !== accessKeyId) continue;
    for (const key of EXPIRY_KEYS) {
      const value = values.get(key);
      const at = value === undefined ? undefined : new Date(value);
      if (at && !Number.isNaN(at.getTime())) return { at, where: `[${profile}] ${key}` };
    }
  }
  return undefined;
}

function sections(text: string): Map<string, Map<string, string>> {
  const found = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[\s*(?<name>[^\]]+?)\s*\]$/.exec(line);
    if (header?.groups) {
      current = new Map();
      found.set(header.groups.name as string, current);
      continue;
    }
    const option = /^(?<key>[\w-]+)\s*[=:]\s*(?<value>.*?)\s*$/.exec(line);
    if (current && option?.groups && !raw.startsWith(" ") && !raw.startsWith("\t")) current.set((option.groups.key as string).toLowerCase(), option.groups.value as string);
  }
  return found;
}
