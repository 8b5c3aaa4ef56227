/**
 * Rewrites each URL of a `srcset` (`url [descriptor], url [descriptor]`). URLs are runs of
 * non-space characters, commas allowed inside, a trailing comma ends one: as the HTML
 * srcset parser reads them. Untouched markup stays byte-identical.
 */
export function mapSrcset(srcset: string, mapUrl: (url: string) => string): string {
  const candidates: string[] = [];
  let changed = false;
  let rest = srcset;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') break;
    let url = (/^\S+/.exec(rest) as RegExpExecArray)[0];
    rest = rest.slice(url.length);
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      const text = (/^[^,]*/.exec(rest) as RegExpExecArray)[0];
      descriptor = text.trim();
      rest = rest.slice(text.length);
    }
    const mapped = mapUrl(url);
    if (mapped !== url) changed = true;
    candidates.push(descriptor ? `${mapped} ${descriptor}` : mapped);
  }
  return changed ? candidates.join(', ') : srcset;
}
