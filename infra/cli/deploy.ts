/**
 * `npm run deploy [-- cdk options]`: `cdk deploy --outputs-file cdk-outputs.json`, the file
 * `npm run upload -- --aws`, `npm run errors -- --aws` and `npm run reindex -- --aws` read;
 * then says where the site is and how to publish to it. Extra arguments go to `cdk deploy`
 * (`-c siteTitle=…`, `--require-approval never`, `--profile NAME`).
 */
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsSetupProblem, OUTPUTS_FILE, readOutputs } from './target';

/**
 * The region and credentials cdk will need, resolved first as the SDK resolves them (with the
 * profile given to cdk, if any): their absence is said in one line naming what to set, not in
 * CDK's "Unable to resolve AWS account to use" after a synth.
 */
async function awsConfigurationProblem(cdkArgs: string[]): Promise<string | undefined> {
  const profile = cdkArgs.indexOf('--profile');
  if (profile >= 0 && cdkArgs[profile + 1]) process.env.AWS_PROFILE = cdkArgs[profile + 1];
  const client = new DynamoDBClient({});
  try {
    await client.config.region();
    await client.config.credentials();
    return undefined;
  } catch (error) {
    return awsSetupProblem(error) ?? (error instanceof Error ? error.message : String(error));
  } finally {
    client.destroy();
  }
}

async function main(): Promise<number> {
  const problem = await awsConfigurationProblem(process.argv.slice(2));
  if (problem) {
    console.error(`npm run deploy: ${problem}`);
    return 1;
  }
  const args = ['deploy', '--outputs-file', OUTPUTS_FILE, ...process.argv.slice(2)];
  console.log(`cdk ${args.join(' ')}`);
  // `cdk` as npm scripts find it: node_modules/.bin comes first on their PATH.
  // cdk's errors go to the terminal as they come, and are read for the one it cannot explain well.
  let errors = '';
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('cdk', args, { stdio: ['inherit', 'inherit', 'pipe'], shell: process.platform === 'win32' });
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      errors = (errors + chunk.toString('utf8')).slice(-65_536);
    });
    child.on('error', reject);
    child.on('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) {
    // CDK's words when the account and region were never bootstrapped: "SSM parameter
    // /cdk-bootstrap/hnb659fds/version not found[ in aws://ACCOUNT/REGION]. Has the environment
    // been bootstrapped?" (AWS CDK Developer Guide, Bootstrapping), often after it failed to
    // assume "arn:aws:iam::ACCOUNT:role/cdk-hnb659fds-deploy-role-ACCOUNT-REGION".
    if (/cdk-bootstrap\/[^/\s]+\/version not found|Has the environment been bootstrapped/i.test(errors)) {
      const named = /aws:\/\/(\d{12})\/([a-z0-9-]+)/.exec(errors) ?? /deploy-role-(\d{12})-([a-z0-9-]+)'/.exec(errors);
      const environment = named ? `aws://${named[1]}/${named[2]}` : undefined;
      const command = environment
        ? `npx cdk bootstrap ${environment}`
        : 'npx cdk bootstrap   (the account of your credentials, in your region)';
      console.error(
        `\nnpm run deploy: this account and region are not bootstrapped for CDK. Once per account and region, run:\n  ${command}\nthen npm run deploy again.`,
      );
    }
    return code;
  }

  const outputs = readOutputs(OUTPUTS_FILE);
  const address = outputs?.SiteUrl ?? outputs?.ApiUrl;
  if (!address || !outputs?.ContentBucketName) return 0;
  const site = address.replace(/\/?$/, '/');
  console.log(`\nSite:       ${site}`);
  if (outputs.SiteUrl && outputs.ApiUrl)
    console.log(`API:        ${outputs.ApiUrl} (behind CloudFront; for debugging)`);
  console.log(`Subscribe:  ${site}feeds.opml  (every category and tag feed, for a feed reader)`);
  console.log(`Publish:    npm run upload -- _posts --aws   (bucket ${outputs.ContentBucketName})`);
  console.log('Refusals:   npm run errors -- --aws');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'cdk not found: run it as `npm run deploy` after `npm ci` (aws-cdk is a dev dependency)'
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(`npm run deploy: ${message}`);
    process.exit(1);
  },
);
