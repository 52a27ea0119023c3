import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InternalError, UsageError, UserError } from "../../../src/errors.js";
import {
  containerEnvironment,
  envdirValue,
  envdMembers,
  type EnvFs,
  FORWARDED_VARIABLES,
  jobEnvironment,
  nodeEnvFs,
  parseEnvOption,
  readEnvdir,
  usesEnvd,
} from "../../../src/runner/environment.js";

/** An in-memory file system: directories are objects, files are strings or bytes. */
type Tree = { [name: string]: Tree | string | Uint8Array };
const fakeFs = (root: Tree): EnvFs => {
  const at = (path: string) =>
    path
      .split("/")
      .filter((part) => part !== "")
      .reduce<Tree | string | Uint8Array | undefined>((node, part) => (node && typeof node === "object" && !(node instanceof Uint8Array) ? node[part] : undefined), root);
  const bytes = (node: string | Uint8Array) => (typeof node === "string" ? new TextEncoder().encode(node) : node);
  return {
    stat(path) {
      const node = at(path);
      if (node === undefined) return undefined;
      if (typeof node === "object" && !(node instanceof Uint8Array)) return { isDirectory: true, size: 4096 };
      return { isDirectory: false, size: bytes(node).length };
    },
    readdir(path) {
      const node = at(path);
      if (node === undefined || typeof node === "string" || node instanceof Uint8Array) throw new Error(`ENOTDIR: ${path}`);
      return Object.keys(node).reverse();
    },
    readFile(path) {
      const node = at(path);
      if (node === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      if (typeof node === "object" && !(node instanceof Uint8Array)) throw new Error("EISDIR");
      return bytes(node);
    },
  };
};

const fs = fakeFs({
  envs: {
    one: { A: "1\n", B: "b\n", EMPTY: "\n", UNSET: "" },
    two: { B: "two\n", C: "c\n" },
  },
  bad: {
    eq: { "A=B": "x\n" },
    sub: { D: {} },
    utf: { X: new Uint8Array([0xff, 0x0a]) },
  },
  file: "not a dir",
});
const deps = { fs, pathDelimiter: ":" };
const entries = (env: ReadonlyMap<string, string | undefined>) => [...env];

const thrown = (action: () => unknown): Error => {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
};

describe("jobEnvironment (C15, C16, C18)", () => {
  it("forwards the well-known variables that are present, in their order, even empty ones", () => {
    const hostEnv = { RETHINK_HOST: "r", AWS_ACCESS_KEY_ID: "id", AUGUR_DEBUG: "", HOME: "/home/u", AWS_PROFILE: "p", AWS_DEFAULT_REGION: "x" };
    expect(entries(jobEnvironment({ hostEnv, envdirs: [], env: [] }, deps))).toStrictEqual([
      ["AUGUR_DEBUG", ""],
      ["AWS_ACCESS_KEY_ID", "id"],
      ["RETHINK_HOST", "r"],
    ]);
  });

  it("lists the thirteen well-known variables in the Nextstrain CLI's order", () => {
    const hostEnv = Object.fromEntries([...FORWARDED_VARIABLES].reverse().map((name) => [name, name.toLowerCase()]));
    expect([...jobEnvironment({ hostEnv, envdirs: [], env: [] }, deps).keys()]).toStrictEqual([
      "AUGUR_SEARCH_PATHS",
      "AUGUR_RECURSION_LIMIT",
      "AUGUR_MINIFY_JSON",
      "AUGUR_DEBUG",
      "AUGUR_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "ID3C_URL",
      "ID3C_USERNAME",
      "ID3C_PASSWORD",
      "RETHINK_HOST",
      "RETHINK_AUTH_KEY",
    ]);
  });

  it("reads envdirs in order, later ones overriding by name in the first one's place, then --env", () => {
    const env = jobEnvironment({ hostEnv: { AWS_ACCESS_KEY_ID: "id", HOSTVAR: "h" }, envdirs: ["/envs/one", "/envs/two"], env: ["C=from-env", "NEW", "HOSTVAR", "A=x=y"] }, deps);
    expect(entries(env)).toStrictEqual([
      ["A", "x=y"],
      ["B", "two"],
      ["EMPTY", ""],
      ["UNSET", undefined],
      ["C", "from-env"],
      ["NEW", undefined],
      ["HOSTVAR", "h"],
    ]);
  });

  it("puts NEXTSTRAIN_RUNTIME_ENVDIRS before --envdir, skipping empty entries, and stops forwarding", () => {
    const hostEnv = { NEXTSTRAIN_RUNTIME_ENVDIRS: "::/envs/two:", AWS_ACCESS_KEY_ID: "id" };
    expect(entries(jobEnvironment({ hostEnv, envdirs: ["/envs/one"], env: [] }, deps))).toStrictEqual([
      ["B", "b"],
      ["C", "c"],
      ["A", "1"],
      ["EMPTY", ""],
      ["UNSET", undefined],
    ]);
  });

  it("splits NEXTSTRAIN_RUNTIME_ENVDIRS on the platform's delimiter", () => {
    const hostEnv = { NEXTSTRAIN_RUNTIME_ENVDIRS: "/envs/two;/envs/one" };
    expect([...jobEnvironment({ hostEnv, envdirs: [], env: [] }, { fs, pathDelimiter: ";" }).keys()]).toStrictEqual(["B", "C", "A", "EMPTY", "UNSET"]);
  });

  it("a single --env is enough to stop forwarding", () => {
    expect(entries(jobEnvironment({ hostEnv: { AWS_ACCESS_KEY_ID: "id" }, envdirs: [], env: ["X=1"] }, deps))).toStrictEqual([["X", "1"]]);
  });

  it.each(["/nope", "/file"])("names NEXTSTRAIN_RUNTIME_ENVDIRS when %s is not a directory", (dir) => {
    const error = thrown(() => jobEnvironment({ hostEnv: { NEXTSTRAIN_RUNTIME_ENVDIRS: `/envs/one:${dir}` }, envdirs: [], env: [] }, deps));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(`not a directory: ${dir} (in NEXTSTRAIN_RUNTIME_ENVDIRS)`);
  });

  it("refuses an --envdir that is not a directory as a usage error", () => {
    const error = thrown(() => jobEnvironment({ hostEnv: {}, envdirs: ["/file"], env: [] }, deps));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe("argument --envdir: not a directory: /file");
  });
});

describe("parseEnvOption (C18)", () => {
  it.each([
    ["A=1", ["A", "1"]],
    ["A=", ["A", ""]],
    ["A==b", ["A", "=b"]],
    ["HOSTVAR", ["HOSTVAR", "h"]],
    ["EMPTYVAR", ["EMPTYVAR", ""]],
    ["MISSING", ["MISSING", undefined]],
  ])("%s -> %j", (spec, parsed) => {
    expect(parseEnvOption(spec, { HOSTVAR: "h", EMPTYVAR: "" })).toStrictEqual(parsed);
  });

  it("refuses an empty name", () => {
    const error = thrown(() => parseEnvOption("=x", {}));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toContain('"=x"');
  });
});

describe("readEnvdir (C17)", () => {
  it("reads every entry, sorted", () => {
    expect(readEnvdir("/envs/one", fs)).toStrictEqual([
      ["A", "1"],
      ["B", "b"],
      ["EMPTY", ""],
      ["UNSET", undefined],
    ]);
  });

  it.each([
    ["/bad/eq", 'Invalid environment variable name in envdir /bad/eq: /bad/eq/A=B (a name cannot contain "=")'],
    ["/bad/sub", "/bad/sub/D in envdir /bad/sub is a directory, not a file"],
    ["/bad/utf", "Unable to read /bad/utf/X as UTF-8 text: "],
  ])("refuses %s naming the file", (dir, message) => {
    const error = thrown(() => readEnvdir(dir, fs));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message.slice(0, message.length)).toBe(message);
  });

  it("names a directory it cannot list", () => {
    const error = thrown(() => readEnvdir("/file", fs));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe("Unable to read envdir /file: ENOTDIR: /file");
  });

  describe("with the real file system", () => {
    const dir = mkdtempSync(join(tmpdir(), "envdir-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("reads files, empty files and the file's first line", () => {
      writeFileSync(join(dir, "X"), "first\nsecond\n");
      writeFileSync(join(dir, "NONE"), "");
      writeFileSync(join(dir, "MULTI"), "a\0b  \n");
      expect(readEnvdir(dir, nodeEnvFs)).toStrictEqual([
        ["MULTI", "a\nb"],
        ["NONE", undefined],
        ["X", "first"],
      ]);
      expect(nodeEnvFs.stat(join(dir, "missing"))).toBeUndefined();
      expect(nodeEnvFs.stat(dir)?.isDirectory).toBe(true);
    });

    it("refuses a sub-directory", () => {
      mkdirSync(join(dir, "SUB"));
      expect(thrown(() => readEnvdir(dir, nodeEnvFs)).message).toBe(`${join(dir, "SUB")} in envdir ${dir} is a directory, not a file`);
    });
  });
});

describe("envdirValue (C17)", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  // Expected values were produced by Python's open(f).readline().rstrip().replace("\0", "\n").
  it.each([
    ["", undefined],
    ["\n", ""],
    ["  \n", ""],
    ["\n\nx", ""],
    ["y z\n", "y z"],
    ["a\nb\nc\n", "a"],
    ["a\0b\0c\n", "a\nb\nc"],
    ["a\0\n", "a\n"],
    ["a\rb\n", "a"],
    ["a\r\nb", "a"],
    ["no newline", "no newline"],
    ["\ufeffa \0 \x1f\n", "\ufeffa \n"],
    ["v\u00a0\u3000\x85\t", "v"],
    ["v\ufeff", "v\ufeff"],
    ["\x0bv\x0b", "\x0bv"],
    ["  lead", "  lead"],
  ])("%j -> %j", (text, value) => {
    expect(envdirValue(bytes(text), "f")).toBe(value);
  });
});

describe("usesEnvd (C58)", () => {
  const some = new Map([["A", "1"]]);
  it.each([
    [some, "nextstrain/base", true],
    [some, "nextstrain/base:build-20230613T204512Z", true],
    [some, "nextstrain/base:build-20230613T204511Z", false],
    [new Map([["A", undefined]]), "nextstrain/base", true],
    [new Map(), "nextstrain/base", false],
  ])("%j with %s -> %j", (env, image, expected) => {
    expect(usesEnvd(env, image)).toBe(expected);
  });
});

describe("envdMembers (C59)", () => {
  const text = (data: Uint8Array) => new TextDecoder().decode(data);
  it("writes newlines as NUL, adds a final newline, and leaves unset variables empty", () => {
    const members = envdMembers(
      new Map<string, string | undefined>([
        ["x", "y"],
        ["multiline", "a\nb\nc"],
        ["emptystr", ""],
        ["none", undefined],
        ["crlf", "a\r\nb"],
        ["utf", "é"],
      ]),
    );
    expect(members.map(({ name, data }) => [name, text(data)])).toStrictEqual([
      ["x", "y\n"],
      ["multiline", "a\0b\0c\n"],
      ["emptystr", "\n"],
      ["none", ""],
      ["crlf", "a\r\0b\n"],
      ["utf", "é\n"],
    ]);
    expect([...(members[5]?.data ?? [])]).toStrictEqual([0xc3, 0xa9, 0x0a]);
  });

  it("round-trips through the envdir reader", () => {
    const env = new Map<string, string | undefined>([
      ["x", "y"],
      ["multiline", "a\nb\nc"],
      ["emptystr", ""],
      ["none", undefined],
    ]);
    expect(envdMembers(env).map(({ name, data }) => [name, envdirValue(data, name)])).toStrictEqual([...env]);
  });

  it("treats a name with = as a broken invariant", () => {
    expect(() => envdMembers(new Map([["a=b", "c"]]))).toThrow(InternalError);
  });
});

describe("containerEnvironment (C60, C61, C68)", () => {
  const workdir = "s3://nextstrain-jobs/runs/6116f3e3.zip";
  const env = new Map<string, string | undefined>([
    ["A", "1"],
    ["UNSET", undefined],
    ["EMPTY", ""],
  ]);

  it("with env.d: the workdir URL, then the env.d URL and the delete flag only", () => {
    expect(containerEnvironment(workdir, env, "s3://nextstrain-jobs/runs/6116f3e3-env.d.zip")).toStrictEqual([
      { name: "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL", value: workdir },
      { name: "NEXTSTRAIN_ENVD_URL", value: "s3://nextstrain-jobs/runs/6116f3e3-env.d.zip" },
      { name: "NEXTSTRAIN_DELETE_ENVD", value: "1" },
    ]);
  });

  it("without env.d: the workdir URL, then the variables that are set, in order", () => {
    expect(containerEnvironment(workdir, env)).toStrictEqual([
      { name: "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL", value: workdir },
      { name: "A", value: "1" },
      { name: "EMPTY", value: "" },
    ]);
  });

  it("with no variables: the workdir URL alone", () => {
    expect(containerEnvironment(workdir, new Map())).toStrictEqual([{ name: "NEXTSTRAIN_AWS_BATCH_WORKDIR_URL", value: workdir }]);
  });
});
