// Forwarded session credentials end to end on the local AWS stack: the
// warning when the job definition's timeout outlives them, none when it does
// not, and --no-forward-aws-credentials (docs/ci.md#aws-credentials).
import { DescribeJobDefinitionsCommand, RegisterJobDefinitionCommand } from "@aws-sdk/client-batch";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { nextstrainTs, scratchDir } from "../../local-aws/run.js";
import { SCRIPT, scriptBuild } from "../build/fixtures.js";
import { clients, DEFINITION } from "../local-aws/helpers.js";

const { batch } = clients();

/** A copy of the seeded job definition with a timeout of six hours. */
async function sixHourDefinition(): Promise<string> {
  const name = `six-hours-${randomUUID().slice(0, 8)}`;
  const base = (await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: DEFINITION, status: "ACTIVE" }))).jobDefinitions?.[0];
  await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: name, type: "container", containerProperties: base?.containerProperties, timeout: { attemptDurationSeconds: 6 * 3600 } }));
  return name;
}

const session = (expiresInMs: number) => ({
  NEXTSTRAIN_HOME: scratchDir("home"),
  AWS_SESSION_TOKEN: "session-token",
  AWS_CREDENTIAL_EXPIRATION: new Date(Date.now() + expiresInMs).toISOString(),
});

describe("forwarded session credentials", () => {
  it("warns when the job's timeout outlives them, not otherwise; --no-forward-aws-credentials passes none", async () => {
    const definition = await sixHourDefinition();
    const dir = scriptBuild("credentials", 'echo "token: ${AWS_SESSION_TOKEN:-none}"');
    const short = await nextstrainTs([...SCRIPT, "--detach", "--aws-batch-job", definition, dir], { env: session(3600_000) });
    expect(short.status).toBe(0);
    expect(short.stderr).toMatch(
      new RegExp(
        "The AWS session credentials passed to the job \\(AWS_SESSION_TOKEN\\) expire at \\S+, in (59m\\d\\ds|1h00m) \\(as the AWS SDK's credential provider says\\),\n" +
          `but the job may run for up to 6h00m \\(the attemptDurationSeconds of job definition ${definition}\\)\\.\n`,
      ),
    );
    const long = await nextstrainTs([...SCRIPT, "--detach", "--aws-batch-job", definition, dir], { env: session(7 * 3600_000) });
    expect(long.status).toBe(0);
    expect(long.stderr).not.toContain("AWS_SESSION_TOKEN");

    const withheld = await nextstrainTs([...SCRIPT, "--no-forward-aws-credentials", dir], { env: session(3600_000) });
    expect(withheld.status).toBe(0);
    expect(withheld.stderr).not.toContain("AWS_SESSION_TOKEN");
    expect(withheld.stdout).toMatch(/\] token: none\n/);
  });
});
