// The bubblewrap command line of a job sandbox, built against a made-up host tree.
import { describe, expect, it } from "vitest";
import { sandboxArgs, type HostEntry, type HostView } from "../../local-aws/batch/sandbox.js";

const tree: Record<string, HostEntry[]> = {
  "/": [
    { name: "bin", kind: "symlink", target: "usr/bin" },
    { name: "sbin", kind: "symlink", target: "usr/sbin" },
    { name: "usr", kind: "dir" },
    { name: "opt", kind: "dir" },
    { name: "etc", kind: "dir" },
    { name: "proc", kind: "dir" },
    { name: "dev", kind: "dir" },
    { name: "tmp", kind: "dir" },
  ],
  "/usr/sbin": [
    { name: "ls", kind: "file" },
    { name: "halt", kind: "symlink", target: "/bin/systemctl" },
    { name: "entrypoint", kind: "symlink", target: "elsewhere" },
  ],
  "/opt": [{ name: "vendor", kind: "dir" }],
};
const realpaths: Record<string, string> = { "/sbin": "/usr/sbin", "/bin": "/usr/bin" };
const host: HostView = {
  list: (dir) => tree[dir] ?? [],
  exists: (file) => file in realpaths || Object.entries(tree).some(([dir, entries]) => file === dir || entries.some((e) => `${dir === "/" ? "" : dir}/${e.name}` === file)),
  realpath: (file) => realpaths[file] ?? file,
};

function pairs(args: string[], option: string): string[][] {
  const width = option === "--tmpfs" || option === "--dir" || option === "--remount-ro" || option === "--chdir" ? 1 : 2;
  return args.flatMap((arg, i) => (arg === option ? [args.slice(i + 1, i + 1 + width)] : []));
}

describe("sandboxArgs", () => {
  const args = sandboxArgs(
    {
      imageFiles: [
        { sandboxPath: "/sbin/entrypoint", hostPath: "/img/sbin/entrypoint" },
        { sandboxPath: "/opt/new/deep/tool", hostPath: "/img/opt/new/deep/tool" },
        { sandboxPath: "/opt/link", hostPath: "/img/opt/link", symlink: "new/deep/tool" },
      ],
      jobDir: "/jobs/1",
      workdir: "/nextstrain/build",
      env: { HOME: "/nextstrain" },
      argv: ["/sbin/entrypoint", "true"],
      infoFd: 3,
    },
    host,
  );

  it.each([
    ["shares top-level entries read-only and recreates top-level symlinks", "--ro-bind", ["/usr", "/usr"]],
    ["", "--symlink", ["usr/sbin", "/sbin"]],
    ["binds the job directory at /nextstrain", "--bind", ["/jobs/1", "/nextstrain"]],
    ["lays image files into the directory a host symlink leads to", "--ro-bind", ["/img/sbin/entrypoint", "/usr/sbin/entrypoint"]],
    ["rebinds the other entries of an opened directory", "--ro-bind", ["/usr/sbin/ls", "/usr/sbin/ls"]],
    ["", "--symlink", ["/bin/systemctl", "/usr/sbin/halt"]],
    ["", "--symlink", ["new/deep/tool", "/opt/link"]],
    ["", "--setenv", ["HOME", "/nextstrain"]],
  ])("%s (%s %j)", (_, option, expected) => {
    expect(pairs(args, option)).toContainEqual(expected);
  });

  it("opens only the directories that receive image files, shallowest first, and makes them read-only again", () => {
    expect(pairs(args, "--tmpfs").flat()).toEqual(["/", "/tmp", "/opt", "/usr/sbin"]);
    expect(pairs(args, "--remount-ro").flat()).toEqual(["/", "/opt", "/usr/sbin"]);
    expect(pairs(args, "--dir").flat()).toEqual(["/opt/new", "/opt/new/deep"]);
  });

  it("does not share /proc, /dev or /tmp and does not keep a host symlink an image file replaces", () => {
    expect(pairs(args, "--ro-bind").map((p) => p[1])).not.toEqual(expect.arrayContaining(["/proc"]));
    expect(pairs(args, "--ro-bind").map((p) => p[1])).not.toContain("/tmp");
    expect(pairs(args, "--symlink")).not.toContainEqual(["elsewhere", "/usr/sbin/entrypoint"]);
  });

  it("runs the command as PID 1 of its own PID namespace, after --", () => {
    expect(args).toEqual(expect.arrayContaining(["--unshare-pid", "--as-pid-1", "--die-with-parent", "--clearenv"]));
    expect(args.slice(args.indexOf("--"))).toEqual(["--", "/sbin/entrypoint", "true"]);
    expect(pairs(args, "--chdir")).toEqual([["/nextstrain/build"]]);
  });
});
