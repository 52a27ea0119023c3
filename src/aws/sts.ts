/** STS: who the credentials in use belong to (GetCallerIdentity needs no permission). */
import type { STSClient } from "@aws-sdk/client-sts";
import { credentialsProblem } from "./errors.js";
import { withRetries } from "./retry.js";

export interface CallerIdentity {
  account: string;
  arn: string;
}

export async function callerIdentity(client: STSClient): Promise<CallerIdentity> {
  const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  try {
    const answer = await withRetries("setup-read", () => client.send(new GetCallerIdentityCommand({})));
    return { account: answer.Account ?? "", arn: answer.Arn ?? "" };
  } catch (error) {
    throw credentialsProblem(error) ?? error;
  }
}
