import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { get, publishSampleContent } from '../support/local-stack';

// Item ids are fixed at the site's first publish: setting SITE_URL later (or SITE_ID_AUTHORITY)
// leaves every id and share code readers hold as it was.

let dataDir: string;
const warnings: string[] = [];
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stable-identity-'));
  setLogSink((level, message) => void (level === 'warn' && warnings.push(message)));
});
afterAll(async () => {
  setLogSink(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

async function withStack<T>(env: Record<string, string>, use: (stack: LocalStack) => Promise<T>): Promise<T> {
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    env: { [ENV.feedVersionCacheMs]: '0', ...env },
    onError: () => {},
  });
  try {
    return await use(stack);
  } finally {
    await stack.stop();
  }
}

async function identities(stack: LocalStack) {
  const feed = (await (await get(stack, '/feed.json')).json()) as {
    id?: string;
    items: Array<{ id: string; url: string }>;
  };
  const atom = await (await get(stack, '/category/chengduribao.atom')).text();
  const codes = (await stack.store.queryFeed({ kind: 'site' }, 50)).map((entry) => entry.shortCode);
  return {
    items: feed.items.map((item) => item.id).sort(),
    atomIds: [...atom.matchAll(/<id>([^<]+)<\/id>/g)].map((match) => match[1]),
    codes: codes.sort(),
  };
}

describe('feed item ids and share codes', () => {
  it('stay as they were first published when SITE_URL, then SITE_ID_AUTHORITY, is set later', async () => {
    const first = await withStack({}, async (stack) => {
      await publishSampleContent(stack);
      return identities(stack);
    });
    expect(first.items.length).toBeGreaterThan(3);
    expect(first.items.every((id) => id.startsWith('tag:publishing-backend.invalid,'))).toBe(true);

    const withSiteUrl = await withStack({ [ENV.siteUrl]: 'https://news.example.com' }, async (stack) => {
      const now = await identities(stack);
      // Links follow the new origin; ids do not.
      expect(
        ((await (await get(stack, '/feed.json')).json()) as { items: Array<{ url: string }> }).items[0].url,
      ).toMatch(/^https:\/\/news\.example\.com\//);
      return now;
    });
    expect(withSiteUrl).toEqual(first);

    const withAuthority = await withStack({ [ENV.idAuthority]: 'other.example' }, identities);
    expect(withAuthority).toEqual(first);
    expect(
      warnings.some(
        (warning) =>
          warning.includes('SITE_ID_AUTHORITY is "other.example"') && warning.includes('publishing-backend.invalid'),
      ),
    ).toBe(true);
  }, 120_000);
});
