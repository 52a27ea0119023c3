/**
 * Container image names as Docker reads them (C20, C64): the grammar of the
 * image setting's value, used by the runner (which features an image has)
 * and by the job definition rules (whether a definition runs the image).
 *
 * The Nextstrain CLI splits an image name into repository and tag, with the tag
 * `latest` implied. Deliberate deviation: it splits on every `:`, so a registry
 * host with a port and a tag (`host:5000/x:tag`) crashes it, `host:5000/x` reads
 * as repository `host` with tag `5000/x`, and a digest (`x@sha256:…`) is split
 * inside the digest. Here the names are split as Docker reads them: an optional
 * `@digest` at the end, then a tag only after a last `:` that is followed by no
 * `/`.
 */

export interface ImageName {
  repository: string;
  /** The tag; `latest` when the name has neither a tag nor a digest. */
  tag?: string;
  /** The digest after `@`, e.g. `sha256:9f86d0…`. */
  digest?: string;
}

export function splitImageName(name: string): ImageName {
  const at = name.indexOf("@");
  const reference = at < 0 ? name : name.slice(0, at);
  const digest = at < 0 ? undefined : name.slice(at + 1);
  const colon = reference.lastIndexOf(":");
  const hasTag = colon >= 0 && !reference.slice(colon + 1).includes("/");
  const repository = hasTag ? reference.slice(0, colon) : reference;
  const tag = hasTag ? reference.slice(colon + 1) : digest === undefined ? "latest" : undefined;
  return { repository, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** Whether two names denote the same image once split (`x` and `x:latest` do; `docker.io/x` and `x` do not; C64). */
export function sameImage(a: string, b: string): boolean {
  const [x, y] = [splitImageName(a), splitImageName(b)];
  return x.repository === y.repository && x.tag === y.tag && x.digest === y.digest;
}
