// Host programs the local AWS stack relies on: the Python that runs moto (and,
// beside it, the AWS CLI the job side calls), and the PATH jobs see.
//
// On machines where `python3` and `aws` are pyenv shims, each call through the
// shim costs most of a second; resolving the real interpreter once and putting
// its bin directory first on the job PATH keeps the job side fast.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export interface HostTools {
  /** Absolute path of the Python interpreter that has moto installed. */
  python: string;
  /** PATH for job sandboxes: the interpreter's bin directory, then the host PATH. */
  jobPath: string;
}

export async function resolveHostTools(python = process.env.LOCAL_AWS_PYTHON ?? "python3"): Promise<HostTools> {
  let executable: string;
  try {
    const { stdout } = await run(python, ["-c", "import sys, moto; print(sys.executable)"]);
    executable = stdout.trim();
  } catch (error) {
    throw new Error(
      `cannot run moto with ${python}: ${(error as Error).message.trim()}\n` +
        `Install it with: pip install "moto[server]" (or set LOCAL_AWS_PYTHON to a Python that has it)`,
    );
  }
  // The job PATH: where the AWS CLI really lives, then the usual system directories.
  const awsDirs = [path.dirname(executable), ...(process.env.PATH ?? "").split(":")].filter(
    (dir) => dir !== "" && !dir.includes("node_modules") && existsSync(path.join(dir, "aws")),
  );
  const jobPath = [...new Set([...awsDirs.slice(0, 1), ...SYSTEM_PATH])].join(":");
  return { python: executable, jobPath };
}
