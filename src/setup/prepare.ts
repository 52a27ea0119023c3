/**
 * What `setup` works out before changing anything: whose account it is,
 * the network (the default VPC's, unless subnets and security groups are
 * given), the wanted resources and, for each, what exists.
 */
import type { AwsClients } from "../aws/clients.js";
import { defaultNetwork } from "../aws/ec2.js";
import { callerIdentity } from "../aws/sts.js";
import type { Settings } from "../config/resolve.js";
import { waysToSet } from "../config/explain.js";
import { SETTINGS } from "../config/settings.js";
import { UserError } from "../errors.js";
import { observe } from "./observe.js";
import { compare, desiredResources, type PlanItem } from "./plan.js";
import { desiredSpec, type Network, type SetupSpec } from "./spec.js";

export interface Prepared {
  account: string;
  spec: SetupSpec;
  plan: PlanItem[];
}

export class NoDefaultVpc extends UserError {
  constructor(region: string) {
    super(
      `Region ${region} has no default VPC, so there are no default subnets for the compute environment.`,
      `Give the subnets (${waysToSet(SETTINGS.subnets)}) and security groups (${waysToSet(SETTINGS.securityGroups)}) to use\n` +
        `(or create a default VPC: aws ec2 create-default-vpc --region ${region}).`,
    );
  }
}

async function network(settings: Settings, aws: AwsClients): Promise<Network> {
  const subnets = settings.subnets.value;
  const securityGroups = settings.securityGroups.value;
  if (subnets !== undefined && securityGroups !== undefined) return { subnets, securityGroups };
  const found = await defaultNetwork(await aws.ec2());
  if (found === undefined) throw new NoDefaultVpc(aws.region);
  return { subnets: subnets ?? found.subnets, securityGroups: securityGroups ?? found.securityGroups };
}

export async function prepareSetup(settings: Settings, aws: AwsClients, version: string): Promise<Prepared> {
  const { account } = await callerIdentity(await aws.sts());
  const spec = desiredSpec(settings, { account, version, network: await network(settings, aws) });
  const resources = desiredResources(spec);
  const observed = await Promise.all(resources.map((resource) => observe(resource, spec, aws)));
  return { account, spec, plan: resources.map((resource, at) => compare(resource, observed[at])) };
}
