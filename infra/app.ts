import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidSetting, MissingSetting, PublishingStack } from './stack';

const app = new App();

// The CLI sets CDK_DEFAULT_REGION from its own configuration, so an explicit AWS_REGION wins.
// Without either the stack is environment-agnostic.
const region = process.env.AWS_REGION ?? process.env.CDK_DEFAULT_REGION;
try {
  new PublishingStack(app, 'PublishingStack', {
    description: 'Serverless publishing: posts uploaded to S3 become pages, feeds and share links',
    env: region ? { region } : undefined,
  });
} catch (error) {
  // A wrong setting is the user's to fix: said alone, with where it was given (a stack trace with DEBUG).
  if (!(error instanceof InvalidSetting) || process.env.DEBUG) throw error;
  // A missing setting was given nowhere: its message says what to give.
  if (error instanceof MissingSetting) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(`Setting ${error.key} is invalid: ${error.detail} (given ${whereGiven(error.key)})`);
  process.exit(1);
}

/** CDK hands the app its context merged; a key that cdk.json holds came from there, unless -c overrode it. */
function whereGiven(key: string): string {
  let fromFile: Record<string, unknown> = {};
  try {
    fromFile = (JSON.parse(readFileSync('cdk.json', 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  } catch {
    // No cdk.json here: the value came from the command line.
  }
  const given = app.node.tryGetContext(key);
  return key in fromFile && JSON.stringify(fromFile[key]) === JSON.stringify(given)
    ? `as "${key}" in cdk.json`
    : `with -c ${key}=…`;
}

// Synthesis fails on any finding that is neither fixed nor acknowledged on its resource.
// Acknowledgements are also written into the template metadata, for the audit trail.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
