/**
 * `npm run deploy [-- cdk options]`: `cdk deploy --outputs-file cdk-outputs.json`, the file
 * `npm run upload -- --aws`, `npm run errors -- --aws` and `npm run reindex -- --aws` read;
 * then says where the site is and how to publish to it. Extra arguments go to `cdk deploy`
 * (`-c siteTitle=…`, `--require-approval never`, `--profile NAME`).
 */
import { spawn } from 'node:child_process';
import { OUTPUTS_FILE, readOutputs } from './target';

async function main(): Promise<number> {
  const args = ['deploy', '--outputs-file', OUTPUTS_FILE, ...process.argv.slice(2)];
  console.log(`cdk ${args.join(' ')}`);
  // `cdk` as npm scripts find it: node_modules/.bin comes first on their PATH.
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('cdk', args, { stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
  if (code !== 0) return code;

  const outputs = readOutputs(OUTPUTS_FILE);
  if (!outputs?.ApiUrl || !outputs.ContentBucketName) return 0;
  const site = outputs.ApiUrl.replace(/\/?$/, '/');
  console.log(`\nSite:       ${site}`);
  console.log(`Subscribe:  ${site}feeds.opml  (every category and tag feed, for a feed reader)`);
  console.log(`Publish:    npm run upload -- _posts --aws   (bucket ${outputs.ContentBucketName})`);
  console.log('Refusals:   npm run errors -- --aws');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'cdk not found: run it as `npm run deploy` after `npm ci` (aws-cdk is a dev dependency)'
      : error instanceof Error ? error.message : String(error);
    console.error(`npm run deploy: ${message}`);
    process.exit(1);
  },
);
