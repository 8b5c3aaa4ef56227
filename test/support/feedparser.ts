import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// Debian's python3-feedparser is seen by /usr/bin/python3 (not by a python3 earlier on PATH).
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
def entry(e):
    return {k: e.get(k) for k in ('id', 'title', 'link', 'published', 'updated', 'summary')} | {
        'published_utc': e.get('published_parsed') and list(e.published_parsed)[:6],
        'tags': [t.get('term') for t in e.get('tags', [])],
        'content': [c.get('value') for c in e.get('content', [])],
        'enclosures': [{'href': x.get('href'), 'type': x.get('type'), 'length': x.get('length')} for x in e.get('enclosures', [])],
        'media_thumbnail': [m.get('url') for m in e.get('media_thumbnail', [])],
    }
print(json.dumps({
    'bozo': bool(d.bozo), 'bozo_exception': str(d.get('bozo_exception', '')), 'version': d.version,
    'feed': {k: d.feed.get(k) for k in ('title', 'link', 'id', 'updated', 'language')},
    'links': [{'rel': l.get('rel'), 'href': l.get('href')} for l in d.feed.get('links', [])],
    'entries': [entry(e) for e in d.entries],
}))
`;

export interface ParsedByFeedparser {
  bozo: boolean;
  bozo_exception: string;
  version: string;
  feed: { title?: string; link?: string; id?: string; updated?: string; language?: string };
  links: Array<{ rel: string; href: string }>;
  entries: Array<{
    id?: string;
    title?: string;
    link?: string;
    published?: string;
    updated?: string;
    summary?: string;
    published_utc?: number[];
    tags: string[];
    content: string[];
    enclosures: Array<{ href?: string; type?: string; length?: string }>;
    media_thumbnail: string[];
  }>;
}

/** Parses a feed with Python's feedparser, the parser most readers are built on. */
export function parseWithFeedparser(document: string): ParsedByFeedparser {
  if (!existsSync(PYTHON))
    throw new Error(
      `${PYTHON} is missing: install python3 and python3-feedparser (npm test does when it runs as root: test/setup/test-tools.ts)`,
    );
  try {
    return JSON.parse(
      execFileSync(PYTHON, ['-c', SCRIPT], { input: document, maxBuffer: 64 * 1024 * 1024 }).toString('utf8'),
    );
  } catch (error) {
    throw new Error(
      `feedparser failed — is python3-feedparser installed (apt-get install python3-feedparser)? ${(error as Error).message}`,
    );
  }
}
