import type { PostStore } from './store';

/*
 * Feed item ids are `tag:` URIs whose authority (SITE_ID_AUTHORITY, else the host of SITE_URL)
 * must never change once readers hold them: a reader that sees new ids shows every post again.
 * So the authority is recorded in the table when the site first publishes, and from then on the
 * recorded one is used, whatever the settings say later (setting SITE_URL after the first deploy
 * is the common way to change it by accident).
 */

/** How long an instance keeps using the configured authority before asking again, while none is recorded. */
const UNRECORDED_RECHECK_MS = 60_000;

/** The authority feeds use: the recorded one (kept for the instance's life), else the configured one. */
export class IdAuthority {
  private recorded: string | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private warned = false;

  constructor(
    private readonly store: PostStore,
    private readonly configured: string,
    /** The authority was set explicitly (SITE_ID_AUTHORITY): a different recorded one is worth saying. */
    private readonly explicit: boolean,
    private readonly warn: (message: string) => void,
  ) {}

  async current(): Promise<string> {
    if (this.recorded !== undefined) return this.recorded;
    const now = performance.now();
    if (now - this.checkedAt < UNRECORDED_RECHECK_MS) return this.configured;
    const recorded = await this.store.getIdAuthority();
    this.checkedAt = now;
    if (recorded === undefined) return this.configured;
    this.recorded = recorded;
    if (recorded !== this.configured && this.explicit && !this.warned) {
      this.warned = true;
      this.warn(
        `SITE_ID_AUTHORITY is "${this.configured}", but this site's feeds have used "${recorded}" since it first published; ` +
          'item ids keep that authority (changing it would make every reader show every post again)',
      );
    }
    return recorded;
  }
}
