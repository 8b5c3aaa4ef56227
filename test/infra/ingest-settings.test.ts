import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PublishingStack } from '../../infra/stack';

// CloudFormation's built-in validation adds seconds per synth and checks nothing of ours.
process.env.CDK_VALIDATION = 'false';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

function ingestEnvironment(context: Record<string, unknown>): Record<string, unknown> {
  const app = new App({ context: { ...CDK_JSON.context, ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new PublishingStack(app, 'PublishingStack');
  const logicalId = Stack.of(stack).getLogicalId(stack.ingestFunction.node.defaultChild as CfnElement);
  const resource = Template.fromStack(stack).toJSON().Resources[logicalId] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  return resource.Properties.Environment.Variables;
}

describe('ingest settings of the deployed stack', () => {
  it('passes context maxPostBytes and iframeHosts to the ingest function', () => {
    const variables = ingestEnvironment({
      maxPostBytes: '2097152',
      iframeHosts: 'www.youtube.com,player.bilibili.com',
    });
    expect(variables).toEqual(
      expect.objectContaining({ MAX_POST_BYTES: '2097152', IFRAME_HOSTS: 'www.youtube.com,player.bilibili.com' }),
    );
  });

  it('leaves them unset by default, so the function uses 1 MiB and no iframes', () => {
    expect(Object.keys(ingestEnvironment({}))).toEqual(expect.not.arrayContaining(['MAX_POST_BYTES', 'IFRAME_HOSTS']));
  });

  it('stops synth on a wrong value, naming it', () => {
    expect(() => ingestEnvironment({ maxPostBytes: 'lots' })).toThrow(/MAX_POST_BYTES must be a whole number of bytes/);
  });
});
