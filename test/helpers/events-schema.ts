// Validating `--json` output against docs/json-events.schema.json, the schema the docs publish.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";

const schema = JSON.parse(readFileSync(new URL("../../docs/json-events.schema.json", import.meta.url), "utf8")) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

/** The events of a --json run's stdout, each checked against the schema (a failure names the line and what is wrong). */
export function parseEvents(stdout: string): Record<string, unknown>[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      if (!validate(event)) {
        const problems = (validate.errors ?? []).filter((error) => error.keyword !== "oneOf" && error.keyword !== "const").map((error) => `${error.instancePath} ${error.message}`);
        throw new Error(`event does not match docs/json-events.schema.json: ${line}\n${problems.join("\n")}`);
      }
      return event;
    });
}
