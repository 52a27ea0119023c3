/**
 * EC2, for the compute environment `setup` creates: the default VPC's subnets
 * and default security group, instance types' sizes, and the launch template
 * that gives instances a bigger root volume.
 *
 * The default VPC is found with DescribeVpcs (`is-default`), not with
 * DescribeAccountAttributes, whose `default-vpc` some implementations leave
 * at `none` (https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html).
 */
import type { EC2Client, LaunchTemplate } from "@aws-sdk/client-ec2";
import { awsErrorName } from "./errors.js";
import { withRetries } from "./retry.js";

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

/** vCPUs and memory (MiB) of each named instance type EC2 knows; families and `optimal` are not instance types and are left out. */
export async function instanceTypeSizes(client: EC2Client, types: readonly string[]): Promise<Map<string, { vcpus: number; memoryMiB: number }>> {
  const { DescribeInstanceTypesCommand } = await EC2();
  const sizes = new Map<string, { vcpus: number; memoryMiB: number }>();
  const exact = types.filter((type) => type.includes("."));
  if (exact.length === 0) return sizes;
  const answer = await withRetries("setup-read", () => client.send(new DescribeInstanceTypesCommand({ InstanceTypes: exact as never[] })));
  for (const type of answer.InstanceTypes ?? []) {
    if (type.InstanceType) sizes.set(type.InstanceType, { vcpus: type.VCpuInfo?.DefaultVCpus ?? 0, memoryMiB: type.MemoryInfo?.SizeInMiB ?? 0 });
  }
  return sizes;
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
