/**
 * The Bus with a shared feed (cluster mode), driven by a scripted feed instead of Redis: it
 * hands listeners what the feed delivers (not what it appended itself), under the tenant's lock
 * so `exclusive` sections keep their meaning, and a `resync` batch reaches the resync listeners
 * after its events; an SSE stream then gets `event: resync` with the state as it is.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import type { EventBatch, EventFeed } from '../../src/bus/event-log.js';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import { MemoryStateStore } from '../../src/bus/memory-state-store.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { BridgeMetrics } from '../../src/observability/metrics.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { createServer } from '../../src/server/create-server.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';
import { createLogger } from '../../src/util/logger.js';
import { openSse } from '../support/sse-client.js';
import { blf } from '../server/harness.js';

const TOKEN = 'bus-feed-token-0123456789abcdef';

class ScriptedFeed implements EventFeed {
  readonly #listeners = new Set<(batch: EventBatch) => void>();
  onEvents(listener: (batch: EventBatch) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  deliver(batch: EventBatch): void {
    for (const listener of this.#listeners) listener(batch);
  }
}

const quiet = createLogger({ level: 'silent', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

function event(seq: number, extension = '100'): BridgeEvent {
  return { seq, tenant: 'acme', ...blf(extension) };
}

function sharedBus(feed: ScriptedFeed): { bus: Bus; state: MemoryStateStore } {
  const state = new MemoryStateStore();
  return { bus: new Bus({ log: new MemoryEventLog({ maxEvents: 100, maxAgeMs: 60_000 }), state, logger: quiet, feed }), state };
}

describe('Bus with a shared feed', () => {
  it('emits what the feed delivers, not its own appends, and never inside an exclusive section', async () => {
    const feed = new ScriptedFeed();
    const { bus } = sharedBus(feed);
    const seen: number[] = [];
    bus.onEvent((e) => seen.push(e.seq));
    const published = await bus.publish('acme', [blf('100')]);
    expect(published.map((e) => e.seq)).toEqual([1]);
    await Promise.resolve();
    expect(seen).toEqual([]);

    let release!: () => void;
    const section = bus.exclusive('acme', () => new Promise<void>((resolve) => (release = resolve)));
    feed.deliver({ tenant: 'acme', events: [event(1), event(2)] });
    feed.deliver({ tenant: 'acme', events: [event(3)] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([]);
    release();
    await section;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(seen).toEqual([1, 2, 3]);
    await bus.close();
  });

  it('tells the resync listeners after the batch\'s events', async () => {
    const feed = new ScriptedFeed();
    const { bus } = sharedBus(feed);
    const order: string[] = [];
    bus.onEvent((e) => order.push(`event ${e.seq}`));
    bus.onResync((tenant) => order.push(`resync ${tenant}`));
    feed.deliver({ tenant: 'acme', events: [event(7)], resync: true });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(order).toEqual(['event 7', 'resync acme']);
    await bus.close();
  });

  it('sends an SSE stream `event: resync` with the current state when its tenant lost events', async () => {
    const feed = new ScriptedFeed();
    const { bus, state } = sharedBus(feed);
    const config = ConfigSchema.parse({ listen: { host: '127.0.0.1', port: 0 }, auth: { tokens: [{ token: TOKEN, tenants: ['acme'], scopes: ['*'] }] } });
    const server = await createServer({ config, bus, sources: new SourceDirectory(), metrics: new BridgeMetrics(), logger: quiet });
    const { url } = await server.listen();
    try {
      const sse = await openSse(`${url}/v1/tenants/acme/events?topics=blfs`, { authorization: `Bearer ${TOKEN}` });
      await sse.waitForFrames((frames) => frames.some((f) => f.event === 'snapshot'));
      // What the shared store holds now (another node wrote it), and a batch after a loss.
      await state.apply('acme', [event(41, '100'), event(42, '101')]);
      feed.deliver({ tenant: 'acme', events: [event(42, '101')], resync: true });
      await sse.waitForFrames((frames) => frames.some((f) => f.event === 'resync'));
      const resync = sse.json<{ cursor: number; resync: boolean; snapshot: { blfs: Array<{ extension: string }> } }>('resync')[0];
      expect(resync?.resync).toBe(true);
      expect(resync?.snapshot.blfs.map((b) => b.extension).sort()).toEqual(['100', '101']);
      sse.close();
    } finally {
      await server.close();
      await bus.close();
    }
  });
});
