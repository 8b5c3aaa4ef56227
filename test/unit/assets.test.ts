import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { presignedAssetUrls } from '../../functions/adapters/asset-urls';
import { settingsFromEnv } from '../../functions/adapters/env';
import {
  ASSET_CACHE,
  assetAt,
  assetHeaders,
  assetPathOf,
  IMMUTABLE_CACHE,
  isContentHashed,
  looksLikeAsset,
  PRESIGN_EXPIRES_SECONDS,
  presignOverrides,
  SVG_CSP,
} from '../../functions/core/assets';
import { NotFound } from '../../functions/core/errors';
import { FeedDocuments } from '../../functions/core/feed-documents';
import { ingestChange } from '../../functions/core/ingest';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { handleRead } from '../../functions/core/read';
import { reindex } from '../../functions/core/reindex';
import { renderBody } from '../../functions/core/render-body';
import { siteForRequest } from '../../functions/core/settings';
import { MemoryPostStore } from '../support/memory-store';

describe('assetAt: the object key a site path names', () => {
  it('maps a file path to the same path under posts/', () => {
    expect(assetAt('/assets/logo.png')).toMatchObject({ key: 'posts/assets/logo.png', extension: 'png' });
    expect(assetAt('/chengduribao/_posts/photo 1.JPG')).toMatchObject({
      key: 'posts/chengduribao/_posts/photo 1.JPG',
      type: { type: 'image/jpeg' },
    });
    expect(assetAt('/成都/图.webp')?.key).toBe('posts/成都/图.webp');
  });

  it('leaves every other path to the pages (undefined): posts, feeds, scripts, markup, mixed-case extensions', () => {
    for (const path of [
      '/a/2022/01/12/a.html',
      '/x.js',
      '/x.css',
      '/x.json',
      '/x.htm',
      '/x.md',
      '/x.txt',
      '/x.Png',
      '/',
    ])
      expect(assetAt(path), path).toBeUndefined();
  });

  it('refuses (404) traversal, hidden and underscore folders, backslashes, percent signs and control characters', () => {
    for (const path of [
      '/../secret.png',
      '/a/../../b.png',
      '/./a.png',
      '//a.png',
      '/a//b.png',
      '/.git/a.png',
      '/_drafts/a.png',
      '/_site/a.png',
      '/a\\..\\b.png',
      '/a%2F..%2Fb.png',
      '/a%00.png',
      '/a\u0000.png',
      '/a\n.png',
      'a.png',
      `/${'a'.repeat(1100)}.png`,
    ])
      expect(() => assetAt(path), JSON.stringify(path)).toThrow(NotFound);
  });

  it('names no key outside posts/ for any path (property: whatever the segments)', () => {
    const parts = ['..', '.', '', 'a', '_posts', '%2e%2e', '\\', '..%2F', '成都', 'b.png'];
    for (const a of parts)
      for (const b of parts)
        for (const c of parts) {
          const path = `/${a}/${b}/${c}.png`;
          let asset: ReturnType<typeof assetAt>;
          try {
            asset = assetAt(path);
          } catch {
            continue;
          }
          expect(asset?.key.startsWith('posts/')).toBe(true);
          expect(asset?.key.split('/')).not.toContain('..');
          expect(asset?.key.split('/')).not.toContain('.');
        }
  });

  it('maps keys back to site paths, and not keys the site never serves', () => {
    expect(assetPathOf('posts/news/_posts/a.png')).toBe('/news/_posts/a.png');
    expect(assetPathOf('posts/_drafts/a.png')).toBeUndefined();
    expect(assetPathOf('posts/a.md')).toBeUndefined();
    expect(assetPathOf('other/a.png')).toBeUndefined();
    expect(looksLikeAsset('posts/a.md')).toBe(false);
    expect(looksLikeAsset('posts/000_7402dedd91baa3ec.txt')).toBe(false);
  });
});

describe('assetHeaders', () => {
  it('types from the allow-list, nosniff, and a short cache for names that may change', () => {
    expect(assetHeaders(assetAt('/a.png')!)).toEqual({
      'content-type': 'image/png',
      'x-content-type-options': 'nosniff',
      'cache-control': ASSET_CACHE,
    });
  });

  it('a year, immutable, for content-hashed names', () => {
    expect(isContentHashed('app.3f2a9c1b.png')).toBe(true);
    expect(isContentHashed('photo-3f2a9c1b7d.jpg')).toBe(true);
    expect(isContentHashed('photo-2022.jpg')).toBe(false);
    expect(assetHeaders(assetAt('/a/app.3f2a9c1b.png')!)['cache-control']).toBe(IMMUTABLE_CACHE);
  });

  it('SVG with a policy that runs no script', () => {
    const headers = assetHeaders(assetAt('/a.svg')!);
    expect(headers['content-security-policy']).toBe(SVG_CSP);
    expect(SVG_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(headers['content-type']).toBe('image/svg+xml');
  });

  it('office documents as attachments, with the name encoded (RFC 6266/8187)', () => {
    expect(assetHeaders(assetAt('/报告 "1".docx')!)['content-disposition']).toBe(
      `attachment; filename="__ _1_.docx"; filename*=UTF-8''${encodeURIComponent('报告 "1".docx')}`,
    );
    expect(assetHeaders(assetAt('/a.pdf')!)['content-disposition']).toBeUndefined();
  });
});

describe('presigned redirects (deployed)', () => {
  const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

  it('signs a GET of the key with the allow-list type, cache and (for SVG) disposition, as of the window start', async () => {
    const now = Date.parse('2024-05-01T10:07:31Z');
    const urls = presignedAssetUrls('content-bucket', env, () => now);
    const url = new URL(await urls.url(assetAt('/news/_posts/a b.svg')!));
    expect(url.hostname).toBe('content-bucket.s3.us-east-1.amazonaws.com');
    expect(decodeURIComponent(url.pathname)).toBe('/posts/news/_posts/a b.svg');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20240501T100500Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(PRESIGN_EXPIRES_SECONDS));
    expect(url.searchParams.get('response-content-type')).toBe('image/svg+xml');
    expect(url.searchParams.get('response-cache-control')).toBe(ASSET_CACHE);
    expect(url.searchParams.get('response-content-disposition')).toMatch(/^attachment; filename="a b.svg"/);
    // One URL for the whole window, so that it caches.
    const later = presignedAssetUrls('content-bucket', env, () => now + 60_000);
    expect(await later.url(assetAt('/news/_posts/a b.svg')!)).toBe(url.toString());
  });

  it("signs exactly as the SDK's S3 client would (same signature), for hostile names too", async () => {
    const now = Date.parse('2024-05-01T10:07:31Z');
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/+=' },
      // Without them the SDK adds checksum parameters, which a presigned image URL has no use for.
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const withToken = { ...env, AWS_SESSION_TOKEN: 'token/+=' };
    for (const path of [
      '/news/_posts/a b.svg',
      "/成都/图 (1)!*'.JPG",
      '/a/报告 "final" +&=.docx',
      '/x/app.3f2a9c1b.png',
    ]) {
      const asset = assetAt(path)!;
      const ours = new URL(await presignedAssetUrls('content-bucket', withToken, () => now).url(asset));
      const overrides = presignOverrides(asset);
      const sdk = new URL(
        await getSignedUrl(
          client,
          new GetObjectCommand({
            Bucket: 'content-bucket',
            Key: asset.key,
            ResponseContentType: overrides.contentType,
            ResponseCacheControl: overrides.cacheControl,
            ...(overrides.contentDisposition ? { ResponseContentDisposition: overrides.contentDisposition } : {}),
          }),
          { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate: new Date(Date.parse('2024-05-01T10:05:00Z')) },
        ),
      );
      expect(ours.origin + ours.pathname, path).toBe(sdk.origin + sdk.pathname);
      expect(Object.fromEntries(ours.searchParams), path).toEqual(Object.fromEntries(sdk.searchParams));
    }
    client.destroy();
  });

  it('the read side answers a file path with 302 and a short cache; without URLs, 404', async () => {
    const store = new MemoryPostStore();
    const site = siteForRequest(settingsFromEnv({}), { host: 'localhost' });
    const request = (path: string) => ({
      method: 'GET',
      path,
      view: 'postPage' as const,
      pathParameters: { proxy: path.slice(1) },
      query: {},
      headers: {},
    });
    const log = { error() {} };
    const deps = { store, feeds: new FeedDocuments(store), site, log };
    const assets = { url: async (asset: { key: string }) => `https://bucket.example/${asset.key}?sig` };
    const found = await handleRead(request('/news/_posts/a.png'), { ...deps, assets });
    expect(found).toMatchObject({
      status: 302,
      headers: {
        location: 'https://bucket.example/posts/news/_posts/a.png?sig',
        'cache-control': 'public, max-age=300',
      },
    });
    expect((await handleRead(request('/news/_posts/a.png'), deps)).status).toBe(404);
    expect((await handleRead(request('/_drafts/a.png'), { ...deps, assets })).status).toBe(404);
    expect((await handleRead(request('/a/../b.png'), { ...deps, assets })).status).toBe(404);
    expect((await handleRead(request('/evil.html'), { ...deps, assets })).status).toBe(404);
  });
});

describe('ingest and files', () => {
  it('skips a file beside the posts: no state, no refusal', async () => {
    const store = new MemoryPostStore();
    const outcome = await ingestChange(
      { key: 'posts/news/_posts/photo.JPG', kind: 'created', sequencer: '01', eventTime: '2024-05-01T00:00:00Z' },
      { store, readObject: async () => ({ bytes: new Uint8Array([0xff, 0xd8, 0xff]), etag: 'e' }) },
    );
    expect(outcome.result).toBe('skipped');
    expect(await store.getSourceState('posts/news/_posts/photo.JPG')).toBeUndefined();
    expect(await store.listFailedSources()).toEqual([]);
  });

  it('reindex passes files over: no state, no refusal, not counted as objects', async () => {
    const store = new MemoryPostStore();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]);
    const objects = new Map([
      ['posts/assets/a.png', { bytes: png, etag: 'p' }],
      [
        'posts/2022-01-12-a.md',
        { bytes: new TextEncoder().encode('---\ntitle: A\n---\n![a](assets/a.png)\n'), etag: 'm' },
      ],
    ]);
    const summary = await reindex({
      store,
      settings: DEFAULT_INGEST_SETTINGS,
      readObject: async (key) => objects.get(key),
      listObjects: async function* () {
        for (const [key, object] of objects) yield { key, etag: object.etag, size: object.bytes.length };
      },
    });
    expect(summary).toMatchObject({ objects: 1, published: 1, failed: 0 });
    expect(await store.getSourceState('posts/assets/a.png')).toBeUndefined();
    // The post's version records the file it refers to, for npm run errors.
    expect((await store.getSourceState('posts/2022-01-12-a.md'))?.published?.files).toEqual(['posts/assets/a.png']);
  });

  it("resolves a relative reference to a file against the post's own file, and a page link against its URL", () => {
    const html = renderBody(
      '[more](b.html) ![p](photo.jpg) [pdf](files/r.pdf?x=1#p2) <img srcset="a.png 1x, b.webp 2x">',
      'markdown',
      {
        postPath: '/news/2022/01/12/a.html',
        sourcePath: '/news/_posts/2022-01-12-a.md',
      },
    );
    expect(html).toBe(
      '<p><a href="/news/2022/01/12/b.html">more</a> <img src="/news/_posts/photo.jpg" alt="p" /> <a href="/news/_posts/files/r.pdf?x=1#p2">pdf</a> <img srcset="/news/_posts/a.png 1x, /news/_posts/b.webp 2x" /></p>',
    );
  });
});
