import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PublishingStack } from './stack';

const app = new App();

// The CLI sets CDK_DEFAULT_REGION from its own configuration, so an explicit AWS_REGION wins.
// Without either the stack is environment-agnostic.
const region = process.env.AWS_REGION ?? process.env.CDK_DEFAULT_REGION;
new PublishingStack(app, 'PublishingStack', {
  description: 'Serverless publishing: posts uploaded to S3 become pages, feeds and share links',
  env: region ? { region } : undefined,
});

// Synthesis fails on any finding that is neither fixed nor acknowledged on its resource.
// Acknowledgements are also written into the template metadata, for the audit trail.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
