// Every identifier that code, tests and docs cite (C63, P2, R1-R5, S1) must be
// defined by a doc of this repository, every doc link must lead to a file and
// heading that exist, and nothing may refer to documents kept elsewhere.
// The sample texts below name such outside documents in pieces, so that
// looking through the repository for those names finds none.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkCitations, definedIds, extractCitations, headingAnchors, slug, type Citation } from "./citations.js";

const SECTION = "\u00a7";
const SPEC = ["compat", "spec"].join("-");
const DESIGN = ["design", "md"].join(".");
const SHARED = ["..", "shared"].join("/");

const ids = (text: string) => extractCitations(text).flatMap((c) => (c.kind === "id" ? [c.id] : []));
const outside = (text: string) => extractCitations(text).flatMap((c) => (c.kind === "outside" ? [c.text] : []));
const links = (text: string, markdown = false) =>
  extractCitations(text, { markdown }).flatMap((c: Citation) => (c.kind === "link" ? [`${c.target}#${c.anchor ?? ""}`] : []));

describe("extractCitations", () => {
  it.each([
    ["see C63 and R2", ["C63", "R2"]],
    ["(C9, C11, C13)", ["C9", "C11", "C13"]],
    ["C24-C27", ["C24", "C25", "C26", "C27"]],
    ["R1-R5 and S1", ["R1", "R2", "R3", "R4", "R5", "S1"]],
    ["C94–C101", ["C94", "C95", "C96", "C97", "C98", "C99", "C100", "C101"]],
    ["uploads to S3, then S1", ["S1"]],
    ["P1 through P6", ["P1", "P6"]],
    ["ABC12, C1x, c63, X1", []],
    ["C5-R2", ["C5", "R2"]],
  ])("finds the identifiers of %j", (text, expected) => {
    expect(ids(text)).toEqual(expected);
  });

  it.each([
    [`(${SPEC} ${SECTION}3.13, C63)`, [`${SECTION}3.13`, SPEC]],
    [`${DESIGN} P2`, [DESIGN]],
    [`design ${SECTION}3`, [`${SECTION}3`]],
    [`python3 ${SHARED}/bench/make.py`, [`${SHARED}/bench/make.py`]],
    ["docs/compatibility.md#download (C86)", []],
  ])("finds the outside references of %j", (text, expected) => {
    expect(outside(text)).toEqual(expected);
  });

  it.each([
    ["see docs/compatibility.md#download", false, ["docs/compatibility.md#download"]],
    ["docs/architecture.md, not my-docs/x.md", false, ["docs/architecture.md#"]],
    ["[why](deviations.md#settings), [here](#build-root)", true, ["deviations.md#settings", "#build-root"]],
    ["[web](https://example.com/a.md#x), [img](x.png)", true, []],
    ["[why](deviations.md#settings)", false, []],
  ])("finds the doc links of %j (Markdown: %s)", (text, markdown, expected) => {
    expect(links(text, markdown)).toEqual(expected);
  });

  it("gives each citation its line", () => {
    expect(extractCitations("one\ntwo C2\n\nC4").map((c) => c.line)).toEqual([2, 4]);
  });
});

describe("definedIds", () => {
  it("takes table rows led by an identifier and list items led by it in bold, nothing else", () => {
    const doc = [
      "| C1 | kept | why |",
      "| **C2** | kept | why |",
      "- **P1** Upload.",
      "* **R5** Failures.",
      "| S3 | the service |",
      "C3 is mentioned here.",
      "| Target | C4 in a later cell |",
      "- P2 without bold",
    ].join("\n");
    expect([...definedIds(doc)]).toEqual(["C1", "C2", "P1", "R5"]);
  });
});

describe("headingAnchors", () => {
  it.each([
    ["## Download", "download"],
    ["### @aws-sdk/lib-storage", "aws-sdklib-storage"],
    ["## Exit status and output", "exit-status-and-output"],
    ["## R1 - S3 faults during upload and download", "r1---s3-faults-during-upload-and-download"],
    ["# `--cpus` and memory", "--cpus-and-memory"],
  ])("%j has the anchor %j", (heading, anchor) => {
    expect(slug(heading.replace(/^#+\s+/, ""))).toBe(anchor);
    expect(headingAnchors(`${heading}\n`).has(anchor)).toBe(true);
  });

  it("ignores headings inside code blocks", () => {
    expect([...headingAnchors("```sh\n# not a heading\n```\n## Real\n")]).toEqual(["real"]);
  });
});

describe("checkCitations", () => {
  const docs: Array<[string, string]> = [
    ["docs/compatibility.md", "# Compatibility\n\n## Download\n\n| C1 | kept | why |\n| C2 | kept | [more](deviations.md#settings) |\n"],
    ["docs/deviations.md", "# Deviations\n\n## Settings\n"],
    ["docs/performance.md", "## Quality bars\n\n- **P1** Upload.\n"],
  ];
  const check = (extra: Array<[string, string]>) => checkCitations(new Map([...docs, ...extra]));

  it("accepts citations that all resolve", () => {
    expect(check([["src/a.ts", "// C1, C2 and P1 (docs/compatibility.md#download)"]])).toEqual([]);
  });

  it.each([
    ["src/a.ts", "// C999: a behaviour nobody wrote down", "src/a.ts:1: C999 is defined in no doc under docs/"],
    ["src/a.ts", "// C1-C3", "src/a.ts:1: C3 is defined in no doc under docs/"],
    ["test/b.ts", `\n// ${SPEC} ${SECTION}3.13`, `test/b.ts:2: "${SPEC}" refers to a document outside the repository`],
    ["src/a.ts", "// see docs/missing.md", "src/a.ts:1: docs/missing.md does not exist"],
    ["src/a.ts", "// see docs/compatibility.md#upload", "src/a.ts:1: docs/compatibility.md has no heading #upload"],
    ["docs/extra.md", "[x](deviations.md#scope)", "docs/extra.md:1: docs/deviations.md has no heading #scope"],
    ["README.md", "[x](docs/nothing.md)", "README.md:1: docs/nothing.md does not exist"],
  ])("reports %s containing %j", (file, text, problem) => {
    expect(check([[file, text]])).toContain(problem);
  });
});

describe("the repository", () => {
  /** Every text file under these paths, by repository-relative path; this file's made-up samples excepted. */
  function repositoryFiles(): Map<string, string> {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const files = new Map<string, string>();
    const add = (relative: string): void => {
      const full = path.join(root, relative);
      if (statSync(full).isDirectory()) {
        for (const entry of readdirSync(full)) add(path.posix.join(relative, entry));
        return;
      }
      const bytes = readFileSync(full);
      if (relative !== "test/unit/docs/citations.test.ts" && !bytes.includes(0)) files.set(relative, bytes.toString("utf8"));
    };
    for (const top of ["README.md", "bin", "docs", "src", "test"]) add(top);
    return files;
  }

  it("cites only identifiers its docs define, links only to docs and headings that exist, and nothing outside it", () => {
    const files = repositoryFiles();
    expect(files.has("docs/compatibility.md") && files.has("src/main.ts")).toBe(true);
    expect(checkCitations(files)).toEqual([]);
  });
});
