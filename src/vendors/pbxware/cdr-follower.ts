/**
 * Follows one tenant's CDRs through `pbxware.cdr.download`, which only filters by date: each
 * poll re-reads a window from `watermark - lookback` and publishes the rows whose key it has not
 * seen. The overlap is what makes it lossless: a CDR carries the call's start time but is written
 * when the call ends, so it can appear behind a window already read. The seen keys (kept, and
 * saved, with the watermark) are what makes it repeat nothing.
 *
 * Paging is safe under insertions: a new row can only push the rows after it to later pages, so
 * resuming at the next page may read a row twice (the seen set drops it) but never skips one.
 */
import type { TenantCdrCursor } from './cdr-cursor-store.js';
import { cdrRecords, type CdrRecord } from './normalizer.js';
import type { CdrPage } from './parsers.js';
import { pbxDateTime } from './pbx-time.js';

/** The window ends a day ahead: a wrong time zone or a clock skew never cuts recent CDRs off. */
const END_AHEAD_MS = 24 * 3_600_000;
/** Seen keys are kept this long beyond the window start, against DST and zone mistakes. */
const PRUNE_SLACK_MS = 3_600_000;
/** A tenant's seen set never grows past this (the oldest keys go first). */
const MAX_SEEN = 200_000;
/** A window is given up after this many pages (a vendor that always says `next_page`). */
const MAX_PAGES_PER_WINDOW = 10_000;

export interface CdrFollowerOptions {
  lookbackMs: number;
  pageSize: number;
  maxPagesPerPoll: number;
  timeZone: string;
  /** Without a watermark: read the first window without publishing it (`startAt: latest`). */
  silentStart: boolean;
  now: () => number;
}

/** Fetches one page; `params` are the cdr.download arguments except `server`. */
export type FetchCdrPage = (params: Readonly<Record<string, string>>) => Promise<CdrPage>;
export type PublishCdrs = (records: readonly CdrRecord[]) => Promise<void>;

export interface CdrPollResult {
  /** The cursor changed (new keys or a new watermark): worth saving. */
  changed: boolean;
  published: number;
  /** Rows without a unique id or a readable time. */
  skipped: number;
}

interface Traversal {
  startedAt: number;
  from: number;
  nextPage: number;
  silent: boolean;
}

export class CdrFollower {
  readonly #cursor: TenantCdrCursor;
  readonly #options: CdrFollowerOptions;
  #traversal: Traversal | undefined;

  constructor(cursor: TenantCdrCursor, options: CdrFollowerOptions) {
    this.#cursor = cursor;
    this.#options = options;
  }

  get cursor(): TenantCdrCursor {
    return this.#cursor;
  }

  /**
   * Reads up to `maxPagesPerPoll` pages of the current window, publishing unseen CDRs page by
   * page. A failure (fetch or publish) leaves the cursor where the last published page put it.
   *
   * @example
   * const result = await follower.poll((params) => fetchPage({ server: '2', ...params }), (records) => sink.patch(...));
   */
  async poll(fetch: FetchCdrPage, publish: PublishCdrs): Promise<CdrPollResult> {
    const result: CdrPollResult = { changed: false, published: 0, skipped: 0 };
    const traversal = (this.#traversal ??= this.#newTraversal());
    const start = pbxDateTime(traversal.from, this.#options.timeZone);
    const end = pbxDateTime(this.#options.now() + END_AHEAD_MS, this.#options.timeZone);
    for (let pages = 0; pages < this.#options.maxPagesPerPoll; pages++) {
      const page = await fetch({
        start: start.date,
        starttime: start.time,
        end: end.date,
        endtime: '23:59:59',
        page: String(traversal.nextPage),
        limit: String(this.#options.pageSize),
      });
      const { records, skipped } = cdrRecords(page, this.#options.timeZone);
      result.skipped += skipped;
      const fresh = this.#unseen(records);
      if (fresh.length > 0) {
        if (!traversal.silent) await publish(fresh);
        for (const record of fresh) this.#cursor.seen.set(record.key, record.startedAtMs);
        result.changed = true;
        if (!traversal.silent) result.published += fresh.length;
      }
      if (!page.nextPage || page.rows.length === 0 || traversal.nextPage >= MAX_PAGES_PER_WINDOW) {
        this.#finish(traversal);
        result.changed = true;
        return result;
      }
      traversal.nextPage++;
    }
    return result;
  }

  #newTraversal(): Traversal {
    const now = this.#options.now();
    const watermark = this.#cursor.watermark;
    return {
      startedAt: now,
      from: (watermark ?? now) - this.#options.lookbackMs,
      nextPage: 1,
      silent: watermark === undefined && this.#options.silentStart,
    };
  }

  #unseen(records: readonly CdrRecord[]): CdrRecord[] {
    const keys = new Set<string>();
    return records.filter((record) => {
      if (this.#cursor.seen.has(record.key) || keys.has(record.key)) return false;
      keys.add(record.key);
      return true;
    });
  }

  /** The window is read: the next one starts from this traversal's start, minus the lookback. */
  #finish(traversal: Traversal): void {
    this.#traversal = undefined;
    this.#cursor.watermark = traversal.startedAt;
    const oldest = traversal.startedAt - this.#options.lookbackMs - PRUNE_SLACK_MS;
    const seen = this.#cursor.seen;
    for (const [key, at] of seen) if (at < oldest) seen.delete(key);
    if (seen.size > MAX_SEEN) {
      const byAge = [...seen].sort((a, b) => a[1] - b[1]);
      for (const [key] of byAge.slice(0, seen.size - MAX_SEEN)) seen.delete(key);
    }
  }
}
