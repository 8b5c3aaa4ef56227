import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/local-stack';

// Every relative link between the project's documents resolves: to a file or folder that exists,
// and to a heading that exists when it names one (GitHub's heading anchors).

/** The documents: the READMEs and everything in docs/ (posts under content/ and fixtures are not documents). */
const DOCUMENTS = [
  'README.md',
  'bench/README.md',
  'test/deployed/fixtures/README.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading: lowercased, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchorOf(match[1])));
}

function relativeLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('links between documents', () => {
  it.each(DOCUMENTS)('%s: every relative link and anchor resolves', (document) => {
    const file = join(REPO_ROOT, document);
    const broken: string[] = [];
    for (const link of relativeLinks(file)) {
      const [path, anchor] = link.split('#');
      const target = path === '' ? file : join(dirname(file), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${link}: no ${relative(REPO_ROOT, target)}`);
        continue;
      }
      if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsIn(target).has(anchor))
        broken.push(`${link}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it('finds the links it checks (the README links docs/ and its own headings)', () => {
    const links = relativeLinks(join(REPO_ROOT, 'README.md'));
    expect(links).toContain('docs/posts.md');
    expect(links.some((link) => link.startsWith('#'))).toBe(true);
    expect(anchorOf('Running locally (`npm start`)')).toBe('running-locally-npm-start');
  });
});
