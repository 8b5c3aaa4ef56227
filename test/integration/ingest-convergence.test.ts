import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { startTestStack } from '../support/local-stack';

// Done when: uploading the same 200-post Jekyll folder twice, then deleting 20 posts and
// re-uploading 10 of them with changes, leaves feeds and pages exactly equal to publishing the
// final folder once. Two local stacks, one per history, compared page by page and row by row.

const CATEGORIES = ['chengduribao', '成都', 'sport', 'culture', 'weather'];
const TAGS = ['成都日报新闻', 'metro', '文化', 'economy', '天府'];
const SITE = { [ENV.siteUrl]: 'https://news.example.com', [ENV.feedLength]: '250' };

interface SourceFile {
  key: string;
  body: string;
}

/** A Jekyll `_posts` folder of 200 posts, as varied as the real ones: Markdown and HTML, Chinese, infoCodes. */
function jekyllFolder(): SourceFile[] {
  return Array.from({ length: 200 }, (_, index) => {
    const day = String((index % 28) + 1).padStart(2, '0');
    const month = String((index % 12) + 1).padStart(2, '0');
    const html = index % 5 === 0;
    const key = `posts/2021-${month}-${day}-post-${index}${index % 7 === 0 ? ' 新闻' : ''}.${html ? 'html' : 'md'}`;
    const frontMatter = [
      `title: "第${index}号 post #${index} & <more>"`,
      `date: 2021-${month}-${day} ${String(index % 24).padStart(2, '0')}:30:00 +0800`,
      `categories: ${CATEGORIES[index % CATEGORIES.length]}`,
      `tags: [${TAGS[index % TAGS.length]}]`,
      ...(index % 4 === 0 ? [`infoCode: NW2021${String(index).padStart(4, '0')}`] : []),
    ];
    const body = html
      ? `<p>第${index}段 <a href="related.html">related</a></p>\n<p>second</p>\n`
      : `第${index}段，见 [related](related.html) 和 https://example.com/${index}\n\n| a | b |\n|---|---|\n| ${index} | x |\n`;
    return { key, body: ['---', ...frontMatter, '---', body].join('\n') };
  });
}

/**
 * A changed post declares when it changed (Jekyll's last_modified_at): without it, its `updated`
 * is the time ingest saw the change, which only the history that changed it has (as it should).
 */
function changed(file: SourceFile): SourceFile {
  return {
    key: file.key,
    body: file.body
      .replace(/^title: "/m, 'title: "(更新) ')
      .replace(/^categories: .*$/m, 'categories: [updated, chengduribao]\nlast_modified_at: 2022-06-01 09:00:00 +0800'),
  };
}

async function upload(stack: LocalStack, files: SourceFile[]): Promise<void> {
  for (const file of files)
    await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: file.key, Body: file.body }));
}

let replayed: LocalStack;
let once: LocalStack;
let finalFolder: SourceFile[];

beforeAll(async () => {
  const folder = jekyllFolder();
  const deleted = folder.filter((_, index) => index % 10 === 3);
  const remaining = folder.filter((_, index) => index % 10 !== 3);
  const reuploaded = remaining.filter((_, index) => index % 18 === 1).map(changed);
  finalFolder = remaining.map((file) => reuploaded.find((change) => change.key === file.key) ?? file);
  expect([deleted.length, reuploaded.length, finalFolder.length]).toEqual([20, 10, 180]);

  [replayed, once] = await Promise.all([startTestStack(SITE), startTestStack(SITE)]);
  await Promise.all([
    (async () => {
      await upload(replayed, folder);
      await upload(replayed, folder);
      for (const file of deleted)
        await replayed.s3.send(new DeleteObjectCommand({ Bucket: replayed.bucket, Key: file.key }));
      await upload(replayed, reuploaded);
      await replayed.idle();
    })(),
    (async () => {
      await upload(once, finalFolder);
      await once.idle();
    })(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([replayed?.stop(), once?.stop()]);
});

/** Event times differ between the two stacks: every instant after 2021 is a time of ingest, not of a post. */
function withoutIngestTimes(text: string): string {
  return text
    .replace(/20(?:2[3-9]|[3-9]\d)-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g, '<ingest time>')
    .replace(/\w{3}, \d\d \w{3} 20(?:2[3-9]|[3-9]\d) \d\d:\d\d:\d\d (?:GMT|[+-]\d{4})/g, '<ingest time>');
}

async function document(stack: LocalStack, path: string): Promise<string> {
  const response = await fetch(stack.url + path);
  return `${response.status} ${response.headers.get('content-type')}\n${withoutIngestTimes(await response.text())}`;
}

describe('a folder uploaded twice, 20 posts deleted and 10 re-uploaded changed', () => {
  it('serves the same home page, feeds, list pages and post pages as the final folder published once', async () => {
    const names = await once.store.listNames('category');
    const tags = await once.store.listNames('tag');
    expect(await replayed.store.listNames('category')).toEqual(names);
    expect(await replayed.store.listNames('tag')).toEqual(tags);
    expect(names.map((entry) => entry.name)).toContain('updated');

    const paths = ['/', '/feed.rss', '/feed.atom', '/feed.json'];
    for (const [kind, list] of [
      ['category', names],
      ['tag', tags],
    ] as const) {
      for (const { name } of list) {
        for (const extension of ['html', 'rss', 'atom', 'json'])
          paths.push(`/${kind}/${encodeURIComponent(name)}.${extension}`);
      }
    }
    const site = await once.store.queryFeed({ kind: 'site' }, 500);
    expect(site).toHaveLength(180);
    for (const entry of site) paths.push(entry.path.split('/').map(encodeURIComponent).join('/'));
    for (const path of paths) {
      expect(await document(replayed, path), path).toBe(await document(once, path));
    }
    // A deleted post's page: gone (410) where it was published, never there (404) where it was not.
    expect((await fetch(`${replayed.url}/culture/2021/04/04/post-3.html`)).status).toBe(410);
    expect((await fetch(`${once.url}/culture/2021/04/04/post-3.html`)).status).toBe(404);
  }, 60_000);

  it('holds the same rows, but for ingest times, tombstones and links of deleted posts (which answer 410)', async () => {
    const rows = async (stack: LocalStack) => {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, never> | undefined;
      do {
        const page = await stack.dynamo.send(
          new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: startKey }),
        );
        items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
        startKey = page.LastEvaluatedKey as typeof startKey;
      } while (startKey);
      return items
        .filter((row) => row.sk !== '~META' && row.gone !== true && row.status !== 'deleted' && row.count !== 0)
        .map(
          (row) =>
            JSON.parse(
              withoutIngestTimes(
                JSON.stringify(row, (field, value) =>
                  ['sequencer', 'rowsSequencer', 'revision', 'entryHash'].includes(field) ? undefined : value,
                ),
              ),
            ) as Record<string, unknown>,
        )
        .sort((a, b) => (`${a.pk}\0${a.sk}` < `${b.pk}\0${b.sk}` ? -1 : 1));
    };
    expect(await rows(replayed)).toEqual(await rows(once));
  });
});
