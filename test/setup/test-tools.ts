import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Tools some tests read back with, which no npm package provides here: Debian's Chromium for
 * the browser test (Playwright's own browser download cannot reach its host from this network),
 * a Chinese font for its screenshots, python3-feedparser, the feed parser many readers are built
 * on, libxml2-utils (xmllint, for the sitemaps' XML schemas), nginx (a shared cache in front of the
 * local stack), and jekyll, which the Jekyll
 * parity test builds its fixture site with. `npm test` installs them from Debian's packages when
 * they are missing, and says so, so that the README's test command is all a fresh machine needs.
 * jekyll alone may be missing afterwards (a machine without apt-get or root): the parity test
 * then skips, saying why.
 */
const TOOLS = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  // A Chinese font, so that the screenshots of the pages show the text rather than empty boxes.
  { pkg: 'fonts-wqy-zenhei', present: () => existsSync('/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc') },
  { pkg: 'python3-feedparser', present: () => succeeds('/usr/bin/python3', ['-c', 'import feedparser']) },
  // xmllint validates the sitemaps against their XML schemas (test/fixtures/sitemaps).
  { pkg: 'libxml2-utils', present: () => existsSync('/usr/bin/xmllint') },
  // nginx plays the CDN in front of the local stack (test/integration/shared-cache.test.ts).
  { pkg: 'nginx-light', present: () => existsSync('/usr/sbin/nginx') },
];

/** Installed like TOOLS when missing, but optional: test/integration/jekyll-parity.test.ts skips without it. */
const OPTIONAL_TOOLS = [{ pkg: 'jekyll', present: () => existsSync('/usr/bin/jekyll') }];

export default function setup(): void {
  installOptional();
  const missing = TOOLS.filter((tool) => !tool.present()).map((tool) => tool.pkg);
  if (missing.length === 0) return;
  const command = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!existsSync('/usr/bin/apt-get') || process.getuid?.() !== 0) {
    throw new Error(
      `The tests need the Debian packages ${missing.join(', ')}; install them first (as root: apt-get update && ${command})`,
    );
  }
  console.log(
    `npm test: installing the Debian packages ${missing.join(', ')} (missing; used by the browser and feed-reader tests)…`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  const still = TOOLS.filter((tool) => !tool.present()).map((tool) => tool.pkg);
  if (still.length) throw new Error(`apt-get ran, yet ${still.join(', ')} is still missing`);
}

function installOptional(): void {
  const missing = OPTIONAL_TOOLS.filter((tool) => !tool.present()).map((tool) => tool.pkg);
  if (missing.length === 0) return;
  if (!existsSync('/usr/bin/apt-get') || process.getuid?.() !== 0) {
    console.log(
      `npm test: the Debian packages ${missing.join(', ')} are missing and cannot be installed here (needs apt-get as root); the tests that use them skip`,
    );
    return;
  }
  console.log(
    `npm test: installing the Debian packages ${missing.join(', ')} (missing; used by the Jekyll parity test)…`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch (error) {
    console.log(
      `npm test: apt-get could not install ${missing.join(', ')} (${error instanceof Error ? error.message : String(error)}); the tests that use them skip`,
    );
  }
}

function succeeds(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
