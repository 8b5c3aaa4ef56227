import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import { PublishingStack } from '../../infra/stack';
import { REPO_ROOT } from '../support/local-stack';

// One configuration: every setting is documented in the README with its default, taken by the
// stack as context and by `npm start` from the environment, and a wrong value stops both,
// naming the setting.

const run = promisify(execFile);

/** Each setting: environment variable, context key, a wrong value, and the default the README must give. */
const SETTINGS = [
  { env: ENV.siteUrl, context: 'siteUrl', wrong: 'news.example.com', readme: "the request's host" },
  { env: ENV.siteTitle, context: 'siteTitle', readme: `\`${DEFAULT_SETTINGS.title}\`` },
  { env: ENV.siteDescription, context: 'siteDescription', readme: `\`${DEFAULT_SETTINGS.description}\`` },
  { env: ENV.siteLanguage, context: 'siteLanguage', wrong: 'Chinese!', readme: `\`${DEFAULT_SETTINGS.language}\`` },
  { env: ENV.idAuthority, context: 'idAuthority', readme: `\`${DEFAULT_SETTINGS.idAuthority}\`` },
  { env: ENV.feedLength, context: 'feedLength', wrong: '0', readme: `\`${DEFAULT_SETTINGS.feedLength}\`` },
  { env: ENV.feedMaxBytes, context: 'feedMaxBytes', wrong: '12', readme: `\`${DEFAULT_SETTINGS.feedMaxBytes}\`` },
  { env: ENV.maxAgeSeconds, context: 'maxAgeSeconds', wrong: '-1', readme: `\`${DEFAULT_SETTINGS.maxAgeSeconds}\`` },
  {
    env: ENV.archiveMaxAgeSeconds,
    context: 'archiveMaxAgeSeconds',
    wrong: 'a day',
    readme: `\`${DEFAULT_SETTINGS.archiveMaxAgeSeconds}\``,
  },
  {
    env: ENV.edgeMaxAgeSeconds,
    context: 'edgeMaxAgeSeconds',
    wrong: '601',
    readme: `\`${DEFAULT_SETTINGS.edgeMaxAgeSeconds}\``,
  },
  {
    env: ENV.feedVersionCacheMs,
    context: 'feedVersionCacheMs',
    wrong: '-1',
    readme: `\`${DEFAULT_SETTINGS.feedVersionCacheMs}\``,
  },
  { env: ENV.websubHub, context: 'websubHub', wrong: 'ftp://hub.example.com', readme: 'none' },
  { env: ENV.feedAliases, context: 'feedAliases', wrong: '/old.xml=/elsewhere.xml', readme: 'none' },
  { env: ENV.displayNames, context: 'displayNames', wrong: 'chengduribao', readme: 'none' },
  { env: ENV.robots, context: 'robots', wrong: 'no', readme: '`allow`' },
  { env: ENV.timeZone, context: 'timeZone', wrong: 'Beijing', readme: "the uploaded `_config.yml`'s `timezone`" },
  {
    env: ENV.maxPostBytes,
    context: 'maxPostBytes',
    wrong: '10',
    readme: `\`${DEFAULT_INGEST_SETTINGS.maxPostBytes}\``,
  },
  { env: ENV.iframeHosts, context: 'iframeHosts', wrong: 'youtube', readme: 'none' },
  { env: ENV.legacyHosts, context: 'legacyHosts', wrong: 'http://old.example.com', readme: 'none' },
];
const CHECKED = SETTINGS.filter((setting) => setting.wrong !== undefined) as Array<
  (typeof SETTINGS)[number] & { wrong: string }
>;

describe('the configuration', () => {
  it('covers every setting the functions read', () => {
    const internal: string[] = [
      ENV.tableName,
      ENV.bucketName,
      ENV.s3Endpoint,
      ENV.dynamoEndpoint,
      ENV.scheduleGroup,
      ENV.scheduleRoleArn,
      ENV.scheduleDlqArn,
      ENV.announceQueueUrl,
    ];
    expect(SETTINGS.map((setting) => setting.env).sort()).toEqual(
      Object.values(ENV)
        .filter((name) => !internal.includes(name))
        .sort(),
    );
  });

  it('is documented in the README: variable, context key and default of each setting', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const setting of SETTINGS) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${setting.env}\` (\`${setting.context}\`) |`));
      expect(row, setting.env).toBeDefined();
      expect(row!.split(' | ')[1], setting.env).toContain(setting.readme);
    }
  });

  it.each(CHECKED)(
    'refuses a wrong $env when the stack is synthesized, naming -c $context',
    ({ context, env, wrong }) => {
      const app = new App({ context: { [context]: wrong, 'aws:cdk:bundling-stacks': [] } });
      expect(() => new PublishingStack(app, 'Invalid')).toThrow(
        new RegExp(`setting ${context} \\(.*-c ${context}=…\\) is invalid: ${env} must`),
      );
    },
  );

  describe('cdk synth and deploy (the app as the cdk CLI runs it)', () => {
    // The cdk CLI hands the app its merged context (cdk.json, cdk.context.json, -c) in CDK_CONTEXT_JSON.
    async function app(context: Record<string, unknown>, cwd: string) {
      try {
        await run(
          process.execPath,
          [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, 'infra/app.ts')],
          {
            cwd,
            env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: join(cwd, 'cdk.out') },
            timeout: 60_000,
          },
        );
        return { code: 0, stderr: '' };
      } catch (error) {
        const failed = error as { code: number; stderr: string };
        return { code: failed.code, stderr: failed.stderr };
      }
    }

    it('refuses a wrong setting in one line naming it and where it was given, with no stack trace', async () => {
      const folder = await mkdtemp(join(tmpdir(), 'cli-configuration-app-'));
      try {
        await writeFile(
          join(folder, 'cdk.json'),
          JSON.stringify({ app: 'unused', context: { throttleRateLimit: -5 } }),
        );
        const [fromCommandLine, fromFile] = await Promise.all([
          app({ feedLength: '0' }, folder),
          app({ throttleRateLimit: -5 }, folder),
        ]);
        expect(fromCommandLine.stderr.trim()).toBe(
          'Setting feedLength is invalid: FEED_LENGTH must be a whole number from 1 to 1000, not "0" (given with -c feedLength=…)',
        );
        expect(fromFile.stderr.trim()).toBe(
          'Setting throttleRateLimit is invalid: must be a positive number, not -5 (given as "throttleRateLimit" in cdk.json)',
        );
        for (const outcome of [fromCommandLine, fromFile]) expect(outcome.code).toBe(1);
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }, 60_000);
  });

  describe('npm start', () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'cli-configuration-'));
    });
    afterAll(() => rm(dataDir, { recursive: true, force: true }));

    // A process each costs ~2 s of CPU: two site settings and one ingest setting stand for the
    // rest, which npm start passes to the same validation (functions/core/settings.ts).
    const STARTED = CHECKED.filter(({ env }) =>
      [ENV.feedMaxBytes, ENV.websubHub, ENV.maxPostBytes].includes(env as never),
    );

    it(`refuses a wrong ${STARTED.map(({ env }) => env).join(', ')} before starting anything, naming it`, async () => {
      const outcomes = await Promise.all(
        STARTED.map(async ({ env, wrong }) => {
          try {
            await run(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
              cwd: REPO_ROOT,
              env: {
                ...process.env,
                PORT: '0',
                S3_PORT: '0',
                DYNAMODB_PORT: '0',
                DATA_DIR: join(dataDir, env),
                [env]: wrong,
              },
              timeout: 30_000,
            });
            return { env, code: 0, stderr: '' };
          } catch (error) {
            const failed = error as { code: number; stderr: string };
            return { env, code: failed.code, stderr: failed.stderr };
          }
        }),
      );
      for (const { env, code, stderr } of outcomes) {
        expect(stderr, env).toMatch(new RegExp(`^npm start failed: ${env} must`, 'm'));
        expect(code, env).toBe(1);
      }
    }, 40_000);

    it('names the setting of a port already in use (PORT, S3_PORT), with no stack trace', async () => {
      const busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      const taken = String((busy.address() as AddressInfo).port);
      try {
        const outcomes = await Promise.all(
          ['PORT', 'S3_PORT'].map(async (setting) => {
            try {
              await run(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
                cwd: REPO_ROOT,
                env: {
                  ...process.env,
                  PORT: '0',
                  S3_PORT: '0',
                  DYNAMODB_PORT: '0',
                  DATA_DIR: join(dataDir, setting),
                  [setting]: taken,
                },
                timeout: 30_000,
              });
              return { setting, code: 0, stderr: '' };
            } catch (error) {
              const failed = error as { code: number; stderr: string };
              return { setting, code: failed.code, stderr: failed.stderr };
            }
          }),
        );
        for (const { setting, code, stderr } of outcomes) {
          expect(stderr, setting).toContain(`npm start failed: port ${taken} (${setting}) is already in use`);
          expect(stderr, setting).toContain(`set ${setting} to a free port`);
          expect(stderr, setting).not.toMatch(/^\s+at /m);
          expect(code, setting).toBe(1);
        }
      } finally {
        busy.close();
      }
    }, 40_000);
  });
});
