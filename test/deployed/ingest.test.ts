import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../functions/core/ingest';
import { encodePath } from '../../functions/core/urls';
import { REPO_ROOT } from '../../infra/constructs/bundling';
import { encodeEventKey } from '../../infra/local/s3-events';
import { HOSTILE_POSTS } from '../support/hostile-posts';
import { fixture, objectRemovedDelete, s3TestEvent } from './support/events';
import { CLOUDFRONT_DOMAIN } from './support/template';
import {
  BUCKET,
  type Delivery,
  deliver,
  describeInvocation,
  request,
  startTwin,
  type Twin,
  VersionedKey,
} from './support/twin';

// The ingest function as deployed (the bundle in cdk.out the bucket notification targets), fed S3
// events shaped as S3 sends them, checked through the table and the deployed http function: the
// The promises about publishing, refusals and order (README "Posts"; docs/posts.md).

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
}, 300_000);

afterAll(async () => {
  await twin?.stop();
});

const SEED_KEY = 'posts/000_7402dedd91baa3ec.txt';
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const SEED_ID = 'NW202201122244036113';

function content(name: string): string {
  return readFileSync(join(REPO_ROOT, 'content/posts', name), 'utf8');
}

function post(title: string, body = '正文。', fields: string[] = []): string {
  return [
    '---',
    `title: "${title}"`,
    'date: 2022-02-10 08:00:00 +0800',
    'categories: deployed',
    ...fields,
    '---',
    body,
    '',
  ].join('\n');
}

/** Delivers one change to the deployed ingest function; it must answer (not throw, time out or die). */
async function ingest(key: VersionedKey, delivery: Delivery): Promise<IngestOutcome[]> {
  const invocation = await deliver(twin, key.key, delivery);
  expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
  return (invocation as { result: IngestOutcome[] }).result;
}

async function page(path: string) {
  return request(twin, { target: encodePath(path) });
}

async function feedOf(category: string): Promise<string> {
  const feed = await request(twin, { target: `/category/${encodeURIComponent(category)}.rss` });
  return feed.status === 200 ? feed.body : '';
}

async function shortCodeOf(postId: string): Promise<string> {
  const stored = await twin.store.getPost(postId);
  if (!stored?.shortCode) throw new Error(`post ${postId} has no short code`);
  return stored.shortCode;
}

describe('publishing (ObjectCreated:Put)', () => {
  it('publishes the seed post: its page, its category feed and its legacy share link', async () => {
    const key = new VersionedKey(SEED_KEY);
    const outcomes = await ingest(key, key.put(content('000_7402dedd91baa3ec.txt')));
    expect(outcomes).toMatchObject([{ key: SEED_KEY, result: 'published', postId: SEED_ID, path: SEED_PATH }]);

    const seed = await page(SEED_PATH);
    expect(seed.status).toBe(200);
    expect(seed.body).toContain('金牛 走好新时代赶考之路');
    expect(await feedOf('chengduribao')).toContain('金牛 走好新时代赶考之路');
    const legacy = await request(twin, { target: `/html_News/NewsShare.html?infoCode=${SEED_ID}` });
    expect(legacy.status).toBe(301);
    // The read function's SITE_URL is the CloudFront distribution in front of the API.
    expect(legacy.headers.location).toBe(`https://${CLOUDFRONT_DOMAIN}${SEED_PATH}`);
  });

  it('publishes a Markdown post rendered as GitHub reads it (table, emphasis, link)', async () => {
    const key = new VersionedKey('posts/2022-01-13-metro-line-opens.md');
    const [outcome] = await ingest(key, key.put(content('2022-01-13-metro-line-opens.md')));
    expect(outcome).toMatchObject({ result: 'published' });
    const metro = await page((outcome as { path: string }).path);
    expect(metro.status).toBe(200);
    expect(metro.body).toContain('<strong>新线路</strong>');
    expect(metro.body).toMatch(/<table>[\s\S]*<td>北段<\/td>/);
    expect(metro.body).toContain('<a href="https://www.chengdurail.com/">成都地铁官网</a>');
  });

  it('takes keys URL-encoded as S3 sends them: a space as +, a + as %2B, Chinese as UTF-8 escapes', async () => {
    // The form S3 documents, checked against a record of AWS's own (localstack's AWS-validated snapshot).
    expect(encodeEventKey('a@b')).toBe(fixture('s3-key-encoding-a-at-b.json').Records[0].s3.object.key);
    const key = new VersionedKey('posts/2022-02-10-成都 新闻+快讯.md');
    const delivery = key.put(post('成都新闻快讯'));
    expect(delivery.event.Records[0].s3.object.key).toBe(
      'posts/2022-02-10-%E6%88%90%E9%83%BD+%E6%96%B0%E9%97%BB%2B%E5%BF%AB%E8%AE%AF.md',
    );
    const [outcome] = await ingest(key, delivery);
    expect(outcome).toMatchObject({ key: key.key, result: 'published' });
    expect((await page((outcome as { path: string }).path)).body).toContain('成都新闻快讯');
  });

  it('applies an edit: the page and the feed show the new version, under the same feed id', async () => {
    const key = new VersionedKey('posts/2022-02-10-edited.md');
    const [first] = await ingest(key, key.put(post('Before the edit')));
    const feedBefore = await feedOf('deployed');
    const guid = /<guid[^>]*>([^<]*edited[^<]*)<\/guid>/.exec(feedBefore)?.[1];
    expect(guid).toBeDefined();

    const [second] = await ingest(key, key.put(post('After the edit')));
    expect(second).toMatchObject({ result: 'published', postId: (first as { postId: string }).postId });
    const edited = await page((second as { path: string }).path);
    expect(edited.body).toContain('After the edit');
    expect(edited.body).not.toContain('Before the edit');
    const feedAfter = await feedOf('deployed');
    expect(feedAfter).toContain('After the edit');
    expect(feedAfter).not.toContain('Before the edit');
    expect(feedAfter).toContain(`>${guid}</guid>`);
  });
});

describe('order (each key applied in the order of its S3 sequencer)', () => {
  it('a duplicate delivery of an applied event changes nothing', async () => {
    const key = new VersionedKey('posts/2022-02-10-duplicate.md');
    const upload = key.put(post('Delivered twice'));
    expect(await ingest(key, upload)).toMatchObject([{ result: 'published' }]);
    const before = await page('/deployed/2022/02/10/duplicate.html');
    expect(await ingest(key, upload)).toMatchObject([{ result: 'skipped' }]);
    const after = await page('/deployed/2022/02/10/duplicate.html');
    expect(after.status).toBe(200);
    expect(after.headers.etag).toBe(before.headers.etag);
  });

  it('an older event delivered after a newer one changes nothing (out of order)', async () => {
    const key = new VersionedKey('posts/2022-02-10-out-of-order.md');
    const older = key.put(post('Older version'));
    const newer = key.put(post('Newer version'));
    expect(await ingest(key, newer)).toMatchObject([{ result: 'published' }]);
    expect(await ingest(key, older)).toMatchObject([{ result: 'skipped' }]);
    const shown = await page('/deployed/2022/02/10/out-of-order.html');
    expect(shown.body).toContain('Newer version');
    expect(shown.body).not.toContain('Older version');
  });

  it('a newer 16-digit sequencer after an 18-digit one publishes the newer version (right-padded comparison)', async () => {
    const key = new VersionedKey('posts/2022-02-10-sequencer-lengths.md');
    // 0055AED6DCD9028200 (padded) > 0055AED6DCD90281E5: newer, though shorter and smaller left-padded.
    expect(await ingest(key, key.put(post('Eighteen digits'), '0055AED6DCD90281E5'))).toMatchObject([
      { result: 'published' },
    ]);
    expect(await ingest(key, key.put(post('Sixteen digits, newer'), '0055AED6DCD90282'))).toMatchObject([
      { result: 'published' },
    ]);
    expect((await page('/deployed/2022/02/10/sequencer-lengths.html')).body).toContain('Sixteen digits, newer');
  });
});

describe('removal (ObjectRemoved:*)', () => {
  it('a delete (DeleteMarkerCreated on the versioned bucket) answers 410 at the page and the share link of the post', async () => {
    const key = new VersionedKey('posts/2022-02-10-deleted.md');
    const [published] = await ingest(key, key.put(post('To be deleted')));
    const code = await shortCodeOf((published as { postId: string }).postId);
    expect((await request(twin, { target: `/s/${code}` })).status).toBe(301);

    expect(await ingest(key, key.delete())).toMatchObject([{ result: 'deleted' }]);
    expect((await page('/deployed/2022/02/10/deleted.html')).status).toBe(410);
    expect((await request(twin, { target: `/s/${code}` })).status).toBe(410);
    expect(await feedOf('deployed')).not.toContain('To be deleted');
  });

  it('an upload event older than the delete, delivered late, does not bring the post back (tombstone)', async () => {
    const key = new VersionedKey('posts/2022-02-10-tombstone.md');
    const upload = key.put(post('Deleted before its event came'));
    const removal = key.delete();
    expect(await ingest(key, removal)).toMatchObject([{ result: 'deleted' }]);
    // The late event names the version it created, which S3 still holds under the delete marker.
    expect(await ingest(key, upload)).toMatchObject([{ result: 'skipped' }]);
    expect((await page('/deployed/2022/02/10/tombstone.html')).status).toBe(404);
  });

  it('undelete: removing the delete marker (ObjectRemoved:Delete with its versionId) publishes the post again', async () => {
    const key = new VersionedKey('posts/2022-02-10-undeleted.md');
    const [published] = await ingest(key, key.put(post('Back from the dead')));
    const code = await shortCodeOf((published as { postId: string }).postId);
    const marker = key.delete();
    await ingest(key, marker);
    expect((await request(twin, { target: `/s/${code}` })).status).toBe(410);

    // The twin's bucket holds the version below the marker again; no created event comes for it.
    const undelete = key.deleteVersion(marker.versionId);
    expect(undelete.event.Records[0]).toMatchObject({
      eventName: 'ObjectRemoved:Delete',
      s3: { object: { versionId: marker.versionId } },
    });
    expect(await ingest(key, undelete)).toMatchObject([{ result: 'published' }]);
    expect((await page('/deployed/2022/02/10/undeleted.html')).body).toContain('Back from the dead');
    expect((await request(twin, { target: `/s/${code}` })).status).toBe(301);
  });

  it('deleting an old version for good (ObjectRemoved:Delete with its versionId) leaves the post as it is', async () => {
    const key = new VersionedKey('posts/2022-02-10-old-version.md');
    const first = key.put(post('First version'));
    await ingest(key, first);
    await ingest(key, key.put(post('Current version')));
    const outcomes = await ingest(key, key.deleteVersion(first.versionId));
    expect(outcomes.map((outcome) => outcome.result)).not.toContain('deleted');
    const shown = await page('/deployed/2022/02/10/old-version.html');
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('Current version');
  });

  it('ObjectRemoved:Delete without a versionId (an unversioned bucket) deletes the post', async () => {
    const key = new VersionedKey('posts/2022-02-10-unversioned.md');
    await ingest(key, key.put(post('Unversioned delete')));
    const { event } = key.delete();
    // The unversioned form: key and sequencer only (Powertools' example record).
    const sequencer = event.Records[0].s3.object.sequencer as string;
    const unversioned = objectRemovedDelete(BUCKET, { key: key.key, sequencer });
    expect(Object.keys(unversioned.Records[0].s3.object).sort()).toEqual(['key', 'sequencer']);
    expect(await ingest(key, { event: unversioned, readsAs: undefined })).toMatchObject([{ result: 'deleted' }]);
    expect((await page('/deployed/2022/02/10/unversioned.html')).status).toBe(410);
  });

  it('LifecycleExpiration:Delete (a lifecycle rule expiring an old version) changes nothing', async () => {
    const key = new VersionedKey('posts/2022-02-10-lifecycle.md');
    const first = key.put(post('Expired version'));
    await ingest(key, first);
    await ingest(key, key.put(post('Kept version')));
    const before = await page('/deployed/2022/02/10/lifecycle.html');
    expect(await ingest(key, key.expireVersion(first.versionId))).toEqual([]);
    const after = await page('/deployed/2022/02/10/lifecycle.html');
    expect(after.status).toBe(200);
    expect(after.headers.etag).toBe(before.headers.etag);
  });
});

describe('refusals', () => {
  it('refuses bad front matter, records it in the table, keeps the last good version up; a fixed upload clears it', async () => {
    const key = new VersionedKey('posts/2022-02-10-refused.md');
    await ingest(key, key.put(post('Good version')));
    const bad = ['---', 'title: [unclosed', 'date: 2022-02-10', '---', 'Body', ''].join('\n');
    const [refused] = await ingest(key, key.put(bad));
    expect(refused).toMatchObject({
      result: 'rejected',
      error: expect.stringMatching(/^line \d+, column \d+: front matter is not valid YAML/),
    });

    const failed = await twin.store.listFailedSources();
    expect(failed).toContainEqual(
      expect.objectContaining({ key: key.key, status: 'failed', error: (refused as { error: string }).error }),
    );
    expect((await page('/deployed/2022/02/10/refused.html')).body).toContain('Good version');

    await ingest(key, key.put(post('Fixed version')));
    expect((await twin.store.listFailedSources()).map((state) => state.key)).not.toContain(key.key);
    expect((await page('/deployed/2022/02/10/refused.html')).body).toContain('Fixed version');
  });

  it('refuses a 2 MiB object (over MAX_POST_BYTES) from its size, records it, and the function stays up', async () => {
    const key = new VersionedKey('posts/2022-02-10-oversize.md');
    const huge = post('Huge', 'x'.repeat(2 * 1024 * 1024));
    const before = await twin.ingest.invoke(s3TestEvent(BUCKET));
    const invocation = await deliver(twin, key.key, key.put(huge));
    expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
    expect((invocation as { result: IngestOutcome[] }).result).toMatchObject([
      { result: 'rejected', error: expect.stringMatching(/MiB|bytes/) },
    ]);
    // The same warm process: it did not die (or run out of memory) on the way.
    expect(invocation.pid).toBe(before.pid);
    expect(await twin.store.listFailedSources()).toContainEqual(
      expect.objectContaining({ key: key.key, status: 'failed' }),
    );
  });

  it('refuses every hostile file (alias bombs, pathological Markdown and HTML) within the budget, each recorded, in the same warm process', async () => {
    const before = await twin.ingest.invoke(s3TestEvent(BUCKET));
    for (const hostile of HOSTILE_POSTS.filter((post) => post.outcome !== 'published')) {
      const key = new VersionedKey(hostile.key);
      const invocation = await deliver(twin, key.key, key.put(hostile.text()));
      expect(invocation.outcome, `${hostile.name}: ${describeInvocation(invocation)}`).toBe('result');
      expect((invocation as { result: IngestOutcome[] }).result, hostile.name).toMatchObject([
        {
          result: 'rejected',
          error: typeof hostile.outcome === 'string' ? hostile.outcome : expect.stringMatching(hostile.outcome),
        },
      ]);
      expect(invocation.pid, hostile.name).toBe(before.pid);
    }
  }, 120_000);

  it('answers the s3:TestEvent S3 sends when the notification is set up, without error', async () => {
    const invocation = await twin.ingest.invoke(s3TestEvent(BUCKET));
    expect(invocation).toMatchObject({ outcome: 'result', result: [] });
  });
});

describe('the function', () => {
  it('loads from an asset folder with no node_modules in reach, as on Lambda', () => {
    for (let dir = twin.stack.ingest.assetDir; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
    }
  });

  it('ran every case in one warm environment, logging JSON lines and no error', () => {
    expect(twin.ingest.coldStarts).toBe(1);
    const lines = twin.ingest.logs.map((line) => JSON.parse(line) as { level: string });
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    // s3rver may report the oversize object's read, which ingest closes after its Content-Length; nothing else.
    const cutShort = /ECONNRESET[\s\S]* on GET \S+oversize\.md$/;
    expect(twin.emulatorErrors.map((error) => error.message).filter((message) => !cutShort.test(message))).toEqual([]);
  });
});
