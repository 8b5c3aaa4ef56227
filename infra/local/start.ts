/**
 * `npm start`: the whole system on this machine. Starts the local stack, publishes
 * content/posts/ into its bucket, prints the URLs worth opening, runs until Ctrl-C.
 *
 * Settings (environment): PORT (3000), S3_PORT (4569), DYNAMODB_PORT (4567),
 * DATA_DIR (.data), CONTENT_DIR (content), and the site settings listed in the README.
 */
import { resolve } from 'node:path';
import { setLogSink } from '../../functions/adapters/logger';
import { listObjects, s3ObjectReader } from '../../functions/adapters/s3-objects';
import { ENV, POSTS_PREFIX } from '../../functions/config-names';
import type { FeedRef } from '../../functions/core/post';
import { describeSummary, reindex } from '../../functions/core/reindex';
import { absoluteUrl, FEED_FORMATS, feedPagePath, feedPath, shareLinkPath } from '../../functions/core/urls';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { dataPaths } from './emulators';
import { startLocalStack } from './local-stack';
import { syncContent } from './sync-content';

// The SDK warns on Node 20 at every start; it is not something a user of this command can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The tags with the most posts that the welcome lists (all of them are in the OPML). */
const TAGS_SHOWN = 5;

function port(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number from 0 to 65535, not "${text}"`);
    process.exit(2);
  }
  return value;
}

// Every setting the stack takes as context (infra/stack.ts), so both run with the same configuration.
const SITE_SETTINGS = [
  ENV.siteUrl,
  ENV.siteTitle,
  ENV.siteDescription,
  ENV.siteLanguage,
  ENV.idAuthority,
  ENV.feedLength,
  ENV.feedMaxBytes,
  ENV.maxAgeSeconds,
  ENV.archiveMaxAgeSeconds,
  ENV.edgeMaxAgeSeconds,
  ENV.feedVersionCacheMs,
  ENV.websubHub,
  ENV.feedAliases,
  ENV.displayNames,
  ENV.robots,
  ENV.timeZone,
];

const INGEST_SETTINGS = [ENV.maxPostBytes, ENV.iframeHosts, ENV.legacyHosts, ENV.timeZone];

/** A port already taken, said with the setting that chose it (the emulators report it as text from their threads). */
function portInUse(error: unknown, ports: Record<string, number>): Error | undefined {
  const taken = /EADDRINUSE\b.*?:(\d+)\b/.exec(error instanceof Error ? error.message : String(error));
  const setting = taken && Object.entries(ports).find(([, value]) => value === Number(taken[1]))?.[0];
  if (!setting) return undefined;
  return new Error(
    `port ${taken[1]} (${setting}) is already in use, perhaps by another npm start: stop it, or set ${setting} to a free port (${setting}=0 takes any)`,
  );
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.DATA_DIR || '.data');
  const contentDir = resolve(process.env.CONTENT_DIR || 'content');
  const env: Record<string, string> = {};
  for (const name of [...SITE_SETTINGS, ...INGEST_SETTINGS]) if (process.env[name]) env[name] = process.env[name]!;

  setLogSink((level, message, fields) => {
    if (message === 'post refused') console.log(`  refused   ${fields.key}: ${fields.error}`);
    else if (message.startsWith('post '))
      console.log(
        `  ${String(fields.result).padEnd(9)} ${fields.key}${fields.path ? ` → ${fields.path}` : ''}${fields.reason ? ` (${fields.reason})` : ''}`,
      );
    else (level === 'error' ? console.error : console.log)(`  ${level}: ${message} ${JSON.stringify(fields)}`);
  });

  console.log(`Starting the local stack (data in ${dataDir})…`);
  const ports = {
    PORT: port('PORT', 3000),
    S3_PORT: port('S3_PORT', 4569),
    DYNAMODB_PORT: port('DYNAMODB_PORT', 4567),
  };
  const stack = await startLocalStack({
    dataDir,
    port: ports.PORT,
    s3Port: ports.S3_PORT,
    dynamoPort: ports.DYNAMODB_PORT,
    env,
  }).catch((error: unknown) => {
    throw portInUse(error, ports) ?? error;
  });
  // Damaged objects (an upload cut short by a crash) were moved out of the bucket, not deleted.
  if (stack.setAside.length > 0) {
    console.log(
      `  ${stack.setAside.length} damaged object(s) set aside in ${dataPaths(dataDir).s3Damaged} (moved there, not deleted):`,
    );
    for (const object of stack.setAside) console.log(`  set aside ${object.bucket}/${object.key}: ${object.reason}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the emulators…`);
    await stack.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  console.log(`Publishing ${contentDir}/posts …`);
  const synced = await syncContent({
    s3: stack.s3,
    bucket: stack.bucket,
    contentDir,
    manifestFile: dataPaths(dataDir).contentManifest,
  });
  await stack.idle();
  console.log(
    `  ${synced.uploaded.length} uploaded, ${synced.unchanged.length} unchanged, ${synced.deleted.length} deleted`,
  );

  // Events lost when the stack stopped abruptly, and objects written while it was down, leave
  // the table behind the bucket: the same reconciliation as `npm run reindex` catches up.
  const reconciled = await reindex({
    store: stack.store,
    listObjects: () => listObjects(stack.s3, stack.bucket, POSTS_PREFIX),
    readObject: s3ObjectReader(stack.s3, stack.bucket),
    // Within the same budget as ingest: no one object can stop the start.
    readPost: stack.readPost,
    settings: ingestSettingsFromEnv(stack.functionEnv),
  });
  console.log(`  Reconciled the table with the bucket: ${describeSummary(reconciled)}`);

  const failures = await stack.store.listFailedSources();
  for (const failure of failures) console.log(`  ! ${failure.key}: ${failure.error}`);

  // Addresses that open here; with SITE_URL set, the public ones they stand for are said once.
  const base = stack.url;
  const publicUrl = process.env[ENV.siteUrl];
  const categories = await stack.store.listNames('category');
  const tags = (await stack.store.listNames('tag')).sort((a, b) => b.count - a.count).slice(0, TAGS_SHOWN);
  const [newest] = await stack.store.queryFeed({ kind: 'site' }, 1);
  const feeds = (ref: FeedRef) => FEED_FORMATS.map((format) => absoluteUrl(base, feedPath(ref, format))).join('  ');
  console.log(`\nSite:        ${base}/`);
  if (publicUrl)
    console.log(`             stands for ${publicUrl.replace(/\/+$/, '')}/ (SITE_URL), where pages and feeds link`);
  console.log(`Subscribe:   ${base}/feeds.opml  (every category and tag feed, for a feed reader)`);
  console.log(`All posts:   ${feeds({ kind: 'site' })}`);
  for (const { name, count } of categories) {
    const ref = { kind: 'category', name } as const;
    console.log(`Category ${name} (${count}): ${absoluteUrl(base, feedPagePath(ref))}`);
    console.log(`  feeds: ${feeds(ref)}`);
  }
  for (const { name, count } of tags) {
    const ref = { kind: 'tag', name } as const;
    console.log(`Tag ${name} (${count}): ${absoluteUrl(base, feedPagePath(ref))}`);
    console.log(`  feeds: ${feeds(ref)}`);
  }
  if (newest) console.log(`Share link:  ${absoluteUrl(base, shareLinkPath(newest.shortCode))}  (${newest.title})`);
  const seed = await stack.store.getShareLink('NW202201122244036113');
  if (seed) console.log(`Legacy link: ${base}/html_News/NewsShare.html?infoCode=NW202201122244036113`);
  console.log(
    `\nS3 endpoint: ${stack.s3Endpoint}  bucket: ${stack.bucket}  (credentials S3RVER/S3RVER, path-style; keys under posts/)`,
  );
  console.log(
    `  e.g. AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${stack.s3Endpoint} s3 cp my-post.md s3://${stack.bucket}/posts/`,
  );
  console.log('Ready. Press Ctrl-C to stop.');
}

main().catch((error) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
