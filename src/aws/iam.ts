/**
 * IAM, for the roles, policies, instance profile and users' group `setup`
 * creates, `check-setup` reads and `teardown` removes, and the policy
 * simulator. A name that does not exist reads as undefined.
 *
 * IAM returns policy documents URL-encoded
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html);
 * they are decoded here. A policy is deleted only after it is detached from
 * everything and its other versions are deleted
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html).
 */
import type { IAMClient, Tag } from "@aws-sdk/client-iam";
import { awsErrorName } from "./errors.js";
import { withRetries } from "./retry.js";

const IAM = () => import("@aws-sdk/client-iam");

export type PolicyDocument = { Version: string; Statement: readonly unknown[] };
export type Tags = Record<string, string>;

export interface RoleFound {
  arn: string;
  /** The services its trust policy lets assume it. */
  trustedServices: string[];
  policyArns: string[];
  tags: Tags;
}

export interface PolicyFound {
  arn: string;
  document: unknown;
  tags: Tags;
}

const tagList = (tags: Tags): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagMap = (tags: readonly Tag[] | undefined): Tags => Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));

/** IAM's URL-encoded JSON, read. */
export function decodeDocument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const json = text.trimStart().startsWith("{") ? text : decodeURIComponent(text);
  return JSON.parse(json) as unknown;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (awsErrorName(error) === "NoSuchEntity" || awsErrorName(error) === "NoSuchEntityException") return undefined;
    throw error;
  }
}

export function policyArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:policy/${name}`;
}

export function trustPolicy(service: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] };
}

function trustedServices(document: unknown): string[] {
  const statements = (document as { Statement?: { Principal?: { Service?: string | string[] } }[] } | undefined)?.Statement ?? [];
  return statements.flatMap((statement) => [statement.Principal?.Service ?? []].flat());
}

export async function readRole(client: IAMClient, name: string): Promise<RoleFound | undefined> {
  const { GetRoleCommand, ListAttachedRolePoliciesCommand } = await IAM();
  return orUndefined(async () => {
    const role = (await withRetries("setup-read", () => client.send(new GetRoleCommand({ RoleName: name })))).Role;
    const attached = await withRetries("setup-read", () => client.send(new ListAttachedRolePoliciesCommand({ RoleName: name })));
    return {
      arn: role?.Arn ?? "",
      trustedServices: trustedServices(decodeDocument(role?.AssumeRolePolicyDocument)),
      policyArns: (attached.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : [])),
      tags: tagMap(role?.Tags),
    };
  });
}

export async function createRole(client: IAMClient, name: string, service: string, tags: Tags): Promise<void> {
  const { CreateRoleCommand } = await IAM();
  await withRetries("setup-change", () => client.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trustPolicy(service)), Tags: tagList(tags) })));
}

export async function attachRolePolicy(client: IAMClient, role: string, arn: string): Promise<void> {
  const { AttachRolePolicyCommand } = await IAM();
  await withRetries("setup-change", () => client.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn })));
}

export async function readPolicy(client: IAMClient, arn: string): Promise<PolicyFound | undefined> {
  const { GetPolicyCommand, GetPolicyVersionCommand } = await IAM();
  return orUndefined(async () => {
    const policy = (await withRetries("setup-read", () => client.send(new GetPolicyCommand({ PolicyArn: arn })))).Policy;
    const version = await withRetries("setup-read", () => client.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy?.DefaultVersionId })));
    return { arn, document: decodeDocument(version.PolicyVersion?.Document), tags: tagMap(policy?.Tags) };
  });
}

export async function createPolicy(client: IAMClient, name: string, document: PolicyDocument, tags: Tags): Promise<void> {
  const { CreatePolicyCommand } = await IAM();
  await withRetries("setup-change", () => client.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify(document), Tags: tagList(tags) })));
}

export async function readInstanceProfile(client: IAMClient, name: string): Promise<{ arn: string; roles: string[]; tags: Tags } | undefined> {
  const { GetInstanceProfileCommand } = await IAM();
  return orUndefined(async () => {
    const profile = (await withRetries("setup-read", () => client.send(new GetInstanceProfileCommand({ InstanceProfileName: name })))).InstanceProfile;
    return { arn: profile?.Arn ?? "", roles: (profile?.Roles ?? []).flatMap((role) => (role.RoleName ? [role.RoleName] : [])), tags: tagMap(profile?.Tags) };
  });
}

export async function createInstanceProfile(client: IAMClient, name: string, role: string, tags: Tags): Promise<void> {
  const { CreateInstanceProfileCommand, AddRoleToInstanceProfileCommand } = await IAM();
  if ((await readInstanceProfile(client, name)) === undefined) await withRetries("setup-change", () => client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tagList(tags) })));
  await withRetries("setup-change", () => client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: role })));
}

/** The group's attached policies (ARNs); undefined when there is no such group. */
export async function readGroup(client: IAMClient, name: string): Promise<string[] | undefined> {
  const { GetGroupCommand, ListAttachedGroupPoliciesCommand } = await IAM();
  return orUndefined(async () => {
    await withRetries("setup-read", () => client.send(new GetGroupCommand({ GroupName: name })));
    const attached = await withRetries("setup-read", () => client.send(new ListAttachedGroupPoliciesCommand({ GroupName: name })));
    return (attached.AttachedPolicies ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : []));
  });
}

/** IAM groups take no tags (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html). */
export async function createGroup(client: IAMClient, name: string): Promise<void> {
  const { CreateGroupCommand } = await IAM();
  await withRetries("setup-change", () => client.send(new CreateGroupCommand({ GroupName: name })));
}

export async function attachGroupPolicy(client: IAMClient, group: string, arn: string): Promise<void> {
  const { AttachGroupPolicyCommand } = await IAM();
  await withRetries("setup-change", () => client.send(new AttachGroupPolicyCommand({ GroupName: group, PolicyArn: arn })));
}

/** Detaches every managed policy, takes the role out of its instance profiles, then deletes it. */
export async function deleteRole(client: IAMClient, name: string): Promise<void> {
  const { ListAttachedRolePoliciesCommand, DetachRolePolicyCommand, ListInstanceProfilesForRoleCommand, RemoveRoleFromInstanceProfileCommand, DeleteRoleCommand } = await IAM();
  const attached = await withRetries("setup-read", () => client.send(new ListAttachedRolePoliciesCommand({ RoleName: name })));
  for (const policy of attached.AttachedPolicies ?? []) await withRetries("setup-change", () => client.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policy.PolicyArn })));
  const profiles = await withRetries("setup-read", () => client.send(new ListInstanceProfilesForRoleCommand({ RoleName: name })));
  for (const profile of profiles.InstanceProfiles ?? []) {
    await withRetries("setup-change", () => client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile.InstanceProfileName, RoleName: name })));
  }
  await withRetries("setup-change", () => client.send(new DeleteRoleCommand({ RoleName: name })));
}

export async function deleteInstanceProfile(client: IAMClient, name: string): Promise<void> {
  const { RemoveRoleFromInstanceProfileCommand, DeleteInstanceProfileCommand } = await IAM();
  for (const role of (await readInstanceProfile(client, name))?.roles ?? []) {
    await withRetries("setup-change", () => client.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role })));
  }
  await withRetries("setup-change", () => client.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name })));
}

/** Detaches the policy from every role, group and user, deletes its other versions, then the policy. */
export async function deletePolicy(client: IAMClient, arn: string): Promise<void> {
  const iam = await IAM();
  const entities = await withRetries("setup-read", () => client.send(new iam.ListEntitiesForPolicyCommand({ PolicyArn: arn })));
  for (const role of entities.PolicyRoles ?? []) await withRetries("setup-change", () => client.send(new iam.DetachRolePolicyCommand({ RoleName: role.RoleName, PolicyArn: arn })));
  for (const group of entities.PolicyGroups ?? []) await withRetries("setup-change", () => client.send(new iam.DetachGroupPolicyCommand({ GroupName: group.GroupName, PolicyArn: arn })));
  for (const user of entities.PolicyUsers ?? []) await withRetries("setup-change", () => client.send(new iam.DetachUserPolicyCommand({ UserName: user.UserName, PolicyArn: arn })));
  const versions = await withRetries("setup-read", () => client.send(new iam.ListPolicyVersionsCommand({ PolicyArn: arn })));
  for (const version of versions.Versions ?? []) {
    if (!version.IsDefaultVersion) await withRetries("setup-change", () => client.send(new iam.DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: version.VersionId })));
  }
  await withRetries("setup-change", () => client.send(new iam.DeletePolicyCommand({ PolicyArn: arn })));
}

/** Removes the group's users and policies, then the group. */
export async function deleteGroup(client: IAMClient, name: string): Promise<void> {
  const iam = await IAM();
  const group = await withRetries("setup-read", () => client.send(new iam.GetGroupCommand({ GroupName: name })));
  for (const user of group.Users ?? []) await withRetries("setup-change", () => client.send(new iam.RemoveUserFromGroupCommand({ GroupName: name, UserName: user.UserName })));
  for (const arn of (await readGroup(client, name)) ?? []) await withRetries("setup-change", () => client.send(new iam.DetachGroupPolicyCommand({ GroupName: name, PolicyArn: arn })));
  await withRetries("setup-change", () => client.send(new iam.DeleteGroupCommand({ GroupName: name })));
}

/** What IAM's policy simulator decides for each action the principal would take on the resources: "allowed", else its decision. */
export async function simulate(client: IAMClient, principalArn: string, actions: readonly string[], resources: readonly string[]): Promise<Map<string, string>> {
  const { SimulatePrincipalPolicyCommand } = await IAM();
  const answer = await withRetries("setup-read", () => client.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principalArn, ActionNames: [...actions], ResourceArns: [...resources] })));
  return new Map((answer.EvaluationResults ?? []).map((result) => [result.EvalActionName ?? "", result.EvalDecision ?? ""]));
}
