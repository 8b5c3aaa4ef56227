import { describe, expect, it } from 'vitest';
import {
  type IngestDeps,
  ingestChange,
  type ObjectChange,
  reconcileKey,
  type StoredObject,
} from '../../functions/core/ingest';
import { shortCodeCandidate } from '../../functions/core/short-code';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import type { SourceState } from '../../functions/core/store';
import { MemoryPostStore } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// Who holds a post id, a page path and a share code when several object keys (or several
// versions of one key) want them, by what is visible afterwards: the outcome and its reason,
// which page a path serves, which post a share code leads to, and what a refused edit leaves up.

const encoder = new TextEncoder();
const ONE = 'posts/2022-05-01-one.md';
const TWO = 'posts/2022-05-02-two.md';

/** A bucket of several keys, without versions (every event reads what the key holds now). */
class Bucket {
  readonly objects = new Map<string, StoredObject>();
  put(key: string, text: string): void {
    this.objects.set(key, { bytes: encoder.encode(text), etag: `etag-${this.objects.size}-${text.length}` });
  }
  readObject = async (key: string): Promise<StoredObject | undefined> =>
    key === SITE_CONFIG_KEY ? undefined : this.objects.get(key);
}

function post(fields: string[], body = 'Body.'): string {
  return `---\n${fields.join('\n')}\n---\n${body}\n`;
}

let events = 0;
function created(key: string): ObjectChange {
  events++;
  return {
    key,
    kind: 'created',
    sequencer: s3Sequencer(events),
    eventTime: `2024-01-01T00:00:${String(events % 60).padStart(2, '0')}.000Z`,
  };
}

function setup() {
  const store = new MemoryPostStore();
  const bucket = new Bucket();
  const deps: IngestDeps = { store, readObject: bucket.readObject };
  const upload = (key: string, text: string) => {
    bucket.put(key, text);
    return ingestChange(created(key), deps);
  };
  return { store, bucket, deps, upload };
}

/** Holds the first `operation` request from now on until `release()`; `reached` resolves then. */
function pauseAt(store: MemoryPostStore, operation: string) {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let armed = true;
  store.step = async (name) => {
    if (armed && name === operation) {
      armed = false;
      reach();
      await gate;
    }
  };
  return {
    reached,
    release: () => {
      store.step = async () => {};
      release();
    },
  };
}

const NW = 'NW202201122244036113';
const shareLink = (code: string) => `<http://x.example/html_News/NewsShare.html?infoCode=${code}>`;

describe('ingest: a declared infoCode another post holds', () => {
  it("refuses an edit that declares it as the post's id too, before writing: the version already published stays up", async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: one', `infoCode: ${NW}`, 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    expect(await upload(TWO, post(['title: Two', 'date: 2022-05-02']))).toMatchObject({
      result: 'published',
      postId: '2022-05-02-two',
    });
    const before = store.dump().filter((row) => !row.pk.startsWith('SOURCE#') && row.pk !== 'FAILURES');

    // Its id would be the code (no `id:`), and the code is one's.
    expect(await upload(TWO, post(['title: Two edited', `infoCode: ${NW}`, 'date: 2022-05-02']))).toEqual({
      key: TWO,
      result: 'rejected',
      feeds: [],
      error: `infoCode "${NW}" is already published by ${ONE}`,
    });
    expect(store.dump().filter((row) => !row.pk.startsWith('SOURCE#') && row.pk !== 'FAILURES')).toEqual(before);
    expect(await store.findPage('/2022/05/02/two.html')).toMatchObject({
      post: { id: '2022-05-02-two', title: 'Two' },
    });
    expect(await store.getShareLink(NW)).toMatchObject({ postId: 'one', gone: false });
  });

  it("names the post holding it by its id when that post's item is missing", async () => {
    const { store, upload } = setup();
    expect(await store.claimShareLink({ code: NW, postId: 'ghost', path: '/ghost.html' })).toBe(true);
    expect(await upload(ONE, post(['title: One', 'id: one', `infoCode: ${NW}`, 'date: 2022-05-01']))).toEqual({
      key: ONE,
      result: 'rejected',
      feeds: [],
      error: `infoCode "${NW}" is already published by post ghost`,
    });
    expect(await store.getPost('one')).toBeUndefined();
  });

  it('lets a post keep the infoCode it declares when it is uploaded again', async () => {
    const { store, upload } = setup();
    const text = (title: string) => post([`title: ${title}`, 'id: one', `infoCode: ${NW}`, 'date: 2022-05-01']);
    expect(await upload(ONE, text('One'))).toMatchObject({ result: 'published' });
    expect(await upload(ONE, text('One again'))).toMatchObject({ result: 'published', postId: 'one' });
    expect(await store.getShareLink(NW)).toMatchObject({ postId: 'one', gone: false });
    expect((await store.getPost('one'))?.title).toBe('One again');
  });

  it('takes the code from a post that only found it in a link of its body', async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: one', 'date: 2022-05-01'], shareLink(NW)))).toMatchObject({
      result: 'published',
    });
    expect(await store.getShareLink(NW)).toMatchObject({ postId: 'one', fromBody: true });
    expect(await upload(TWO, post(['title: Two', `infoCode: ${NW}`, 'date: 2022-05-02']))).toMatchObject({
      result: 'published',
      postId: NW,
    });
    expect(await store.getShareLink(NW)).toMatchObject({ postId: NW, path: '/2022/05/02/two.html', gone: false });
  });

  it('refuses a post that declares it while another key claims it at the same time, keeping nothing of the refused post', async () => {
    const { store, bucket, deps } = setup();
    bucket.put(TWO, post(['title: Two', 'id: two', `infoCode: ${NW}`, 'date: 2022-05-02']));
    // Two has found the code free and is about to write its post when one claims the code.
    const paused = pauseAt(store, 'putPost');
    const two = ingestChange(created(TWO), deps);
    await paused.reached;
    store.step = async () => {};
    bucket.put(ONE, post(['title: One', 'id: one', `infoCode: ${NW}`, 'date: 2022-05-01']));
    expect(await ingestChange(created(ONE), deps)).toMatchObject({ result: 'published' });
    paused.release();

    expect(await two).toEqual({
      key: TWO,
      result: 'rejected',
      feeds: [],
      error: `infoCode "${NW}" is already published by ${ONE}`,
    });
    expect(await store.getPost('two')).toBeUndefined();
    expect(await store.findPage('/2022/05/02/two.html')).not.toHaveProperty('post');
    expect(await store.getShareLink(NW)).toMatchObject({ postId: 'one', gone: false });
  });

  it('names the post that won such a race by its id when its item is missing', async () => {
    const { store, bucket, deps } = setup();
    bucket.put(TWO, post(['title: Two', 'id: two', `infoCode: ${NW}`, 'date: 2022-05-02']));
    const paused = pauseAt(store, 'putPost');
    const two = ingestChange(created(TWO), deps);
    await paused.reached;
    store.step = async () => {};
    expect(await store.claimShareLink({ code: NW, postId: 'ghost', path: '/ghost.html' })).toBe(true);
    paused.release();
    expect(await two).toEqual({
      key: TWO,
      result: 'rejected',
      feeds: [],
      error: `infoCode "${NW}" is already published by post ghost`,
    });
  });

  it('publishes a post that declares its own short code as its infoCode, holding that one code', async () => {
    const { store, upload } = setup();
    const code = shortCodeCandidate('one', 0);
    expect(await upload(ONE, post(['title: One', 'id: one', `infoCode: ${code}`, 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
      postId: 'one',
    });
    expect((await store.getPost('one'))?.shortCode).toBe(code);
    expect((await store.getSourceState(ONE))?.published?.shareCodes).toEqual([code]);
  });
});

describe("ingest: a code found in a post's body", () => {
  it('stays with the post that declared it; the post finding it publishes with its own short code', async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: one', `infoCode: ${NW}`, 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    expect(await upload(TWO, post(['title: Two', 'id: two', 'date: 2022-05-02'], shareLink(NW)))).toMatchObject({
      result: 'published',
      postId: 'two',
    });
    expect(await store.getShareLink(NW)).toMatchObject({ postId: 'one', gone: false });
    expect(await store.getShareLink(shortCodeCandidate('two', 0))).toMatchObject({ postId: 'two', gone: false });
  });

  it('as its id, moves to the post that declares that id: the finder goes back to its own id and first short code', async () => {
    const { store, upload, deps } = setup();
    // The id's first short code is held elsewhere: two takes the id on its first attempt, a code on its second.
    expect(await store.claimShareLink({ code: shortCodeCandidate(NW, 0), postId: 'other', path: '/other.html' })).toBe(
      true,
    );
    // One's id is the code in its body; two declares the code, so two's id is that code.
    expect(await upload(ONE, post(['title: One', 'date: 2022-05-01'], shareLink(NW)))).toMatchObject({
      result: 'published',
      postId: NW,
    });
    expect(await upload(TWO, post(['title: Two', `infoCode: ${NW}`, 'date: 2022-05-02']))).toMatchObject({
      result: 'published',
      postId: NW,
    });

    expect(await store.findPage('/2022/05/02/two.html')).toMatchObject({
      post: { id: NW, shortCode: shortCodeCandidate(NW, 1) },
    });
    // One was applied again at once: it has its key's id and that id's first short code.
    expect(await store.findPage('/2022/05/01/one.html')).toMatchObject({
      post: { id: '2022-05-01-one', shortCode: shortCodeCandidate('2022-05-01-one', 0) },
    });
    expect(await store.getSourceState(ONE)).toMatchObject({ status: 'published', postId: '2022-05-01-one' });
    expect(await reconcileKey(ONE, deps)).toMatchObject({ result: 'unchanged' });
  });
});

describe('ingest: a post moved off an id by a post declaring it, under two deliveries at once', () => {
  it('is moved to its own id even when the delivery that took the id is not the one that commits', async () => {
    const { store, bucket, deps, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'date: 2022-05-01'], shareLink(NW)))).toMatchObject({
      result: 'published',
      postId: NW,
    });
    bucket.put(TWO, post(['title: Two', `infoCode: ${NW}`, 'date: 2022-05-02']));
    const event = created(TWO);
    // The first delivery takes the id from one's post item, then waits before its commit while
    // the second (which finds the item already its key's) runs to its end.
    const paused = pauseAt(store, 'commitSourceState');
    const first = ingestChange(event, deps);
    await paused.reached;
    store.step = async () => {};
    expect(await ingestChange(event, deps)).toMatchObject({ result: 'published', postId: NW });
    paused.release();
    expect(await first).toMatchObject({ result: 'skipped', reason: 'another delivery of the same event applied it' });

    expect(await store.findPage('/2022/05/01/one.html')).toMatchObject({
      post: { id: '2022-05-01-one', title: 'One' },
    });
    expect(await store.getSourceState(ONE)).toMatchObject({ status: 'published', postId: '2022-05-01-one' });
  });
});

describe('ingest: a page path', () => {
  it('held by another key with the same declared id refuses the post for its id, not its path', async () => {
    const { store, upload } = setup();
    const text = post(['title: One', 'id: one', 'permalink: /one/', 'date: 2022-05-01']);
    expect(await upload(ONE, text)).toMatchObject({ result: 'published', path: '/one/' });
    // The same file uploaded under a second name.
    expect(await upload(TWO, text)).toEqual({
      key: TWO,
      result: 'rejected',
      feeds: [],
      error: `post id "one" is already published by ${ONE}`,
    });
    expect(await store.findPage('/one/')).toMatchObject({ post: { sourceKey: ONE } });
  });

  it("stays with its key when the key's post changes its id", async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: first', 'permalink: /one/', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    expect(await upload(ONE, post(['title: One', 'id: second', 'permalink: /one/', 'date: 2022-05-01']))).toMatchObject(
      { result: 'published', postId: 'second' },
    );
    expect(await store.findPage('/one/')).toMatchObject({ post: { id: 'second' } });
    expect(await store.getPost('first')).toBeUndefined();
  });
});

describe('ingest: short codes', () => {
  it('a post keeps the short code it has on its next upload, even when an earlier candidate became free', async () => {
    const { store, upload } = setup();
    const first = shortCodeCandidate('one', 0);
    expect(await store.claimShareLink({ code: first, postId: 'other', path: '/other.html' })).toBe(true);
    expect(await upload(ONE, post(['title: One', 'id: one', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    expect((await store.getPost('one'))?.shortCode).toBe(shortCodeCandidate('one', 1));
    // The other post's link is removed altogether: the first candidate is free again.
    store.deleteRows((row) => row.pk === `SHARE#${first}`);
    expect(await upload(ONE, post(['title: One, edited', 'id: one', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    expect((await store.getPost('one'))?.shortCode).toBe(shortCodeCandidate('one', 1));
    expect(await store.getShareLink(first)).toBeUndefined();
  });
});

describe('ingest: a state written before states recorded their rows', () => {
  /** Rewrites KEY's state as older versions wrote it: the post's id, no `published`. */
  async function makeLegacy(store: MemoryPostStore, key: string, postId?: string): Promise<void> {
    const state = (await store.getSourceState(key))!;
    const { published: _published, ...legacy } = state;
    expect(
      (await store.commitSourceState({ ...legacy, ...(postId ? { postId } : {}) } as SourceState, state)).committed,
    ).toBe(true);
  }

  it('naming a post that is gone: the next upload publishes', async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: one', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    await makeLegacy(store, ONE);
    store.deleteRows((row) => row.pk === 'POST#one');
    expect(await upload(ONE, post(['title: One again', 'id: one', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
      postId: 'one',
    });
    expect((await store.getPost('one'))?.title).toBe('One again');
  });

  it("naming a post another key owns: that post is not this key's to take back, nor its feeds this change's", async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: one', 'date: 2022-05-01', 'categories: mine']))).toMatchObject({
      result: 'published',
    });
    expect(await upload(TWO, post(['title: Two', 'id: two', 'date: 2022-05-02', 'categories: theirs']))).toMatchObject({
      result: 'published',
    });
    await makeLegacy(store, ONE, 'two');
    const outcome = await upload(ONE, post(['title: One again', 'id: one', 'date: 2022-05-01', 'categories: mine']));
    expect(outcome).toMatchObject({ result: 'published', postId: 'one' });
    expect(outcome.feeds).not.toContainEqual({ kind: 'category', name: 'theirs' });
    expect(await store.findPage('/theirs/2022/05/02/two.html')).toMatchObject({ post: { id: 'two' } });
  });

  it('takes back both share codes of the post it names (its short code and its infoCode) when the id changes', async () => {
    const { store, upload } = setup();
    expect(await upload(ONE, post(['title: One', 'id: one', 'infoCode: NW7', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
    });
    await makeLegacy(store, ONE);
    expect(await upload(ONE, post(['title: One', 'id: renamed', 'date: 2022-05-01']))).toMatchObject({
      result: 'published',
      postId: 'renamed',
    });
    expect(await store.getShareLink(shortCodeCandidate('one', 0))).toMatchObject({ postId: 'one', gone: true });
    expect(await store.getShareLink('NW7')).toMatchObject({ postId: 'one', gone: true });
  });

  it('records, beside a refusal, the codes the post it names holds: its short code, and its infoCode once', async () => {
    for (const infoCode of [undefined, shortCodeCandidate('one', 0)]) {
      const { store, upload } = setup();
      const fields = ['title: One', 'id: one', 'date: 2022-05-01', ...(infoCode ? [`infoCode: ${infoCode}`] : [])];
      expect(await upload(ONE, post(fields))).toMatchObject({ result: 'published' });
      await makeLegacy(store, ONE);
      expect(await upload(ONE, post(['date: 2022-05-01']))).toMatchObject({ result: 'rejected' });
      expect((await store.getSourceState(ONE))?.published?.shareCodes).toEqual([shortCodeCandidate('one', 0)]);
    }
  });
});
