import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { readIngestSettings } from '../../functions/core/ingest-settings';
import { parsePost } from '../../functions/core/parse-post';
import { feedsOf, toFeedEntry } from '../../functions/core/post';
import { createIngestHandler, ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { encodeEventKey } from '../../infra/local/s3-events';
import { MemoryPostStore } from '../support/memory-store';
import { postFile } from '../support/post-cases';
import { VersionedBucket } from '../support/versioned-bucket';

setLogSink(() => {});

function versionedBucket(versions: Record<string, Record<string, string>>) {
  return new VersionedBucket(versions);
}

function event(...records: unknown[]): S3Event {
  return { Records: records } as unknown as S3Event;
}

function record(eventName: string, key: string, sequencer: string, versionId?: string) {
  return {
    eventName,
    eventTime: '2024-05-01T00:00:00.000Z',
    s3: { object: { key: encodeEventKey(key), sequencer, ...(versionId ? { versionId } : {}) } },
  };
}

describe('the ingest handler', () => {
  it('reads the object version the event names, so a late event publishes what was uploaded then', async () => {
    const key = 'posts/2024-05-01-a b+c 成都.md';
    const { s3, reads } = versionedBucket({
      [key]: { v1: postFile(['title: First', 'categories: x']), v2: postFile(['title: Second', 'categories: y']) },
    });
    const store = new MemoryPostStore();
    const handler = createIngestHandler({ store, s3, bucket: 'content' });
    const outcomes = await handler({ Records: [record('ObjectCreated:Put', key, '0A', 'v1')] } as unknown as S3Event);
    expect(outcomes).toMatchObject([{ key, result: 'published', path: '/x/2024/05/01/a-b+c-成都.html' }]);
    // The post's version, and the site's _config.yml as it is now.
    expect(reads).toEqual([{ key, versionId: 'v1' }, { key: 'posts/_config.yml' }]);
    expect((await store.queryFeed({ kind: 'category', name: 'x' }, 5)).map((entry) => entry.title)).toEqual(['First']);
  });

  it("handles a versioned bucket's delete marker like a delete, and ignores keys outside posts/", async () => {
    const key = 'posts/2024-05-01-gone.md';
    const bucket = versionedBucket({ [key]: { v1: postFile(['title: Gone soon', 'categories: z']) } });
    const store = new MemoryPostStore();
    const handler = createIngestHandler({ store, s3: bucket.s3, bucket: 'content' });
    await handler({ Records: [record('ObjectCreated:Put', key, '01', 'v1')] } as unknown as S3Event);
    const marker = bucket.deleteObject(key);
    const outcomes = await handler({
      Records: [
        record('ObjectRemoved:DeleteMarkerCreated', key, '02', marker),
        record('ObjectCreated:Put', 'drafts/x.md', '03'),
      ],
    } as unknown as S3Event);
    expect(outcomes).toMatchObject([
      { key, result: 'deleted', feeds: [{ kind: 'site' }, { kind: 'category', name: 'z' }] },
    ]);
    expect(await store.queryFeed({ kind: 'site' }, 5)).toEqual([]);
  });

  it('leaves the post as the key now is when an old version is deleted for good (ObjectRemoved:Delete with its id)', async () => {
    const key = 'posts/2024-05-01-kept.md';
    const bucket = new VersionedBucket();
    const store = new MemoryPostStore();
    const handler = createIngestHandler({ store, s3: bucket.s3, bucket: 'content' });
    const v1 = bucket.put(key, postFile(['title: First', 'categories: k']));
    await handler(event(record('ObjectCreated:Put', key, '0A', v1)));
    const v2 = bucket.put(key, postFile(['title: Second', 'categories: k']));
    await handler(event(record('ObjectCreated:Put', key, '0B', v2)));
    // Housekeeping: the noncurrent version goes (by hand, or a lifecycle rule's).
    bucket.deleteVersion(key, v1);
    const outcomes = await handler(event(record('ObjectRemoved:Delete', key, '0C', v1)));
    expect(outcomes).toMatchObject([{ key, result: 'published' }]);
    expect((await store.queryFeed({ kind: 'category', name: 'k' }, 5)).map((entry) => entry.title)).toEqual(['Second']);
    expect((await store.getSourceState(key))?.status).toBe('published');
  });

  it('brings a post back when its delete marker is removed (an undelete arrives as ObjectRemoved:Delete)', async () => {
    const key = 'posts/2024-05-01-undeleted.md';
    const bucket = new VersionedBucket();
    const store = new MemoryPostStore();
    const handler = createIngestHandler({ store, s3: bucket.s3, bucket: 'content' });
    const v1 = bucket.put(key, postFile(['title: Back again', 'categories: u']));
    await handler(event(record('ObjectCreated:Put', key, '0A', v1)));
    const marker = bucket.deleteObject(key);
    expect(await handler(event(record('ObjectRemoved:DeleteMarkerCreated', key, '0B', marker)))).toMatchObject([
      { result: 'deleted' },
    ]);
    expect(await store.queryFeed({ kind: 'category', name: 'u' }, 5)).toEqual([]);
    bucket.deleteVersion(key, marker);
    expect(await handler(event(record('ObjectRemoved:Delete', key, '0C', marker)))).toMatchObject([
      { result: 'published' },
    ]);
    expect((await store.queryFeed({ kind: 'category', name: 'u' }, 5)).map((entry) => entry.title)).toEqual([
      'Back again',
    ]);
    // The late create of that version changes nothing: the undelete is newer.
    expect(await handler(event(record('ObjectCreated:Put', key, '0A', v1)))).toMatchObject([{ result: 'skipped' }]);
  });

  it('publishes the version below when the current one is deleted for good, and removes the post when none is left', async () => {
    const key = 'posts/2024-05-01-rolled-back.md';
    const bucket = new VersionedBucket();
    const store = new MemoryPostStore();
    const handler = createIngestHandler({ store, s3: bucket.s3, bucket: 'content' });
    const v1 = bucket.put(key, postFile(['title: Older', 'categories: r']));
    const v2 = bucket.put(key, postFile(['title: Newer', 'categories: r']));
    await handler(event(record('ObjectCreated:Put', key, '0A', v1), record('ObjectCreated:Put', key, '0B', v2)));
    bucket.deleteVersion(key, v2);
    await handler(event(record('ObjectRemoved:Delete', key, '0C', v2)));
    expect((await store.queryFeed({ kind: 'category', name: 'r' }, 5)).map((entry) => entry.title)).toEqual(['Older']);
    bucket.deleteVersion(key, v1);
    expect(await handler(event(record('ObjectRemoved:Delete', key, '0D', v1)))).toMatchObject([{ result: 'deleted' }]);
    expect(await store.queryFeed({ kind: 'site' }, 5)).toEqual([]);
  });

  it('refuses an object over MAX_POST_BYTES without reading its body, and records why', async () => {
    const key = 'posts/2024-05-01-huge.md';
    const bucket = new VersionedBucket();
    const store = new MemoryPostStore();
    const handler = createIngestHandler({
      store,
      s3: bucket.s3,
      bucket: 'content',
      settings: { maxPostBytes: 1024, iframeHosts: [], legacyHosts: [] },
    });
    const v1 = bucket.put(key, new Uint8Array(4096).fill(0x61));
    expect(await handler(event(record('ObjectCreated:Put', key, '0A', v1)))).toMatchObject([
      { result: 'rejected', error: 'file is 4096 bytes, over the 1024-byte limit for a post' },
    ]);
    expect(bucket.bodiesRead).toEqual([]);
    expect(await store.listFailedSources()).toMatchObject([
      { key, error: 'file is 4096 bytes, over the 1024-byte limit for a post' },
    ]);
  });

  it('ignores s3:TestEvent and records without an S3 sequencer, and applies the rest', async () => {
    const key = 'posts/2024-05-01-after-test.md';
    const bucket = new VersionedBucket({ [key]: { v1: postFile(['title: After the test event']) } });
    const handler = createIngestHandler({ store: new MemoryPostStore(), s3: bucket.s3, bucket: 'content' });
    const testEvent = {
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-05-01T00:00:00.000Z',
      Bucket: 'content',
      RequestId: 'X',
      HostId: 'Y',
    };
    expect(await handler(testEvent as unknown as S3Event)).toEqual([]);
    const outcomes = await handler(
      event(
        { ...record('ObjectCreated:Put', key, '0A', 'v1'), s3: { object: { key, versionId: 'v1' } } },
        record('ObjectCreated:Put', key, 'not-hex', 'v1'),
        record('ObjectCreated:Put', key, '0B', 'v1'),
      ),
    );
    expect(outcomes).toMatchObject([{ key, result: 'published' }]);
    expect(bucket.reads).toEqual([{ key, versionId: 'v1' }, { key: 'posts/_config.yml' }]);
  });

  it('reports every feed a change touched: added, updated and removed', async () => {
    const key = 'posts/2024-05-01-moves.md';
    const versions = {
      v1: postFile(['title: One', 'categories: [a, b]', 'tags: t', 'permalink: /one.html']),
      // Only a field feeds do not show: the post changes, no feed does.
      v2: postFile(['title: One', 'categories: [a, b]', 'tags: t', 'permalink: /one.html', 'source: 成都日报']),
      // Out of category a, into c: the entry itself lists its categories, so it changes everywhere.
      v3: postFile(['title: One', 'categories: [b, c]', 'tags: t', 'permalink: /one.html']),
    };
    const { s3 } = versionedBucket({ [key]: versions });
    const handler = createIngestHandler({ store: new MemoryPostStore(), s3, bucket: 'content' });
    const apply = async (sequencer: string, versionId: string) =>
      (await handler({ Records: [record('ObjectCreated:Put', key, sequencer, versionId)] } as unknown as S3Event))[0];
    const names = (outcome: { feeds: Array<{ kind: string; name?: string }> }) =>
      outcome.feeds.map((ref) => ref.name ?? ref.kind).sort();
    expect(names(await apply('01', 'v1'))).toEqual(['a', 'b', 'site', 't']);
    expect(await apply('02', 'v2')).toMatchObject({ result: 'published', feeds: [] });
    expect(names(await apply('03', 'v3'))).toEqual(['a', 'b', 'c', 'site', 't']);
    expect(await apply('03', 'v3')).toMatchObject({ result: 'skipped', feeds: [] });
  });

  it('throws, naming nothing of the post, when storage fails, so that Lambda retries', async () => {
    const key = 'posts/2024-05-01-retry.md';
    const { s3 } = versionedBucket({ [key]: { v1: postFile(['title: Retry']) } });
    const store = new MemoryPostStore();
    store.failNext.push({
      operation: /^putPost$/,
      error: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    });
    const handler = createIngestHandler({ store, s3, bucket: 'content' });
    const event = { Records: [record('ObjectCreated:Put', key, '01', 'v1')] } as unknown as S3Event;
    await expect(handler(event)).rejects.toThrow('Rate exceeded');
    expect(await handler(event)).toMatchObject([{ result: 'published' }]);
  });

  it("applies a change of the site's _config.yml to every post: each moves to its new URL, with a 301 from the old, once", async () => {
    const bucket = new VersionedBucket();
    const store = new MemoryPostStore();
    const handler = createIngestHandler({ store, s3: bucket.s3, bucket: 'content' });
    const keys = ['posts/_posts/2024-05-01-first.md', 'posts/news/_posts/2024-05-02-second.md'];
    const config = 'posts/_config.yml';
    const upload = (key: string, body: string, sequencer: string) =>
      handler(event(record('ObjectCreated:Put', key, sequencer, bucket.put(key, body))));
    await upload(config, 'title: A site\n', '01');
    await upload(keys[0], postFile(['title: First']), '02');
    await upload(keys[1], postFile(['title: Second']), '03');
    expect((await store.getPost('_posts/2024-05-01-first'))?.path).toBe('/2024/05/01/first.html');
    // Its title, description and url are recorded for the read side (defaults of SITE_TITLE…).
    expect(await store.getSiteDefaults()).toEqual({ title: 'A site' });

    expect(await upload(config, 'permalink: pretty\ntimezone: America/New_York\n', '04')).toMatchObject([
      { key: config, result: 'skipped', reason: 'the site configuration: 2 posts published again, 0 refused' },
    ]);
    // A file name's date is midnight in the site's zone, as Jekyll reads it.
    expect(await store.getPost('_posts/2024-05-01-first')).toMatchObject({
      path: '/2024/05/01/first/',
      date: '2024-05-01T00:00:00-04:00',
    });
    expect((await store.getPost('news/_posts/2024-05-02-second'))?.path).toBe('/news/2024/05/02/second/');
    expect(await store.findPage('/2024/05/01/first.html')).toEqual({ movedTo: '/2024/05/01/first/' });
    expect(await store.findPage('/news/2024/05/02/second.html')).toEqual({ movedTo: '/news/2024/05/02/second/' });
    // Delivered again (or read again by reindex): every post was already read with these settings.
    expect(await handler(event(record('ObjectCreated:Put', config, '04')))).toMatchObject([
      { reason: 'the site configuration: 0 posts published again, 0 refused' },
    ]);

    // A config Jekyll would refuse refuses the posts read with it, keeping their last good version.
    expect(await upload(config, 'timezone: Mars/Olympus\n', '05')).toMatchObject([
      { reason: 'the site configuration: 0 posts published again, 2 refused' },
    ]);
    expect((await store.listFailedSources()).map(({ error }) => error)).toEqual([
      'the site\'s posts/_config.yml: _config.yml: timezone "Mars/Olympus" is not a time zone name such as Asia/Shanghai',
      'the site\'s posts/_config.yml: _config.yml: timezone "Mars/Olympus" is not a time zone name such as Asia/Shanghai',
    ]);
    expect((await store.getPost('_posts/2024-05-01-first'))?.path).toBe('/2024/05/01/first/');
    // Removing it brings back Jekyll's defaults.
    bucket.deleteObject(config);
    await handler(event(record('ObjectRemoved:DeleteMarkerCreated', config, '06')));
    expect((await store.getPost('_posts/2024-05-01-first'))?.path).toBe('/2024/05/01/first.html');
    expect(await store.listFailedSources()).toEqual([]);
  });
});

describe('states written before states recorded their rows', () => {
  it('takes back the rows of the post such a state names, when the post moves', async () => {
    const key = 'posts/2022-01-13-legacy.md';
    const store = new MemoryPostStore();
    const parsed = parsePost(key, postFile(['title: Legacy', 'categories: old']), { now: '2022-01-13T00:00:00.000Z' });
    if (!parsed.published) throw new Error('expected a post');
    const old = parsed.post;
    // Such states were written with the sequencer left-padded to 32 digits.
    const sequencer = '01'.padStart(32, '0');
    await store.putPost(old, sequencer);
    await store.claimShareLink({ code: old.shortCode, postId: old.id, path: old.path });
    for (const ref of feedsOf(old)) await store.putFeedEntry(ref, toFeedEntry(old), sequencer);
    await store.commitSourceState(
      { key, sequencer, status: 'published', postId: old.id, at: '2022-01-13T00:00:00.000Z' },
      null,
    );

    const { s3 } = versionedBucket({ [key]: { v2: postFile(['title: Legacy', 'categories: new']) } });
    await createIngestHandler({ store, s3, bucket: 'content' })({
      Records: [record('ObjectCreated:Put', key, '02', 'v2')],
    } as unknown as S3Event);
    expect(await store.queryFeed({ kind: 'category', name: 'old' }, 5)).toEqual([]);
    expect((await store.queryFeed({ kind: 'category', name: 'new' }, 5)).map((entry) => entry.title)).toEqual([
      'Legacy',
    ]);
    expect((await store.queryFeed({ kind: 'site' }, 5)).map((entry) => entry.path)).toEqual([
      '/new/2022/01/13/legacy.html',
    ]);
  });
});

describe('ingest settings', () => {
  const names = { maxPostBytes: ENV.maxPostBytes, iframeHosts: ENV.iframeHosts, legacyHosts: ENV.legacyHosts };

  it('defaults to 1 MiB and no iframe hosts', () => {
    expect(readIngestSettings({}, names)).toEqual({ maxPostBytes: 1_048_576, iframeHosts: [], legacyHosts: [] });
  });

  it('reads MAX_POST_BYTES and comma- or space-separated IFRAME_HOSTS and LEGACY_HOSTS, lower-cased and de-duplicated', () => {
    expect(
      ingestSettingsFromEnv({
        MAX_POST_BYTES: '2097152',
        IFRAME_HOSTS: 'www.YouTube.com, player.bilibili.com www.youtube.com',
        LEGACY_HOSTS: 'Finews.zning.xyz finews.withounder.com',
      }),
    ).toEqual({
      maxPostBytes: 2_097_152,
      iframeHosts: ['www.youtube.com', 'player.bilibili.com'],
      legacyHosts: ['finews.zning.xyz', 'finews.withounder.com'],
    });
    expect(() => ingestSettingsFromEnv({ LEGACY_HOSTS: 'http://old.example.com' })).toThrow(
      /^LEGACY_HOSTS must list host names/,
    );
  });

  it('refuses a wrong value, naming the variable', () => {
    expect(() => ingestSettingsFromEnv({ MAX_POST_BYTES: '1MB' })).toThrow(
      'MAX_POST_BYTES must be a whole number of bytes from 1024 to 4194304, not "1MB"',
    );
    expect(() => ingestSettingsFromEnv({ MAX_POST_BYTES: '10' })).toThrow(/^MAX_POST_BYTES must be/);
    expect(() => ingestSettingsFromEnv({ IFRAME_HOSTS: 'https://www.youtube.com/' })).toThrow(
      'IFRAME_HOSTS must list host names such as www.youtube.com, separated by commas; "https://www.youtube.com/" is not one',
    );
  });
});
