import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { checkImageName, imageSupports } from "../../../src/runner/image.js";

describe("imageSupports (C20, C45, C58)", () => {
  it.each([
    ["nextstrain/base", "envd", true],
    ["nextstrain/base:latest", "benchmarkExtended", true],
    ["nextstrain/base:build-20230613T204512Z", "envd", true],
    ["nextstrain/base:build-20230613T204511Z", "envd", false],
    ["nextstrain/base:build-20250321T184358Z", "awsBatchOverlays", true],
    ["nextstrain/base:build-20250321T184357Z", "awsBatchOverlays", false],
    ["nextstrain/base:build-20250717T164950Z", "benchmarkExtended", true],
    ["nextstrain/base:build-20250717T164949Z", "benchmarkExtended", false],
    ["nextstrain/base:build-20250321T184358Z", "benchmarkExtended", false],
    ["nextstrain/base:branch-x", "envd", false],
    ["nextstrain/base:20250717", "envd", false],
    ["host:5000/nextstrain/base:build-20250801T000000Z", "benchmarkExtended", true],
    ["host:5000/nextstrain/base", "benchmarkExtended", true],
    // A digest says nothing about an image's age: an image named by digest alone counts as current.
    ["nextstrain/base@sha256:abc", "envd", true],
    ["nextstrain/base@sha256:abc", "benchmarkExtended", true],
    ["nextstrain/base:latest@sha256:abc", "envd", true],
    // With a tag as well, the tag decides, as without the digest.
    ["nextstrain/base:build-20230613T204511Z@sha256:abc", "envd", false],
    ["nextstrain/base:branch-x@sha256:abc", "envd", false],
  ] as const)("%s supports %s: %j", (image, feature, supported) => {
    expect(imageSupports(feature, image)).toBe(supported);
  });
});

describe("checkImageName", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  it.each([
    "nextstrain/base",
    "nextstrain/base:build-20250717T164950Z",
    "host:5000/x:t",
    `x@${digest}`,
    `x:t@${digest}`,
    "ghcr.io/nextstrain/base",
    // Upper case is allowed in a registry host name, and in tags.
    "Registry.Example.org:5000/team/base:Build-1",
    "localhost/a__b.c-d/e--f",
    "[::1]:5000/x",
    "x:under_score",
  ])(
    "accepts %j",
    (name) => expect(() => checkImageName(name, "--image")).not.toThrow(),
  );

  it.each([
    ["x:", 'its tag "" is not a valid tag'],
    [":t", "its repository part is empty"],
    ["my image", 'its repository "my image" does not follow Docker\'s reference grammar'],
    ["NextStrain/Base", 'its repository "NextStrain/Base" has upper-case letters'],
    ["nextstrain/Base:latest", 'its repository "nextstrain/Base" has upper-case letters'],
    ["ghcr.io/NextStrain/base", 'its repository "ghcr.io/NextStrain/base" has upper-case letters'],
    ["nextstrain//base", 'its repository "nextstrain//base" does not follow Docker\'s reference grammar'],
    ["nextstrain/-base", 'its repository "nextstrain/-base" does not follow Docker\'s reference grammar'],
    ["nextstrain/base_", 'its repository "nextstrain/base_" does not follow Docker\'s reference grammar'],
    [`a/${"b".repeat(260)}`, "its name is longer than 255 characters"],
    ["x:-t", 'its tag "-t" is not a valid tag'],
    ["x@sha256:zz", 'its digest "sha256:zz" is not of the form'],
    [`x@256:${"ab".repeat(32)}`, `its digest "256:${"ab".repeat(32)}" is not of the form`],
    ["x@", 'its digest "" is not of the form'],
  ])("refuses %j, naming the problem and where the name came from", (name, problem) => {
    let error: unknown;
    try {
      checkImageName(name, "NEXTSTRAIN_DOCKER_IMAGE");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(`"${name}" (from NEXTSTRAIN_DOCKER_IMAGE): ${problem}`);
    expect((error as UserError).hint).toContain("in NEXTSTRAIN_DOCKER_IMAGE");
  });

  it("quotes the rule for upper-case repository names", () => {
    expect(() => checkImageName("NextStrain/Base", "--image")).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/lower-case letters and digits.*registries refuse upper case/s) }),
    );
  });
});
