/** Which AWS failures are worth another try: throttling, 5xx and lost connections, but not an operation the endpoint lacks. */
import { describe, expect, it } from "vitest";
import { isTransient } from "../../../src/aws/errors.js";

const answered = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe("isTransient", () => {
  it.each([
    { error: answered("Throttling", 400), transient: true },
    { error: answered("InternalError", 500), transient: true },
    { error: answered("ServiceUnavailable", 503), transient: true },
    { error: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), transient: true },
    { error: answered("NotImplemented", 501), transient: false },
    { error: answered("AccessDenied", 403), transient: false },
  ])("$error.name: $transient", ({ error, transient }) => expect(isTransient(error)).toBe(transient));
});
