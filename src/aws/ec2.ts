/**
 * EC2: for the compute environment `setup` creates, the default VPC's subnets
 * and default security group and the launch template that gives instances a
 * bigger root volume; for the set-up check, the pre-flight check and a
 * RUNNABLE diagnosis, the sizes of the instance types a compute environment
 * may launch.
 *
 * Surprising: an environment's `instanceTypes` may name families (`c5`) and
 * Batch's own words `optimal`, `default_x86_64` and `default_arm64`, which
 * EC2 does not know; since 2025-11-01 `optimal` means the m6i, c6i, r6i and
 * c7i families (https://docs.aws.amazon.com/batch/latest/userguide/compute_environment_parameters.html#compute_environment_instance_types).
 *
 * The default VPC is found with DescribeVpcs (`is-default`), not with
 * DescribeAccountAttributes, whose `default-vpc` some implementations leave
 * at `none` (https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html).
 */
import type { _InstanceType, EC2Client, InstanceTypeInfo, LaunchTemplate } from "@aws-sdk/client-ec2";
import { awsErrorName } from "./errors.js";
import { withRetries, type AwsCall } from "./retry.js";

const EC2 = () => import("@aws-sdk/client-ec2");

export interface Network {
  vpc: string;
  subnets: string[];
  securityGroups: string[];
}

/** The default VPC's default subnets and its `default` security group; undefined when the region has no default VPC. */
export async function defaultNetwork(client: EC2Client): Promise<Network | undefined> {
  const { DescribeVpcsCommand, DescribeSubnetsCommand, DescribeSecurityGroupsCommand } = await EC2();
  const vpcs = await withRetries("setup-read", () => client.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] })));
  const vpc = vpcs.Vpcs?.[0]?.VpcId;
  if (vpc === undefined) return undefined;
  const [subnets, groups] = await Promise.all([
    withRetries("setup-read", () => client.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "default-for-az", Values: ["true"] }] }))),
    withRetries("setup-read", () => client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "group-name", Values: ["default"] }] }))),
  ]);
  return {
    vpc,
    subnets: (subnets.Subnets ?? []).flatMap((subnet) => (subnet.SubnetId ? [subnet.SubnetId] : [])).sort(),
    securityGroups: (groups.SecurityGroups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : [])),
  };
}

const BATCH_FAMILIES: Record<string, readonly string[]> = {
  optimal: ["m6i", "c6i", "r6i", "c7i"],
  default_x86_64: ["m6i", "c6i", "r6i", "c7i"],
  default_arm64: ["m6g", "c6g", "r6g", "c7g"],
};

/** An instance type's vCPUs and memory (MiB), as EC2 states them. */
export interface InstanceSize {
  vcpus: number;
  memoryMiB: number;
}

const sizeOf = (info: InstanceTypeInfo): InstanceSize => ({ vcpus: info.VCpuInfo?.DefaultVCpus ?? 0, memoryMiB: info.MemoryInfo?.SizeInMiB ?? 0 });

/** The instance types behind an environment's `instanceTypes`: types, families, and Batch's own words. */
export async function describeInstanceTypes(client: EC2Client, names: readonly string[], call: AwsCall = "ec2-read"): Promise<Map<string, InstanceSize>> {
  const { DescribeInstanceTypesCommand } = await EC2();
  const exact = names.filter((name) => name.includes("."));
  const families = names.flatMap((name) => (name.includes(".") ? [] : (BATCH_FAMILIES[name] ?? [name])));
  const sizes = new Map<string, InstanceSize>();
  const keep = (infos: InstanceTypeInfo[] | undefined, family: boolean) => {
    // Batch does not launch bare-metal sizes for a family.
    for (const info of infos ?? []) if (info.InstanceType && !(family && info.InstanceType.endsWith(".metal"))) sizes.set(info.InstanceType, sizeOf(info));
  };
  if (exact.length > 0) keep((await withRetries(call, () => client.send(new DescribeInstanceTypesCommand({ InstanceTypes: exact as _InstanceType[] })))).InstanceTypes, false);
  let NextToken: string | undefined;
  while (families.length > 0) {
    const filters = [{ Name: "instance-type", Values: families.map((family) => `${family}.*`) }];
    const page = await withRetries(call, () => client.send(new DescribeInstanceTypesCommand({ Filters: filters, NextToken })));
    keep(page.InstanceTypes, true);
    NextToken = page.NextToken;
    if (!NextToken) break;
  }
  return sizes;
}

/** vCPUs and memory (MiB) of each named instance type EC2 knows; families and `optimal` are not instance types and are left out. */
export function instanceTypeSizes(client: EC2Client, types: readonly string[]): Promise<Map<string, InstanceSize>> {
  return describeInstanceTypes(client, types.filter((type) => type.includes(".")), "setup-read");
}

export interface RootVolume {
  sizeGiB?: number;
  type?: string;
  deleteOnTermination?: boolean;
}

/** The launch template and the root volume of its default version; undefined when there is none by that name. */
export async function readLaunchTemplate(client: EC2Client, name: string): Promise<{ template: LaunchTemplate; root: RootVolume } | undefined> {
  const { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } = await EC2();
  try {
    const found = await withRetries("setup-read", () => client.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] })));
    const template = found.LaunchTemplates?.[0];
    if (!template) return undefined;
    const versions = await withRetries("setup-read", () => client.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: name, Versions: ["$Default"] })));
    const ebs = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.BlockDeviceMappings?.[0]?.Ebs;
    return { template, root: { sizeGiB: ebs?.VolumeSize, type: ebs?.VolumeType, deleteOnTermination: ebs?.DeleteOnTermination } };
  } catch (error) {
    if (awsErrorName(error) === "InvalidLaunchTemplateName.NotFoundException") return undefined;
    throw error;
  }
}

/**
 * A launch template whose instances get a gp3 root volume of `sizeGiB`,
 * deleted with the instance. `/dev/xvda` is the root device of the Amazon
 * Linux ECS-optimized AMIs Batch uses
 * (https://docs.aws.amazon.com/batch/latest/userguide/launch-templates.html).
 */
export async function createLaunchTemplate(client: EC2Client, name: string, sizeGiB: number, tags: Record<string, string>): Promise<void> {
  const { CreateLaunchTemplateCommand } = await EC2();
  await withRetries("setup-change", () => client.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: sizeGiB, VolumeType: "gp3", DeleteOnTermination: true } }] },
      TagSpecifications: [{ ResourceType: "launch-template", Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
    }),
  ));
}

/** The launch templates carrying the tag key, by name. */
export async function taggedLaunchTemplates(client: EC2Client, tagKey: string): Promise<string[]> {
  const { DescribeLaunchTemplatesCommand } = await EC2();
  const answer = await withRetries("setup-read", () => client.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag-key", Values: [tagKey] }] })));
  return (answer.LaunchTemplates ?? []).flatMap((template) => (template.LaunchTemplateName ? [template.LaunchTemplateName] : []));
}

export async function deleteLaunchTemplate(client: EC2Client, name: string): Promise<void> {
  const { DeleteLaunchTemplateCommand } = await EC2();
  await withRetries("setup-change", () => client.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name })));
}
