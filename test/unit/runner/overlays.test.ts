import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../../src/cli/parse.js";
import { checkOverlaySupport, overlayLines, resolveOverlays } from "../../../src/runner/overlays.js";

describe("overlays need an image whose entrypoint unpacks them (C45)", () => {
  const augur = [{ name: "augur" as const, path: "../augur" }];

  it.each(["nextstrain/base", "nextstrain/base:latest", "nextstrain/base:build-20250321T184358Z", "nextstrain/base:build-20251001T000000Z"])("%s: accepted", (image) => {
    expect(() => checkOverlaySupport(augur, image)).not.toThrow();
  });

  it("refuses an older image, naming the first one that works", () => {
    expect(() => checkOverlaySupport(augur, "nextstrain/base:build-20250101T000000Z")).toThrow(
      "The image nextstrain/base:build-20250101T000000Z is too old for overlays (such as --augur) on AWS Batch",
    );
    expect(() => checkOverlaySupport(augur, "registry:5000/me/base:build-20240101T000000Z")).toThrow(
      expect.objectContaining({ hint: expect.stringContaining("Use registry:5000/me/base:build-20250321T184358Z or newer") }),
    );
  });

  it("says nothing without overlays, whatever the image", () => {
    expect(() => checkOverlaySupport([], "nextstrain/base:build-20200101T000000Z")).not.toThrow();
  });
});

describe("overlay directories (C46, C57)", () => {
  it("are made absolute, listed under the upload line, and each must be a directory", () => {
    const volumes = resolveOverlays([{ name: "auspice", path: "src/auspice" }], "/home/me", () => true);
    expect(volumes.map(({ name, src }) => [name, src])).toEqual([["auspice", "/home/me/src/auspice"]]);
    expect(overlayLines(volumes)).toEqual(["      and /home/me/src/auspice as auspice"]);
    expect(() => resolveOverlays([{ name: "augur", path: "/a" }, { name: "fauna", path: "/f" }], "/", (path) => path === "/a")).toThrow(
      "Error: The path(s) given for the following components do not exist\nor are not directories:\n\n    • fauna: /f",
    );
  });

  it("keep only the built-in exclusions, never excluding the overlay's own root", () => {
    const [volume] = resolveOverlays([{ name: "augur", path: "/src/environment-x" }], "/", () => true);
    expect(volume?.exclude("/src/environment-x", true)).toBe(false);
    expect(volume?.exclude("/src/environment-x/.git", true)).toBe(true);
    expect(volume?.exclude("/src/environment-x/augur/__init__.py", false)).toBe(false);
  });

  it("are taken from --augur, --auspice and --fauna, the last of each counting", () => {
    const parsed = parseCommandLine(["build", "--aws-batch", "--fauna", "f1", "--augur", "a", "--fauna", "f2", "dir"], { cwd: "/", version: "0", stdout: process.stdout });
    expect(parsed.kind === "build" && parsed.request.overlays).toEqual([
      { name: "augur", path: "a" },
      { name: "fauna", path: "f2" },
    ]);
  });
});
