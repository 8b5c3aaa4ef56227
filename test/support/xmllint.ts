import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './local-stack';

export const SCHEMAS = {
  urlset: join(REPO_ROOT, 'test/fixtures/sitemaps/sitemap.xsd'),
  index: join(REPO_ROOT, 'test/fixtures/sitemaps/siteindex.xsd'),
  news: join(REPO_ROOT, 'test/fixtures/sitemaps/news-sitemap-check.xsd'),
};

/**
 * Validates documents against an XML schema with xmllint (Debian libxml2-utils, installed by
 * test/setup/test-tools.ts), many files per run. Returns xmllint's complaints: empty when every
 * document validates.
 */
export async function xmllint(schema: string, documents: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xmllint-'));
  try {
    const files: string[] = [];
    for (const [index, document] of documents.entries()) {
      const file = join(dir, `${index}.xml`);
      await writeFile(file, document);
      files.push(file);
    }
    const complaints: string[] = [];
    for (let start = 0; start < files.length; start += 500) {
      try {
        await promisify(execFile)('xmllint', ['--noout', '--schema', schema, ...files.slice(start, start + 500)], {
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (error) {
        complaints.push(String((error as { stderr?: string }).stderr ?? error));
      }
    }
    return complaints.join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The text of each `<loc>` in a sitemap or index, entities decoded. */
export function locs(xml: string): string[] {
  return [...xml.matchAll(/<loc>([^<]*)<\/loc>/g)].map((match) =>
    match[1]
      .replace(/&apos;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}
