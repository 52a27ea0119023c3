/**
 * Container image names and the features an image is known to support
 * (C20).
 *
 * The Nextstrain CLI splits an image name into repository and tag, with the tag
 * `latest` implied, and decides what the image supports by its tag alone:
 * `latest` supports everything; a `build-YYYYMMDDTHHMMSSZ` tag supports a feature
 * when it sorts at or after the first tag that had it; any other tag supports
 * nothing new.
 *
 * Names are split as Docker reads them (src/config/image-name.ts).
 *
 * Deliberate deviation: an image named by digest alone (`x@sha256:…`) counts
 * as current, like `latest`. A digest says nothing about an image's age, and
 * the Nextstrain CLI reads the hex digits as an unknown tag, which would
 * silently stop passing variables privately and drop newer features for an
 * image pinned last week. With a tag as well (`x:build-…@sha256:…`) the tag
 * decides, as without the digest.
 */
import { splitImageName } from "../config/image-name.js";
import { UserError } from "../errors.js";

/** The first image tag that has each feature. */
export const IMAGE_FEATURES = {
  /** The job reads its environment from an env.d archive in S3 (C58). */
  envd: "build-20230613T204512Z",
  /** The job unpacks `../<name>/` overlay members (`--augur`, `--auspice`, `--fauna`) over the image's copies. */
  awsBatchOverlays: "build-20250321T184358Z",
  /** The image's Snakemake accepts `--benchmark-extended` (Snakemake 8.11.0). */
  benchmarkExtended: "build-20250717T164950Z",
} as const;

export type ImageFeature = keyof typeof IMAGE_FEATURES;

export function imageSupports(feature: ImageFeature, image: string): boolean {
  const { tag } = splitImageName(image);
  if (tag === undefined) return true;
  // Build tags embed a UTC timestamp of fixed width, so they sort as strings.
  return tag === "latest" || (tag.startsWith("build-") && tag >= IMAGE_FEATURES[feature]);
}

// Docker's reference grammar (github.com/distribution/reference, regexp.go):
// a name is an optional registry host (with an optional port) and a path of
// components made of lower-case letters and digits joined by one separator
// each ("." "_" "__" or a run of "-"); upper case is allowed only in the host.
// A tag is at most 128 word characters, dots and dashes, not starting with
// either; a digest is <algorithm>:<at least 32 hex digits>.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const HOST_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST = `(?:${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$/;
const NAME_MAX_LENGTH = 255;
const PATH_RULE = 'each part of a repository path is lower-case letters and digits, joined by ".", "_", "__" or "-"';

/** What is wrong with a repository name, if anything. */
function repositoryProblem(repository: string): string | undefined {
  if (repository === "") return "its repository part is empty";
  if (REPOSITORY.test(repository)) return undefined;
  // Lower-casing everything after the first "/" shows whether upper case is all that is wrong.
  const slash = repository.indexOf("/");
  const lowered = slash < 0 ? repository.toLowerCase() : repository.slice(0, slash + 1) + repository.slice(slash + 1).toLowerCase();
  if (lowered !== repository && REPOSITORY.test(lowered)) {
    return `its repository "${repository}" has upper-case letters: by Docker's reference grammar ${PATH_RULE}, and registries refuse upper case there (only a registry host name may have it)`;
  }
  return `its repository "${repository}" does not follow Docker's reference grammar: [<registry host>[:<port>]/]<path>, where ${PATH_RULE}`;
}

/**
 * Refuse an image name no registry would accept, before anything is uploaded.
 * `origin` names where the name came from (a flag, variable or config key).
 */
export function checkImageName(name: string, origin: string): void {
  const { repository, tag, digest } = splitImageName(name);
  const problem =
    repositoryProblem(repository) ??
    (repository.length > NAME_MAX_LENGTH
      ? `its name is longer than ${NAME_MAX_LENGTH} characters`
      : tag !== undefined && !TAG.test(tag)
        ? `its tag "${tag}" is not a valid tag (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`
        : digest !== undefined && !DIGEST.test(digest)
          ? `its digest "${digest}" is not of the form <algorithm>:<hex>`
          : undefined);
  if (problem !== undefined) {
    throw new UserError(
      `Invalid container image name "${name}" (from ${origin}): ${problem}.`,
      `Name an image as <repository>[:<tag>][@<digest>], e.g. nextstrain/base:${IMAGE_FEATURES.benchmarkExtended}, in ${origin}.`,
    );
  }
}
