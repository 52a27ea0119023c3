/**
 * Failures about the AWS resources a run was pointed at, each naming the
 * resource (and the region, where that is the usual cause). They say nothing
 * of settings: the layer that chose the names adds which setting named each
 * and where it came from (src/config/explain.ts).
 */
import { ResourceError } from "../errors.js";
import { PROGRAM } from "../program.js";

/** The commands that check the whole set-up and create what is missing, for the hints of a missing resource. */
export const SETUP_HINT = `${PROGRAM} check-setup --aws-batch checks the whole set-up, with a fix for each problem; ${PROGRAM} setup --aws-batch creates what is missing.`;

/** SubmitJob refused the queue: no such queue in this region (a wrong region is the usual cause). */
export class JobQueueNotFound extends ResourceError {
  constructor(
    readonly queue: string,
    readonly region: string,
    awsSays: string,
  ) {
    super(`The job queue "${queue}" was not found in region ${region} (${awsSays}).`, `Check the queue's name and the region: a queue exists in one region only.\n${SETUP_HINT}`, [
      { kind: "job queue", name: queue },
      { kind: "region", name: region },
    ]);
  }
}

/** DescribeJobDefinitions found no ACTIVE revision (the Nextstrain CLI's words, C63). */
export class JobDefinitionNotFound extends ResourceError {
  constructor(readonly definition: string) {
    super(`AWS Batch job definition «${definition}» does not exist`, `Name an existing job definition, or create it in AWS Batch.\n${SETUP_HINT}`, [
      { kind: "job definition", name: definition },
    ]);
  }
}

/** Multi-node, EKS and ECS task definitions have no single image to run or derive from. */
export class JobDefinitionWithoutImage extends ResourceError {
  constructor(readonly definition: string) {
    super(`AWS Batch job definition «${definition}» has no container image (containerProperties.image)`, "Use a single-container job definition.", [
      { kind: "job definition", name: definition },
    ]);
  }
}

/** A derived definition's name is taken by one with another image (two long names cut alike, or one registered by hand). */
export class DerivedDefinitionMismatch extends ResourceError {
  constructor(derived: string, base: string, image: string, actual: string) {
    super(
      `Expected job definition «${derived}», derived from «${base}», to use image «${image}», but it uses «${actual}» instead`,
      `Deregister «${derived}» in AWS Batch so that it is registered again with the right image, or use a shorter base name.`,
      [
        { kind: "job definition", name: base },
        { kind: "image", name: image },
      ],
    );
  }
}

/** HeadBucket failed: the Nextstrain CLI's explanation (C41), with what AWS said. */
export class BucketUnreadable extends ResourceError {
  constructor(
    readonly bucket: string,
    awsSays: string,
  ) {
    super(
      `Unable to read from S3 bucket "${bucket}". Possible reasons:\n\n` +
        "1. Your AWS credentials are invalid.\n" +
        "2. Your AWS credentials are valid but lack permissions to the bucket.\n" +
        "3. The bucket does not exist (buckets are not automatically created for safety reasons).",
      `AWS said: ${awsSays}.\n${SETUP_HINT}`,
      [{ kind: "S3 bucket", name: bucket }],
    );
  }
}

/** An object request answered NoSuchBucket. */
export class BucketNotFound extends ResourceError {
  constructor(
    readonly bucket: string,
    doing: string,
  ) {
    super(`Could not ${doing}: the bucket does not exist.`, `Check the bucket's name.\n${SETUP_HINT}`, [{ kind: "S3 bucket", name: bucket }]);
  }
}
