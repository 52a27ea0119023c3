/**
 * Finding what the repository's code, tests and docs cite, and what its docs
 * define, so a test can check that every citation resolves inside the
 * repository:
 *
 *  - identifiers of kept Nextstrain CLI behaviours (`C63`, defined as rows of
 *    docs/compatibility.md) and of quality bars (`P1`, `R2`, `S1`, defined in
 *    docs/performance.md and docs/reliability.md); a range such as `C24-C27`
 *    cites every identifier in it; `S3` is the AWS service, never a citation;
 *  - links to the repository's docs (`docs/architecture.md#stages`, or a
 *    relative link inside a doc), whose file and heading must exist;
 *  - references to documents kept outside the repository (section signs,
 *    the names of outside notes, paths that climb out of the checkout), which
 *    must not exist at all.
 *
 * `checkCitations` applies these rules to a set of files held in memory, so
 * the rules themselves are tested on made-up files.
 */
import path from "node:path";

export type Citation =
  | { kind: "id"; id: string; line: number }
  | { kind: "link"; target: string; anchor?: string; line: number }
  | { kind: "outside"; text: string; line: number };

/** Identifiers, and ranges of them written `C24-C27` or `R1-R5`. */
const ID_RE = /\b([CPRS])(\d+)(?:\s?[-–]\s?\1(\d+))?\b/g;
/** `S3` names the AWS service everywhere in this repository. */
const NOT_IDS = new Set(["S3"]);
/** A range longer than this is not a citation (nor a typo worth expanding). */
const MAX_RANGE = 30;

/** Documents that live outside the repository, however they are named. */
const OUTSIDE_RES = [
  /\u00a7\s*[\w.-]*/g, // a section sign: sections of an outside document
  /\bcompat-?spec\b[^\s)]*/gi,
  /\bdesign\.md\b/gi,
  /[.][.][/]shared\b[^\s)"'`]*/g,
];

/** Paths of docs written the way code and docs cite them: `docs/<name>.md#<anchor>`. */
const DOC_PATH_RE = /(?<![\w./-])docs\/([\w-]+\.md)(?:#([\w-]+))?/g;
/** Relative Markdown links between docs: `](name.md#anchor)` or `](#anchor)`. */
const MD_LINK_RE = /\]\((?!https?:|mailto:)([\w./-]*\.md)?(?:#([\w-]+))?\)/g;

export function extractCitations(text: string, options: { markdown?: boolean } = {}): Citation[] {
  const found: Citation[] = [];
  text.split("\n").forEach((content, index) => {
    const line = index + 1;
    for (const match of content.matchAll(ID_RE)) {
      const [, letter, first, last] = match as unknown as [string, string, string, string | undefined];
      const from = Number(first);
      const to = last === undefined ? from : Number(last);
      const ids = to > from && to - from <= MAX_RANGE ? Array.from({ length: to - from + 1 }, (_, i) => `${letter}${from + i}`) : [`${letter}${from}`, ...(last === undefined ? [] : [`${letter}${to}`])];
      for (const id of ids) if (!NOT_IDS.has(id)) found.push({ kind: "id", id, line });
    }
    for (const re of OUTSIDE_RES) for (const match of content.matchAll(re)) found.push({ kind: "outside", text: match[0], line });
    for (const match of content.matchAll(DOC_PATH_RE)) found.push({ kind: "link", target: `docs/${match[1]}`, anchor: match[2], line });
    if (options.markdown) {
      for (const match of content.matchAll(MD_LINK_RE)) {
        if (match[1] === undefined && match[2] === undefined) continue;
        found.push({ kind: "link", target: match[1] ?? "", anchor: match[2], line });
      }
    }
  });
  return found;
}

/**
 * The identifiers a Markdown document defines: a table row whose first cell
 * is the identifier (`| C12 | ... |`), or a list item that starts with it in
 * bold (`- **P1** ...`).
 */
export function definedIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  for (const line of markdown.split("\n")) {
    const match = /^\|\s*\**([CPRS]\d+)\**\s*\|/.exec(line) ?? /^\s*[-*]\s+\*\*([CPRS]\d+)\*\*/.exec(line);
    if (match && !NOT_IDS.has(match[1] as string)) ids.add(match[1] as string);
  }
  return ids;
}

/** The anchors of a Markdown document's headings, as GitHub makes them. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(slug(heading[1] as string));
  }
  return anchors;
}

export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/**
 * What is wrong with the citations of `files` (repository-relative path to
 * text): each problem as `<file>:<line>: <what>`. Identifiers are defined by
 * the Markdown files under `docs/`.
 */
export function checkCitations(files: ReadonlyMap<string, string>): string[] {
  const defined = new Set<string>();
  for (const [file, text] of files) if (isDoc(file)) for (const id of definedIds(text)) defined.add(id);
  const problems: string[] = [];
  for (const [file, text] of files) {
    for (const citation of extractCitations(text, { markdown: file.endsWith(".md") })) {
      const where = `${file}:${citation.line}`;
      if (citation.kind === "id") {
        if (!defined.has(citation.id)) problems.push(`${where}: ${citation.id} is defined in no doc under docs/`);
      } else if (citation.kind === "outside") {
        problems.push(`${where}: "${citation.text}" refers to a document outside the repository`);
      } else {
        const target = citation.target === "" ? file : citation.target.startsWith("docs/") ? citation.target : path.posix.join(path.posix.dirname(file), citation.target);
        const targetText = files.get(target);
        if (targetText === undefined) problems.push(`${where}: ${target} does not exist`);
        else if (citation.anchor !== undefined && !headingAnchors(targetText).has(citation.anchor)) {
          problems.push(`${where}: ${target} has no heading #${citation.anchor}`);
        }
      }
    }
  }
  return problems;
}

function isDoc(file: string): boolean {
  return file.startsWith("docs/") && file.endsWith(".md");
}
