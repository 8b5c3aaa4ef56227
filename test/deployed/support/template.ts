import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * What `cdk deploy` would create, read from the synthesized template rather than from the CDK
 * code: which function the bucket notifies and which one the HTTP API integrates, their handler,
 * environment, memory and timeout, and the bundle each ships (the asset folder cdk.out uploads).
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON
type Resource = { Type: string; Properties?: Record<string, any> };

/** The account and region of the functions' invocations (./lambda.ts, ./lambda-runner.cjs). */
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export interface DeployedFunction {
  logicalId: string;
  /** `index.handler`: file `index.js` in the asset folder, export `handler`. */
  handler: string;
  runtime: string;
  /** Environment.Variables, with the stack's own resources replaced by their local names. */
  environment: Record<string, string>;
  memorySize: number;
  timeoutSeconds: number;
  /** `cdk.out/asset.<hash>`, the folder that is zipped and uploaded as the function's code. */
  assetDir: string;
}

export interface DeployedStack {
  /** The function S3 notifies for posts/ (Custom::S3BucketNotifications). */
  ingest: DeployedFunction;
  /** The function every HTTP API route integrates with. */
  http: DeployedFunction;
  /** Every route key of the HTTP API (`GET /category/{file}`, …), all integrated with `http`. */
  routeKeys: Set<string>;
  /** Payload format of the HTTP API integration (the event shape `http` receives). */
  payloadFormatVersion: string;
}

/** Local stand-ins for the stack's table and bucket: a function's Refs to them become these names. */
export interface LocalNames {
  table: string;
  bucket: string;
}

export function readDeployedStack(assemblyDir: string, names: LocalNames): DeployedStack {
  const template = JSON.parse(readFileSync(join(assemblyDir, 'PublishingStack.template.json'), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  const resources = Object.entries(template.Resources);
  const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);

  const notifications = ofType('Custom::S3BucketNotifications');
  if (notifications.length !== 1)
    throw new Error(`expected one bucket notification resource, found ${notifications.length}`);
  const [, notification] = notifications[0];
  const contentBucket = notification.Properties!.BucketName.Ref as string;
  const notified = new Set<string>(
    notification.Properties!.NotificationConfiguration.LambdaFunctionConfigurations.map(
      (config: { LambdaFunctionArn: { 'Fn::GetAtt': [string, string] } }) => config.LambdaFunctionArn['Fn::GetAtt'][0],
    ),
  );
  if (notified.size !== 1)
    throw new Error(`expected the bucket to notify one function, found ${[...notified].join(', ')}`);

  const integrations = ofType('AWS::ApiGatewayV2::Integration');
  if (integrations.length !== 1) throw new Error(`expected one HTTP API integration, found ${integrations.length}`);
  const [integrationId, integration] = integrations[0];
  const routes = ofType('AWS::ApiGatewayV2::Route');
  for (const [id, route] of routes) {
    const target = JSON.stringify(route.Properties!.Target);
    if (!target.includes(`"Ref":"${integrationId}"`))
      throw new Error(`route ${id} does not target the function integration`);
  }

  const tables = ofType('AWS::DynamoDB::Table').map(([id]) => id);
  if (tables.length !== 1) throw new Error(`expected one table, found ${tables.length}`);
  const localNames: Record<string, string> = { [tables[0]]: names.table, [contentBucket]: names.bucket };
  // The post schedule group (Ref: its name) and the ARNs of the stack's roles and queues (the
  // scheduler role, the schedule dead-letter queue), which only AWS would call: stand-ins named
  // after the resource, in the account and region the functions run in (./lambda.ts).
  for (const [id] of ofType('AWS::Scheduler::ScheduleGroup')) localNames[id] = `PublishingStack-${id}`;
  const localArns: Record<string, string> = {};
  for (const [id] of ofType('AWS::IAM::Role')) localArns[id] = `arn:aws:iam::${ACCOUNT}:role/PublishingStack-${id}`;
  for (const [id] of ofType('AWS::SQS::Queue')) {
    localArns[id] = `arn:aws:sqs:${REGION}:${ACCOUNT}:PublishingStack-${id}`;
    // A queue's Ref is its URL; the twin points the functions at a stand-in (./sqs-stub.ts).
    localNames[id] = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/PublishingStack-${id}`;
  }
  // The CloudFront distribution's name (the read function's default SITE_URL): AWS's example name.
  const localDomains: Record<string, string> = {};
  for (const [id] of ofType('AWS::CloudFront::Distribution')) localDomains[id] = CLOUDFRONT_DOMAIN;

  const nodeFunctions = ofType('AWS::Lambda::Function').filter(([, fn]) =>
    String(fn.Properties!.Runtime).startsWith('nodejs'),
  );
  const fn = (logicalId: string) => {
    const found = nodeFunctions.find(([id]) => id === logicalId);
    if (!found) throw new Error(`no Node.js function ${logicalId} in the template`);
    return deployedFunction(logicalId, found[1], assemblyDir, localNames, localArns, localDomains);
  };
  const ingest = fn([...notified][0]);
  const http = fn(integration.Properties!.IntegrationUri['Fn::GetAtt'][0]);
  const untested = nodeFunctions.map(([id]) => id).filter((id) => id !== ingest.logicalId && id !== http.logicalId);
  // A new function would ship without a contract test: fail until the suite covers it.
  if (untested.length) throw new Error(`Node.js functions not covered by test/deployed: ${untested.join(', ')}`);

  return {
    ingest,
    http,
    routeKeys: new Set(routes.map(([, route]) => route.Properties!.RouteKey as string)),
    payloadFormatVersion: integration.Properties!.PayloadFormatVersion,
  };
}

function deployedFunction(
  logicalId: string,
  resource: Resource,
  assemblyDir: string,
  localNames: Record<string, string>,
  localArns: Record<string, string>,
  localDomains: Record<string, string>,
): DeployedFunction {
  const props = resource.Properties!;
  const s3Key = String(props.Code?.S3Key ?? '');
  const hash = /^([0-9a-f]{64})\.zip$/.exec(s3Key)?.[1];
  if (!hash) throw new Error(`${logicalId}: Code.S3Key ${JSON.stringify(s3Key)} is not an asset zip`);
  const assetDir = join(assemblyDir, `asset.${hash}`);
  if (!existsSync(assetDir)) throw new Error(`${logicalId}: no asset folder ${assetDir}`);
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries<unknown>(props.Environment?.Variables ?? {})) {
    environment[name] = resolveValue(logicalId, name, value, localNames, localArns, localDomains);
  }
  return {
    logicalId,
    handler: props.Handler,
    runtime: props.Runtime,
    environment,
    // CloudFormation's defaults when the template leaves them out.
    memorySize: props.MemorySize ?? 128,
    timeoutSeconds: props.Timeout ?? 3,
    assetDir,
  };
}

/** The distribution's domain name in the deployed suite: the example name of AWS's CloudFront documentation. */
export const CLOUDFRONT_DOMAIN = 'd111111abcdef8.cloudfront.net';

/**
 * A literal, a Ref to the table, the content bucket or the schedule group (their names), the
 * ARN of a role or a queue of the stack, the distribution's domain name, or a join of these;
 * anything else is refused.
 */
function resolveValue(
  logicalId: string,
  name: string,
  value: unknown,
  localNames: Record<string, string>,
  localArns: Record<string, string>,
  localDomains: Record<string, string>,
): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join)
    return join[1]
      .map((part) => resolveValue(logicalId, name, part, localNames, localArns, localDomains))
      .join(join[0]);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const ref = (value as { Ref?: string } | null)?.Ref;
  if (ref !== undefined && localNames[ref] !== undefined) return localNames[ref];
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt'];
  if (getAtt?.[1] === 'Arn' && localArns[getAtt[0]] !== undefined) return localArns[getAtt[0]];
  if (getAtt?.[1] === 'DomainName' && localDomains[getAtt[0]] !== undefined) return localDomains[getAtt[0]];
  throw new Error(`${logicalId}: environment variable ${name} = ${JSON.stringify(value)} has no local stand-in`);
}
