/**
 * Development overlays: `--augur <dir>`, `--auspice <dir>` and `--fauna <dir>`
 * ship a local source directory with the build, and the job uses it in place
 * of the image's own copy in `/nextstrain/<name>` (C45, C46, C57).
 *
 * The archive carries each overlay under `../<name>/` (its root as the member
 * `../<name>/`, which is what the job looks for before removing the image's
 * copy), walked with the built-in exclusions only: the user's
 * `--exclude-from-upload` patterns are about the build directory (C29).
 * Results never bring overlay members back (C112).
 *
 * Images older than the one whose entrypoint unpacks `../` members would
 * silently ignore an overlay, so they are refused before anything else (C44).
 */
import { isAbsolute, resolve } from "node:path";
import { isAlwaysExcludedFromUpload } from "../archive/exclusions.js";
import type { OverlayVolume } from "../archive/workdir-archive.js";
import type { OverlayRequest } from "../cli/request.js";
import { splitImageName } from "../config/image-name.js";
import { UserError } from "../errors.js";
import { IMAGE_FEATURES, imageSupports } from "./image.js";

/** Refuses overlays with an image whose entrypoint does not unpack them (C45). */
export function checkOverlaySupport(overlays: readonly OverlayRequest[], image: string): void {
  const first = overlays[0];
  if (first === undefined || imageSupports("awsBatchOverlays", image)) return;
  const { repository } = splitImageName(image);
  throw new UserError(
    `The image ${image} is too old for overlays (such as --${first.name}) on AWS Batch: its entrypoint does not unpack them.`,
    `Use ${repository}:${IMAGE_FEATURES.awsBatchOverlays} or newer, with --image or NEXTSTRAIN_DOCKER_IMAGE (\`nextstrain update docker\` also updates the image the config file names), or run the build without overlays.`,
  );
}

/**
 * The overlays with absolute paths; each must be a directory (C46). The
 * Nextstrain CLI's message starts with its own "Error: ", which its error
 * printer repeats: kept, for anyone matching it.
 */
export function resolveOverlays(overlays: readonly OverlayRequest[], cwd: string, isDirectory: (path: string) => boolean): OverlayVolume[] {
  const volumes = overlays.map(({ name, path }) => {
    const src = isAbsolute(path) ? path : resolve(cwd, path);
    return { name, src, exclude: (candidate: string) => candidate !== src && isAlwaysExcludedFromUpload(candidate) };
  });
  const missing = volumes.filter((volume) => !isDirectory(volume.src));
  if (missing.length > 0) {
    throw new UserError(
      ["Error: The path(s) given for the following components do not exist", "or are not directories:", "", ...missing.map((volume) => `    • ${volume.name}: ${volume.src}`)].join("\n"),
    );
  }
  return volumes;
}

/** The lines under "Uploading <build root> to S3", one per overlay (six spaces, as the Nextstrain CLI prints them). */
export function overlayLines(overlays: readonly OverlayVolume[]): string[] {
  return overlays.map((overlay) => `      and ${overlay.src} as ${overlay.name}`);
}
