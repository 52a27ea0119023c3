// Which host directory plays which container image. A directory holds the
// files laid over the sandbox (sbin/entrypoint appears at /sbin/entrypoint),
// an optional nextstrain/ tree copied into each job's /nextstrain, and an
// optional image.json with the image's ENTRYPOINT, WORKDIR and ENV.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export interface ImageConfig {
  dir: string;
  entrypoint: string[];
  workdir: string;
  env: Record<string, string>;
}

/** `repo` or `repo:tag` -> directory; a bare repository serves every tag. */
export type ImageMap = Record<string, string>;

/** Splits an image name the way Docker does: the tag follows the last colon after the last slash. */
export function splitImage(image: string): { repository: string; tag: string } {
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon > slash) return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image, tag: "latest" };
}

export function imageDirectory(images: ImageMap, image: string): string | undefined {
  const { repository, tag } = splitImage(image);
  return images[`${repository}:${tag}`] ?? images[repository];
}

export function loadImageConfig(dir: string): ImageConfig {
  const file = path.join(dir, "image.json");
  const declared = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<ImageConfig>) : {};
  return {
    dir,
    entrypoint: declared.entrypoint ?? [],
    workdir: declared.workdir ?? "/",
    env: declared.env ?? {},
  };
}
