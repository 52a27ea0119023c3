import { describe, expect, it } from "vitest";
import { sameImage, splitImageName } from "../../../src/config/image-name.js";

describe("splitImageName (C20)", () => {
  it.each([
    ["nextstrain/base", { repository: "nextstrain/base", tag: "latest" }],
    ["nextstrain/base:latest", { repository: "nextstrain/base", tag: "latest" }],
    ["nextstrain/base:build-20250717T164950Z", { repository: "nextstrain/base", tag: "build-20250717T164950Z" }],
    ["ghcr.io/nextstrain/base:branch-x", { repository: "ghcr.io/nextstrain/base", tag: "branch-x" }],
    // Deliberate deviation: registry ports and digests (the Nextstrain CLI crashes or misreads these).
    ["host:5000/x:tag", { repository: "host:5000/x", tag: "tag" }],
    ["host:5000/x", { repository: "host:5000/x", tag: "latest" }],
    ["x@sha256:abc", { repository: "x", digest: "sha256:abc" }],
    ["host:5000/x:t@sha256:abc", { repository: "host:5000/x", tag: "t", digest: "sha256:abc" }],
    ["x:", { repository: "x", tag: "" }],
  ])("splits %j", (name, expected) => {
    expect(splitImageName(name)).toStrictEqual(expected);
  });
});

describe("sameImage (C64)", () => {
  it.each([
    ["nextstrain/base", "nextstrain/base:latest", true],
    ["nextstrain/base:latest", "nextstrain/base", true],
    ["docker.io/nextstrain/base", "nextstrain/base", false],
    ["nextstrain/base:build-20250717T164950Z", "nextstrain/base", false],
    ["host:5000/x", "host:5000/x:latest", true],
    ["x@sha256:abc", "x", false],
    ["x:t@sha256:abc", "x:t@sha256:abd", false],
    ["x:t@sha256:abc", "x:t@sha256:abc", true],
  ])("%j vs %j -> %j", (a, b, same) => {
    expect(sameImage(a, b)).toBe(same);
  });
});
