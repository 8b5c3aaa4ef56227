import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { parsePost } from '../../functions/core/parse-post';
import { ingestHandlerFromEnv } from '../../functions/handlers/ingest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { runCli } from '../support/cli';
import { get, removePost, startTestStack, uploadPost } from '../support/local-stack';

// Scheduled posts on the local stack (s3rver, dynalite, the ingest and http handlers, the local
// scheduler's timers): invisible everywhere public until their date, then live within seconds,
// with no further upload; across a restart of the stack too.

const stacks: LocalStack[] = [];
const scratch: string[] = [];
afterAll(async () => {
  for (const stack of stacks) await stack.stop().catch(() => undefined);
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scheduled-'));
  scratch.push(dir);
  return dir;
}

/** `2026-12-03 17:30:05 +0000`, `seconds` from now, whole seconds. */
function dateIn(seconds: number): { text: string; instant: number } {
  const instant = Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;
  const iso = new Date(instant).toISOString();
  return { text: `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000`, instant };
}

function post(title: string, date: string, category: string, infoCode: string): string {
  return `---\ntitle: ${title}\ndate: ${date}\ncategories: ${category}\ninfoCode: ${infoCode}\n---\n${title}的正文。\n`;
}

/** Every public place the post could show: its page, its legacy link, its category's page and feeds, the site's feeds, home, OPML. */
async function visibility(stack: LocalStack, { path, title, category, infoCode }: Record<string, string>) {
  const text = async (p: string) => {
    const response = await get(stack, p);
    return { status: response.status, body: await response.text() };
  };
  const [page, legacy, list, feed, site, home, opml, news] = await Promise.all([
    text(encodeURI(path)),
    text(`/html_News/NewsShare.html?infoCode=${infoCode}`),
    text(`/category/${category}.html`),
    text(`/category/${category}.rss`),
    text('/feed.atom'),
    text('/'),
    text('/feeds.opml'),
    text('/news-sitemap.xml'),
  ]);
  return {
    page: page.status,
    legacy: legacy.status,
    list: list.status,
    feed: feed.status,
    inSiteFeed: site.body.includes(title),
    onHome: home.body.includes(title),
    inOpml: opml.body.includes(`/category/${category}.rss`),
    inNewsSitemap: news.body.includes(encodeURI(path)),
  };
}

const HIDDEN = {
  page: 404,
  legacy: 404,
  list: 404,
  feed: 404,
  inSiteFeed: false,
  onHome: false,
  inOpml: false,
  inNewsSitemap: false,
};
const SHOWN = {
  page: 200,
  legacy: 301,
  list: 200,
  feed: 200,
  inSiteFeed: true,
  onHome: true,
  inOpml: true,
  inNewsSitemap: true,
};

/** Polls until the post's page answers 200; answers when it did. */
async function waitForPage(stack: LocalStack, path: string, limitMs: number): Promise<number> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if ((await get(stack, encodeURI(path))).status === 200) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${path} was not published within ${limitMs} ms`);
}

describe('a post dated 20 s ahead', () => {
  it('is public nowhere until its instant, and everywhere within 5 s after it, with no further upload', async () => {
    const stack = await startTestStack();
    stacks.push(stack);
    const { text: date, instant } = dateIn(20);
    const key = 'posts/embargo.md';
    const body = post('禁发稿件', date, 'embargo', 'NWEMBARGO0001');
    const { path } = (parsePost(key, body, { now: '' }) as { post: { path: string } }).post;
    const where = { path, title: '禁发稿件', category: 'embargo', infoCode: 'NWEMBARGO0001' };
    await uploadPost(stack, key, body);
    expect((await stack.store.getSourceState(key))?.status).toBe('scheduled');
    expect(await visibility(stack, where)).toEqual(HIDDEN);
    // Listed with its time, locally and against a deployed table (cdk-outputs.json, the SDK's endpoint variable).
    const local = await runCli(stack, 'scheduled');
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(
      new RegExp(
        `^1 scheduled post in .*:\\n\\n  ${new Date(instant).toISOString().replace('.000Z', 'Z')}  ${key}  \\(in \\d+ s\\)\\n$`,
      ),
    );
    const outputs = join(await scratchDir(), 'cdk-outputs.json');
    await writeFile(
      outputs,
      JSON.stringify({ PublishingStack: { PostsTableName: stack.tableName, ContentBucketName: 'unused' } }),
    );
    const aws = await runCli(stack, 'scheduled', ['--outputs', outputs, '--json'], {
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    expect(
      aws.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ key, publishAt: new Date(instant).toISOString().replace('.000Z', 'Z') }]);
    // Still hidden a moment before the instant.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - Date.now() - 2000)));
    expect(await visibility(stack, where)).toEqual(HIDDEN);
    const liveAt = await waitForPage(stack, path, instant - Date.now() + 10_000);
    expect(liveAt).toBeGreaterThanOrEqual(instant);
    expect(liveAt - instant, 'published within 5 s of its instant').toBeLessThanOrEqual(5000);
    await stack.idle();
    expect(await visibility(stack, where)).toEqual(SHOWN);
  }, 60_000);
});

describe('moved twice, then deleted, while scheduled', () => {
  it('leaves exactly what the last file says, a late duplicate of the first event included', async () => {
    const stack = await startTestStack();
    stacks.push(stack);
    const key = 'posts/moved.md';
    const where = { path: '/moved/x.html', title: '改期稿件', category: 'moved', infoCode: 'NWMOVED0001' };
    await uploadPost(stack, key, post('改期稿件', dateIn(4).text, 'moved', 'NWMOVED0001'));
    await uploadPost(stack, key, post('改期稿件', dateIn(30).text, 'moved', 'NWMOVED0001'));
    await uploadPost(stack, key, post('改期稿件', dateIn(6).text, 'moved', 'NWMOVED0001'));
    await removePost(stack, key);
    // The first upload's event again, late (S3 delivers at least once, in any order): older than the delete.
    const handler = ingestHandlerFromEnv(stack.functionEnv, stack.readPost, stack.scheduler);
    const late = await handler(s3Event(key, '0000000000000001A0'));
    expect(late).toMatchObject([{ result: 'skipped' }]);
    expect((await stack.store.getSourceState(key))?.status).toBe('deleted');
    // Past every date the versions named: nothing of the key went live.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    await stack.idle();
    expect((await stack.store.getSourceState(key))?.status).toBe('deleted');
    expect(await stack.store.getPost('NWMOVED0001')).toBeUndefined();
    expect(await visibility(stack, where)).toEqual(HIDDEN);
  }, 60_000);
});

/** An ObjectCreated:Put record as S3 sends it (the S3 User Guide's event message structure). */
function s3Event(key: string, sequencer: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'content' }, object: { key, size: 100, eTag: 'x', sequencer } },
      },
    ],
  } as unknown as S3Event;
}

describe('restarting the stack', () => {
  it('publishes a post scheduled before the restart on time, and one whose time passed while it was down at start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'scheduled-restart-'));
    scratch.push(dataDir);
    const start = () =>
      startLocalStack({
        dataDir,
        port: 0,
        s3Port: 0,
        dynamoPort: 0,
        env: { [ENV.feedVersionCacheMs]: '0' },
        onError: () => {},
      });
    const first = await start();
    const soon = dateIn(3);
    const later = dateIn(12);
    const soonBody = post('停机期间到期', soon.text, 'restart', 'NWRESTART0001');
    const laterBody = post('重启之后到期', later.text, 'restart', 'NWRESTART0002');
    await uploadPost(first, 'posts/soon.md', soonBody);
    await uploadPost(first, 'posts/later.md', laterBody);
    await first.stop();
    // Down past the first one's instant.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, soon.instant - Date.now() + 1000)));
    const second = await start();
    stacks.push(second);
    const soonPath = (parsePost('posts/soon.md', soonBody, { now: '' }) as { post: { path: string } }).post.path;
    const laterPath = (parsePost('posts/later.md', laterBody, { now: '' }) as { post: { path: string } }).post.path;
    const soonAt = await waitForPage(second, soonPath, 5000);
    expect(soonAt).toBeGreaterThan(soon.instant);
    expect((await get(second, encodeURI(laterPath))).status).toBe(404);
    const laterAt = await waitForPage(second, laterPath, later.instant - Date.now() + 10_000);
    expect(laterAt).toBeGreaterThanOrEqual(later.instant);
    expect(laterAt - later.instant).toBeLessThanOrEqual(5000);
  }, 60_000);
});
