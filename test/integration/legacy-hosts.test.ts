import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, publishSampleContent, startTestStack } from '../support/local-stack';

// The seed was written on the site it came from, and its links still point there. With
// LEGACY_HOSTS naming those hosts, links to paths this site serves stay on this site.

const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const OLD_HOSTS = ['finews.zning.xyz', 'finews.withounder.com'];
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ [ENV.legacyHosts]: OLD_HOSTS.join(',') });
  await publishSampleContent(stack);
});
afterAll(async () => {
  await stack?.stop();
});

describe('LEGACY_HOSTS', () => {
  it("leaves no link to the old hosts in the seed's page or feeds (a link's own text stays as written), and the rewritten links answer", async () => {
    const documents = await Promise.all(
      [SEED_PATH, '/category/chengduribao.atom', '/category/chengduribao.rss', '/feed.json'].map(async (path) => {
        const response = await get(stack, path);
        expect(response.status, path).toBe(200);
        return response.text();
      }),
    );
    // href= in the page and JSON Feed, and in the HTML the RSS and Atom feeds escape.
    const links = (document: string) =>
      [...document.matchAll(/href=(?:"|\\"|&quot;)([^"&\\]+)/g)].map((match) => match[1]);
    for (const document of documents) {
      expect(links(document).length).toBeGreaterThan(0);
      for (const host of OLD_HOSTS) expect(links(document).filter((link) => link.includes(host))).toEqual([]);
    }

    const page = documents[0];
    const share = /href="([^"]*\/html_News\/NewsShare\.html\?infoCode=NW202201122244036113)"/.exec(page)?.[1];
    const category = /href="([^"]*\/category\/chengduribao\.html)"/.exec(page)?.[1];
    expect(share, 'the share link in the body').toBeDefined();
    expect(category, 'the category link in the body').toBeDefined();
    const toPost = await get(stack, share!.replace(/^https?:\/\/[^/]+/, ''));
    expect(toPost.status).toBe(301);
    expect(toPost.headers.get('location')).toBe(`${stack.url}${SEED_PATH}`);
    expect((await get(stack, category!.replace(/^https?:\/\/[^/]+/, ''))).status).toBe(200);
  });

  it('answers requests that arrive under an old host (its DNS moved here) as it answers its own', async () => {
    const { hostname, port } = new URL(stack.url);
    const underOldHost = (path: string) =>
      new Promise<{ status?: number; location?: string; body: string }>((resolve, reject) => {
        // fetch() may not set Host; node:http sends what the old host's readers' browsers send.
        request({ hostname, port, path, headers: { host: OLD_HOSTS[0] } }, (response) => {
          let body = '';
          response
            .setEncoding('utf8')
            .on('data', (chunk: string) => {
              body += chunk;
            })
            .on('end', () => resolve({ status: response.statusCode, location: response.headers.location, body }));
        })
          .on('error', reject)
          .end();
      });
    const share = await underOldHost('/html_News/NewsShare.html?infoCode=NW202201122244036113');
    expect(share.status).toBe(301);
    expect(share.location).toMatch(new RegExp(`${SEED_PATH.replace(/\./g, '\\.')}$`));
    const page = await underOldHost(SEED_PATH);
    expect(page.status).toBe(200);
    expect(page.body).toContain('金牛');
  });
});
