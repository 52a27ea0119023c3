// What Batch finds out about a compute environment only after accepting it,
// asked of IAM and EC2 in moto: roles, the instance profile, subnets, security
// groups and the launch template must exist (and the subnets and groups share a
// VPC). A problem makes the environment INVALID with a CLIENT_ERROR status
// reason in the words AWS uses, e.g. `CLIENT_ERROR - Invalid IamInstanceProfile:
// ecsInstanceRole`. Batch creates its service-linked role itself when an
// environment needs it. Also the instance types an environment names, from
// EC2 DescribeInstanceTypes.
import { randomUUID } from "node:crypto";
import { type _InstanceType, DescribeInstanceTypesCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { CreateRoleCommand, EntityAlreadyExistsException, GetInstanceProfileCommand, GetRoleCommand, NoSuchEntityException, type IAMClient } from "@aws-sdk/client-iam";
import { familiesOf, isMetal, type InstanceType } from "./capacity.js";
import { isServiceLinkedRole } from "./environment-rules.js";
import type { ComputeEnvironment } from "./model.js";

export interface ResourceChecks {
  /** Why Batch would find the environment INVALID (its status reason), or undefined when it is VALID. */
  environmentProblem(environment: ComputeEnvironment): Promise<string | undefined>;
}

export interface AwsClients {
  iam: IAMClient;
  ec2: EC2Client;
}

const BATCH_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "batch.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export function motoResourceChecks({ iam, ec2 }: AwsClients): ResourceChecks {
  const roleExists = async (arn: string): Promise<boolean> => {
    try {
      await iam.send(new GetRoleCommand({ RoleName: arn.split("/").at(-1) }));
      return true;
    } catch (error) {
      if (error instanceof NoSuchEntityException) return false;
      throw error;
    }
  };
  // https://github.com/hashicorp/terraform-provider-aws/pull/21281 shows the text AWS writes.
  const cannotAssume = (service: string, arn: string) =>
    `CLIENT_ERROR - User: ${service} is not authorized to perform: sts:AssumeRole on resource: ${arn} (Service: AWSSecurityTokenService; Status Code: 403; Error Code: AccessDenied; Request ID: ${randomUUID()}; Proxy: null)`;
  const ec2Problem = async (call: () => Promise<unknown>): Promise<string | undefined> => {
    try {
      await call();
      return undefined;
    } catch (error) {
      return `CLIENT_ERROR - ${(error as Error).message}`;
    }
  };

  return {
    async environmentProblem(environment) {
      if (isServiceLinkedRole(environment.serviceRole)) await ensureServiceLinkedRole(iam, roleExists);
      else if (!(await roleExists(environment.serviceRole))) return cannotAssume("batch.amazonaws.com", environment.serviceRole);
      const resources = environment.computeResources;
      if (!resources) return undefined;
      const profile = resources.instanceRole.split("/").at(-1);
      try {
        await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile }));
      } catch (error) {
        if (error instanceof NoSuchEntityException) return `CLIENT_ERROR - Invalid IamInstanceProfile: ${resources.instanceRole}`;
        throw error;
      }
      const fleetRole = resources.spotIamFleetRole as string | undefined;
      if (fleetRole !== undefined && !(await roleExists(fleetRole))) return cannotAssume("spotfleet.amazonaws.com", fleetRole);

      let subnets: { SubnetId?: string; VpcId?: string }[] = [];
      const subnetProblem = await ec2Problem(async () => {
        subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: resources.subnets }))).Subnets ?? [];
      });
      if (subnetProblem) return subnetProblem;
      const vpcs = new Set(subnets.map((s) => s.VpcId));
      if (vpcs.size > 1) return `CLIENT_ERROR - The subnets ${resources.subnets.join(", ")} are in different VPCs (${[...vpcs].join(", ")}); they must all be in one`;
      let groups: { GroupId?: string; VpcId?: string }[] = [];
      if (resources.securityGroupIds) {
        const groupProblem = await ec2Problem(async () => {
          groups = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: resources.securityGroupIds }))).SecurityGroups ?? [];
        });
        if (groupProblem) return groupProblem;
      }
      const stranger = groups.find((g) => !vpcs.has(g.VpcId));
      if (stranger) return `CLIENT_ERROR - Security group ${stranger.GroupId} and subnet ${subnets[0]?.SubnetId} belong to different networks.`;
      const template = resources.launchTemplate as { launchTemplateId?: string; launchTemplateName?: string; version?: string } | undefined;
      if (template) return launchTemplateProblem(ec2, template, ec2Problem);
      return undefined;
    },
  };
}

async function launchTemplateProblem(
  ec2: EC2Client,
  template: { launchTemplateId?: string; launchTemplateName?: string; version?: string },
  ec2Problem: (call: () => Promise<unknown>) => Promise<string | undefined>,
): Promise<string | undefined> {
  let latest = 0;
  const problem = await ec2Problem(async () => {
    const answer = await ec2.send(
      new DescribeLaunchTemplatesCommand(
        template.launchTemplateId ? { LaunchTemplateIds: [template.launchTemplateId] } : { LaunchTemplateNames: [template.launchTemplateName!] },
      ),
    );
    latest = answer.LaunchTemplates?.[0]?.LatestVersionNumber ?? 0;
  });
  if (problem) return problem;
  const version = template.version;
  if (version !== undefined && /^\d+$/.test(version) && Number(version) > latest) {
    return `CLIENT_ERROR - Launch template version ${version} does not exist (the latest is ${latest})`;
  }
  return undefined;
}

/** Batch creates AWSServiceRoleForBatch the first time an environment needs it. */
async function ensureServiceLinkedRole(iam: IAMClient, roleExists: (arn: string) => Promise<boolean>): Promise<void> {
  if (await roleExists("AWSServiceRoleForBatch")) return;
  // moto's CreateServiceLinkedRole names it AWSServiceRoleForbatch; make it as AWS does.
  try {
    await iam.send(
      new CreateRoleCommand({ RoleName: "AWSServiceRoleForBatch", Path: "/aws-service-role/batch.amazonaws.com/", AssumeRolePolicyDocument: BATCH_TRUST }),
    );
  } catch (error) {
    // Another environment created at the same time made it first.
    if (!(error instanceof EntityAlreadyExistsException)) throw error;
  }
}

/** The instance types behind a compute environment's names, asked of EC2 DescribeInstanceTypes as needed and kept. */
export class InstanceTypeLookup {
  private readonly known = new Map<string, readonly InstanceType[]>();

  constructor(private readonly ec2: EC2Client) {}

  /** Looks up the names not seen before, so that `types` answers for all of them. */
  async resolve(names: readonly string[]): Promise<void> {
    await Promise.all([...new Set(names)].filter((name) => !this.known.has(name)).map(async (name) => this.known.set(name, await this.fetch(name))));
  }

  /** What a resolved name stands for; empty when EC2 knows no such type or family. */
  types(name: string): readonly InstanceType[] {
    return this.known.get(name) ?? [];
  }

  private async fetch(name: string): Promise<InstanceType[]> {
    const families = familiesOf(name);
    try {
      const answer = await this.ec2.send(
        new DescribeInstanceTypesCommand(families ? { Filters: [{ Name: "instance-type", Values: families.map((f) => `${f}.*`) }] } : { InstanceTypes: [name as _InstanceType] }),
      );
      return (answer.InstanceTypes ?? [])
        .map((t) => ({ name: t.InstanceType ?? "", vcpus: t.VCpuInfo?.DefaultVCpus ?? 0, memoryMiB: t.MemoryInfo?.SizeInMiB ?? 0 }))
        .filter((t) => t.name !== "" && !isMetal(t.name));
    } catch (error) {
      if ((error as Error).name === "InvalidInstanceType") return [];
      throw error;
    }
  }
}
