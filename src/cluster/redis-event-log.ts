/**
 * The cluster's replay log: one Redis stream per tenant (`log:{tenant}`, entry id `<seq>-0`)
 * and a counter (`seq:{tenant}`), written by one Lua script (event-log-scripts.ts) that also
 * PUBLISHes the batch on `feed`, so every node learns every tenant's events whichever node
 * appended them (`onEvents`).
 *
 * `size()` must answer synchronously (it is a metric), so it is a figure cached per tenant from
 * each append's reply and refreshed with XLEN every `refreshIntervalMs` for the tenants this
 * node knows (with the feed on: all of them).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventDraft, EventLog } from '../bus/event-log.js';
import type { EventMirror } from './event-mirror.js';
import type { Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import { entryTime, entryToEvent, parseFeedMessage, type StreamEntry } from './event-log-codec.js';
import { APPEND, APPEND_ARGS_PER_COPY, APPEND_ARGS_PER_EVENT, APPEND_FIXED_ARGS } from './event-log-scripts.js';
import { FeedSequencer, type FeedFill, type FeedListener } from './event-feed.js';
import type { RedisKeys } from './keys.js';
import { replyInteger, type ScriptArg } from './lua-script.js';

export interface RedisEventLogOptions {
  /** Commands client. */
  readonly redis: Redis;
  /** A client for pub/sub only: turns on the event feed (`onEvents`). */
  readonly subscriber?: Redis;
  readonly keys: RedisKeys;
  /** Events kept per tenant. */
  readonly maxEvents: number;
  /** Events older than this (ms) are dropped. */
  readonly maxAgeMs: number;
  /**
   * Also write each event into the state hashes, in the same script (cluster mode): then a
   * snapshot read with `RedisStateStore.snapshotWithCursor` on any node matches its cursor,
   * and `RedisStateStore.apply` of the same events is a no-op.
   */
  readonly writeState?: boolean;
  /**
   * Also write each event to a second stream in the same script (cluster mode: the socket.io
   * adapter's, so broadcasts are in `seq` order across nodes; see EventMirror).
   */
  readonly mirror?: EventMirror;
  /** Epoch ms of the appender (ages are measured with it); tests pass their own. */
  readonly now?: () => number;
  /** How often the feed checks every tenant's cursor and `size()` is refreshed. Default 5 s. */
  readonly refreshIntervalMs?: number;
  readonly logger?: Logger;
}

const DEFAULT_REFRESH_INTERVAL_MS = 5_000;
/** A quiet tenant's stream outlives its newest event by this much before the key expires. */
const IDLE_GRACE_MS = 60_000;
const SCAN_COUNT = 1_000;

/**
 * @example
 * const log = new RedisEventLog({ redis: conn.client, subscriber: conn.subscriber, keys: conn.keys,
 *   maxEvents: 10_000, maxAgeMs: 600_000, writeState: true });
 * log.onEvents(({ tenant, events, resync }) => bus.deliver(tenant, events, resync));
 * await log.start();
 * await log.append('acme', drafts); // every node's listeners get them, in seq order
 */
export class RedisEventLog implements EventLog {
  readonly #redis: Redis;
  readonly #subscriber: Redis | undefined;
  readonly #keys: RedisKeys;
  readonly #maxEvents: number;
  readonly #maxAgeMs: number;
  readonly #writeState: boolean;
  readonly #now: () => number;
  readonly #refreshIntervalMs: number;
  readonly #logger: Logger | undefined;
  readonly #mirror: EventMirror | undefined;
  readonly #feed: FeedSequencer;
  /** Highest seq seen per tenant: the floor passed to APPEND, and the known tenants. */
  readonly #known = new Map<string, number>();
  readonly #sizes = new Map<string, number>();
  #size = 0;
  /**
   * `off` until start(); `starting` while the baselines are read (batches wait in #early);
   * `on` once batches go to the sequencer.
   */
  #feedState: 'off' | 'starting' | 'on' = 'off';
  #early: Array<{ tenant: string; events: BridgeEvent[] }> = [];
  #timer: NodeJS.Timeout | undefined;
  #started: Promise<void> | undefined;
  #closed = false;
  readonly #onMessage = (channel: string, message: string): void => this.#heard(channel, message);
  readonly #onSubscriberReady = (): void => void this.#resubscribed();

  constructor(options: RedisEventLogOptions) {
    if (!(options.maxEvents >= 1)) throw new RangeError(`maxEvents: expected >= 1, received ${options.maxEvents}`);
    if (!(options.maxAgeMs > 0)) throw new RangeError(`maxAgeMs: expected > 0, received ${options.maxAgeMs}`);
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#keys = options.keys;
    this.#maxEvents = options.maxEvents;
    this.#maxAgeMs = options.maxAgeMs;
    this.#writeState = options.writeState ?? false;
    this.#now = options.now ?? Date.now;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.#logger = options.logger;
    this.#mirror = options.mirror;
    this.#feed = new FeedSequencer({ fill: (tenant, after) => this.#held(tenant, after), ...(options.logger ? { logger: options.logger } : {}) });
  }

  /**
   * Every batch appended by any node once `start()` has resolved, per tenant in seq order with
   * no gap (see FeedSequencer), this node's own appends included. Needs the `subscriber` client.
   */
  onEvents(listener: FeedListener): () => void {
    if (!this.#subscriber) throw new Error('RedisEventLog: onEvents needs the `subscriber` option');
    return this.#feed.onBatch(listener);
  }

  /** Subscribes the feed, learns every tenant's cursor (the feed's baseline), starts the refresh. */
  start(): Promise<void> {
    this.#started ??= this.#start().catch((err: unknown) => {
      this.#started = undefined;
      this.#feedState = 'off';
      this.#early = [];
      throw err;
    });
    return this.#started;
  }

  async #start(): Promise<void> {
    this.#feedState = 'starting';
    const subscriber = this.#subscriber;
    if (subscriber) {
      subscriber.off('message', this.#onMessage).on('message', this.#onMessage);
      // Subscribe before reading the baselines: a batch appended in between is then both heard
      // and covered, and the sequencer drops the copy.
      await subscriber.subscribe(this.#keys.feed());
    }
    await this.#reconcile();
    const early = this.#early;
    this.#early = [];
    this.#feedState = 'on';
    for (const batch of early) void this.#feed.offer(batch.tenant, batch.events);
    // Pub/sub drops what is published while the subscriber reconnects: check every cursor then.
    subscriber?.off('ready', this.#onSubscriberReady).on('ready', this.#onSubscriberReady);
    this.#timer = setInterval(() => void this.#reconcile(), this.#refreshIntervalMs);
    this.#timer.unref();
  }

  async append(tenant: string, drafts: readonly EventDraft[]): Promise<BridgeEvent[]> {
    if (drafts.length === 0) return [];
    const topics: Topic[] = [];
    const mirror = this.#mirror;
    const args: ScriptArg[] = [
      tenant,
      this.#now(),
      this.#maxEvents,
      this.#maxAgeMs,
      this.#known.get(tenant) ?? 0,
      this.#maxAgeMs + IDLE_GRACE_MS,
      this.#subscriber ? this.#keys.feed() : '',
      this.#writeState ? '1' : '0',
      drafts.length,
      mirror ? mirror.maxLen : 0,
      mirror?.uid ?? '',
      mirror?.nsp ?? '',
      mirror?.type ?? '',
    ];
    let copies = 0;
    for (const draft of drafts) {
      let index = topics.indexOf(draft.topic);
      if (index < 0) index = topics.push(draft.topic) - 1;
      const json = JSON.stringify(draft);
      args.push(json);
      if (this.#writeState) args.push(index + 1, draft.key, draft.removed ? '1' : '0', JSON.stringify(draft.data));
      else args.push('', '', '', '');
      const mirrored = mirror ? mirror.copies(tenant, draft, json) : [];
      args.push(mirrored.length);
      for (const copy of mirrored) args.push(copy.rooms, copy.head, copy.tail);
      copies += mirrored.length;
    }
    if (args.length !== APPEND_FIXED_ARGS + drafts.length * APPEND_ARGS_PER_EVENT + copies * APPEND_ARGS_PER_COPY) {
      throw new Error('RedisEventLog: APPEND arguments out of step');
    }
    const keys = [this.#keys.seq(tenant), this.#keys.log(tenant), this.#keys.applied(tenant)];
    if (this.#writeState) for (const topic of topics) keys.push(this.#keys.state(tenant, topic));
    if (mirror) keys.push(mirror.stream);
    const reply = await APPEND.run(this.#redis, keys, args);
    if (!Array.isArray(reply)) throw new TypeError('append: expected an array reply');
    const first = replyInteger(reply[0], 'append');
    this.#setSize(tenant, replyInteger(reply[1], 'append'));
    const events = drafts.map((draft, i): BridgeEvent => ({ seq: first + i, tenant, ...draft }));
    this.#see(tenant, first + drafts.length - 1);
    if (this.#subscriber) this.#offer(tenant, events);
    return events;
  }

  async since(tenant: string, since: number): Promise<BridgeEvent[] | null> {
    const [counter, entries] = await this.#read(tenant, since);
    const cursor = Math.max(counter, this.#known.get(tenant) ?? 0);
    if (since > cursor) return null;
    if (since === cursor) return [];
    const events = this.#fresh(tenant, entries);
    const first = events[0];
    if (!first || first.seq !== since + 1) return null;
    return events;
  }

  async cursor(tenant: string): Promise<number> {
    const counter = Number((await this.#redis.get(this.#keys.seq(tenant))) ?? 0);
    this.#see(tenant, counter);
    return Math.max(counter, this.#known.get(tenant) ?? 0);
  }

  size(): number {
    return this.#size;
  }

  /** Stops the feed and the refresh; leaves the clients (the caller's) and the data alone. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#feedState = 'off';
    this.#early = [];
    if (this.#timer) clearInterval(this.#timer);
    const subscriber = this.#subscriber;
    if (subscriber && this.#started) {
      subscriber.off('message', this.#onMessage);
      subscriber.off('ready', this.#onSubscriberReady);
      if (subscriber.status === 'ready') await subscriber.unsubscribe(this.#keys.feed()).catch(() => undefined);
    }
    this.#known.clear();
    this.#sizes.clear();
    this.#size = 0;
  }

  /** The counter and the stream after `since`, read atomically. */
  async #read(tenant: string, since: number): Promise<[number, StreamEntry[]]> {
    const replies = await this.#redis
      .multi()
      .get(this.#keys.seq(tenant))
      .xrange(this.#keys.log(tenant), String(Math.max(0, since) + 1), '+')
      .exec();
    if (!replies) throw new Error('since: transaction aborted');
    for (const [err] of replies) if (err) throw err;
    const counter = Number(replies[0]?.[1] ?? 0);
    this.#see(tenant, counter);
    return [counter, (replies[1]?.[1] as StreamEntry[] | undefined) ?? []];
  }

  /** Stream entries as events, less those older than `maxAgeMs` (at the head: entries are in time order). */
  #fresh(tenant: string, entries: readonly StreamEntry[]): BridgeEvent[] {
    const cutoff = this.#now() - this.#maxAgeMs;
    let start = 0;
    while (start < entries.length && entryTime(entries[start]!) < cutoff) start++;
    return entries.slice(start).map((entry) => entryToEvent(tenant, entry));
  }

  /** The feed's fill: what the log holds after `after`. */
  async #held(tenant: string, after: number): Promise<FeedFill> {
    const [counter, entries] = await this.#read(tenant, after);
    const events = this.#fresh(tenant, entries);
    return { events, complete: events.length === 0 ? counter <= after : events[0]?.seq === after + 1 };
  }

  /**
   * ioredis emits `ready` before it re-sends SUBSCRIBE: subscribe again (a no-op for Redis) and
   * read the cursors once that is acknowledged, so a batch is either heard or read.
   */
  async #resubscribed(): Promise<void> {
    try {
      await this.#subscriber?.subscribe(this.#keys.feed());
    } catch (err) {
      this.#logger?.warn({ err }, 'event feed could not resubscribe');
      return;
    }
    await this.#reconcile();
  }

  #heard(channel: string, message: string): void {
    if (channel !== this.#keys.feed() || this.#closed) return;
    const batch = parseFeedMessage(message);
    if (!batch) {
      this.#logger?.warn('event feed: malformed message ignored');
      return;
    }
    this.#see(batch.tenant, batch.events.at(-1)?.seq ?? 0);
    this.#offer(batch.tenant, batch.events);
  }

  #offer(tenant: string, events: BridgeEvent[]): void {
    if (this.#feedState === 'starting') this.#early.push({ tenant, events });
    else if (this.#feedState === 'on') void this.#feed.offer(tenant, events);
  }

  /** Learns every tenant's cursor and log length; delivers what the feed missed. */
  async #reconcile(): Promise<void> {
    try {
      const seqKeys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await this.#redis.scan(cursor, 'MATCH', this.#keys.seqPattern(), 'COUNT', SCAN_COUNT);
        cursor = next;
        seqKeys.push(...found);
      } while (cursor !== '0');
      const tenants = [...new Set([...seqKeys.map((key) => this.#keys.tenantOfSeqKey(key)), ...this.#known.keys()])];
      if (tenants.length === 0) return;
      const pipeline = this.#redis.pipeline();
      for (const tenant of tenants) pipeline.get(this.#keys.seq(tenant)).xlen(this.#keys.log(tenant));
      const replies = (await pipeline.exec()) ?? [];
      tenants.forEach((tenant, i) => {
        const counter = Number(replies[2 * i]?.[1] ?? 0);
        this.#setSize(tenant, Number(replies[2 * i + 1]?.[1] ?? 0));
        this.#see(tenant, counter);
        // Before start() completes this sets the baseline; afterwards it fills what was missed.
        if (!this.#subscriber) return;
        if (this.#feedState === 'starting') this.#feed.baseline(tenant, counter);
        else if (this.#feedState === 'on') void this.#feed.reconcile(tenant, counter);
      });
    } catch (err) {
      this.#logger?.warn({ err }, 'event log refresh failed');
      if (this.#feedState === 'starting') throw err;
    }
  }

  #see(tenant: string, seq: number): void {
    if (seq > (this.#known.get(tenant) ?? -1)) this.#known.set(tenant, seq);
  }

  #setSize(tenant: string, held: number): void {
    this.#size += held - (this.#sizes.get(tenant) ?? 0);
    this.#sizes.set(tenant, held);
  }
}
