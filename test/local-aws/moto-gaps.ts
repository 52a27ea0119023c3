// The few answers the stack gives where moto 5.2 falls short of AWS:
//
//  - IAM ListInstanceProfileTags, which moto does not implement although it
//    keeps the tags (GetInstanceProfile shows them): answered from those;
//  - any query-protocol operation moto does not implement (IAM
//    SimulatePrincipalPolicy among them) makes moto answer 500 with an HTML
//    page the SDKs cannot parse: answered 501 NotImplemented in the query
//    protocol's own error shape instead, so a client sees a typed error.
import type { FaultResponse } from "./faults.js";

const IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";

/** ListInstanceProfileTags' answer, built from moto's GetInstanceProfile answer. */
export function instanceProfileTagsAnswer(getInstanceProfileXml: string, requestId: string): string {
  const profile = /<InstanceProfile>[\s\S]*<\/InstanceProfile>/.exec(getInstanceProfileXml)?.[0] ?? "";
  // The profile's own <Tags> follow its <Roles>, whose roles may carry tags too.
  const tags = /<\/Roles>\s*<Tags>([\s\S]*?)<\/Tags>/.exec(profile)?.[1] ?? "";
  return (
    `<ListInstanceProfileTagsResponse xmlns="${IAM_NAMESPACE}"><ListInstanceProfileTagsResult>` +
    `<IsTruncated>false</IsTruncated><Tags>${tags}</Tags></ListInstanceProfileTagsResult>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListInstanceProfileTagsResponse>`
  );
}

/** What the stack answers instead of moto's HTML page for an operation moto lacks. */
export function notImplemented(service: string | undefined, operation: string | undefined): FaultResponse {
  const message = `local-aws: moto does not implement ${service ?? "this service"}:${operation ?? "this operation"}`;
  const body =
    service === "ec2"
      ? `<Response><Errors><Error><Code>NotImplemented</Code><Message>${message}</Message></Error></Errors><RequestID>local-aws</RequestID></Response>`
      : `<ErrorResponse><Error><Type>Receiver</Type><Code>NotImplemented</Code><Message>${message}</Message></Error><RequestId>local-aws</RequestId></ErrorResponse>`;
  return { status: 501, headers: { "content-type": "text/xml" }, body };
}
