/**
 * The build plan: everything a run needs that can be worked out before any
 * AWS call, in the Nextstrain CLI's pre-flight order after the directory
 * checks (C44): the image name, the program's argv with the
 * Snakemake arguments injected (and their warnings), the job's environment,
 * and the upload and download patterns. Bad input fails here, before anything
 * is uploaded.
 *
 * Secrets (S1): with images too old for env.d, variables would be
 * visible in DescribeJobs, so credentials and other secret-looking variables
 * are left out, with a warning, instead of being passed in the clear.
 * Forwarded session credentials expire; whether they can expire before the
 * job ends is known only once the job definition is (src/runner/credentials.ts).
 */
import type { DownloadChoice } from "../cli/request.js";
import type { Settings } from "../config/resolve.js";
import { validatePattern } from "../archive/patterns.js";
import type { OverlayVolume } from "../archive/workdir-archive.js";
import { jobEnvironment, usesEnvd, type EnvironmentDeps, type JobEnv } from "./environment.js";
import { execArgv } from "./exec-argv.js";
import { checkImageName, IMAGE_FEATURES } from "./image.js";

export interface PlanRequest {
  execArgs: string[];
  exec: string;
  cpus?: number;
  memory?: number;
  env: string[];
  envdir: string[];
  download: DownloadChoice;
  excludeFromUpload: string[];
}

export interface BuildPlan {
  /** The program and its arguments. */
  argv: string[];
  env: JobEnv;
  /** Whether the variables travel in an env.d archive. */
  envd: boolean;
  download: DownloadChoice;
  excludeFromUpload: readonly string[];
  /** Development overlays, shipped as `../<name>/` (runner/overlays.ts). */
  overlays: readonly OverlayVolume[];
}

export interface Planned {
  plan: BuildPlan;
  warnings: string[];
}

const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|AUTH_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL/i;

export function planBuild(request: PlanRequest, settings: Settings, hostEnv: NodeJS.ProcessEnv, envDeps?: EnvironmentDeps): Planned {
  const image = settings.image.value;
  checkImageName(image, settings.image.origin);
  for (const pattern of request.excludeFromUpload) validatePattern("--exclude-from-upload", pattern);
  if (Array.isArray(request.download)) {
    for (const pattern of request.download) {
      if (pattern.startsWith("!")) validatePattern("--exclude-from-download", pattern.slice(1));
      else validatePattern("--download", pattern);
    }
  }

  const program = execArgv({ exec: request.exec, extraArgs: request.execArgs, cpus: request.cpus, memoryBytes: request.memory, image });
  const warnings = [...program.warnings];

  const forwardAwsCredentials = settings.forwardAwsCredentials.value;
  let env = jobEnvironment({ hostEnv, envdirs: request.envdir, env: request.env, forwardAwsCredentials }, envDeps);
  const envd = usesEnvd(env, image);
  if (!envd) {
    const secrets = [...env.keys()].filter((name) => SECRET_NAME.test(name));
    if (secrets.length > 0) {
      env = new Map([...env].filter(([name]) => !secrets.includes(name)));
      warnings.push(
        `Not passing ${secrets.join(", ")} to the job: the image ${image} is older than ${IMAGE_FEATURES.envd},\n` +
          "so they would be visible to anyone who can describe the job. Use a newer image to pass them privately.",
      );
    }
  }
  return { plan: { argv: program.argv, env, envd, download: request.download, excludeFromUpload: request.excludeFromUpload, overlays: [] }, warnings };
}
