/**
 * Notices about transient trouble, said once per run and service rather than
 * once per retried request (R1, R2).
 */
import { describeAwsError } from "../aws/errors.js";
import type { Reporter } from "../ui/reporter.js";

export function retryNotice(reporter: Reporter, service: string): (error: unknown) => void {
  let told = false;
  return (error) => {
    if (told) return;
    told = true;
    reporter.warn(`${service} did not answer (${describeAwsError(error)}); retrying. Nothing already sent is sent again.`);
  };
}
