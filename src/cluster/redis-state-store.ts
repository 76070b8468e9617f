/**
 * The cluster's current state: one hash per tenant + topic (`state:{tenant}:{topic}`, entity
 * key -> entity JSON, its `source` inside), one per tenant + topic for confirmations
 * (`confirmed:{tenant}:{topic}`, source -> ISO time), and `applied:{tenant}`, the highest `seq`
 * whose event the hashes hold.
 *
 * Two nodes apply their own batches after numbering them, so without care node A could write
 * seq 5 after node B wrote seq 6 of the same key, and a snapshot read between "numbered" and
 * "applied" would carry a cursor its entities do not match. Hence, in cluster mode, the event
 * log writes the state in its append script (`RedisEventLog` option `writeState`), and:
 * - `apply` skips events at or below `applied:{tenant}`: after such an append it is a no-op, and
 *   a late or repeated apply can never take an entity back in time;
 * - `snapshotWithCursor` reads `applied` and the hashes in one MULTI: a cursor that matches the
 *   entities exactly, on any node.
 */
import type { Redis } from 'ioredis';
import type { StateStore } from '../bus/state-store.js';
import type { Entity, Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import type { RedisKeys } from './keys.js';
import { LuaScript, replyInteger, type ScriptArg } from './lua-script.js';

const APPLY_ARGS_PER_EVENT = 5;

/**
 * KEYS: applied, then one state hash per topic of the batch.
 * ARGV: n, then per event: seq, state key index (1-based among the hashes), entity key,
 *   removed ('1'/'0'), entity JSON. Returns the new `applied`.
 */
const APPLY = new LuaScript(
  'apply',
  `
local applied = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local top = applied
local n = tonumber(ARGV[1])
for i = 1, n do
  local base = 1 + (i - 1) * ${APPLY_ARGS_PER_EVENT}
  local seq = tonumber(ARGV[base + 1])
  if seq > applied then
    local hash = KEYS[1 + tonumber(ARGV[base + 2])]
    if ARGV[base + 4] == '1' then
      redis.call('HDEL', hash, ARGV[base + 3])
    else
      redis.call('HSET', hash, ARGV[base + 3], ARGV[base + 5])
    end
    if seq > top then top = seq end
  end
end
if top > applied then redis.call('SET', KEYS[1], string.format('%d', top)) end
return top
`,
);

export interface RedisStateStoreOptions {
  readonly redis: Redis;
  readonly keys: RedisKeys;
}

type Snapshot = Partial<Record<Topic, Entity[]>>;

/**
 * @example
 * const state = new RedisStateStore({ redis: conn.client, keys: conn.keys });
 * const { cursor, snapshot } = await state.snapshotWithCursor('acme', ['channels']);
 */
export class RedisStateStore implements StateStore {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;

  constructor(options: RedisStateStoreOptions) {
    this.#redis = options.redis;
    this.#keys = options.keys;
  }

  async apply(tenant: string, events: readonly BridgeEvent[]): Promise<void> {
    if (events.length === 0) return;
    const topics: Topic[] = [];
    const args: ScriptArg[] = [events.length];
    for (const event of events) {
      let index = topics.indexOf(event.topic);
      if (index < 0) index = topics.push(event.topic) - 1;
      args.push(event.seq, index + 1, event.key, event.removed ? '1' : '0', event.removed ? '' : JSON.stringify(event.data));
    }
    const keys = [this.#keys.applied(tenant), ...topics.map((topic) => this.#keys.state(tenant, topic))];
    replyInteger(await APPLY.run(this.#redis, keys, args), 'apply');
  }

  async entities(tenant: string, topic: Topic, source?: string): Promise<ReadonlyMap<string, Entity>> {
    const hash = await this.#redis.hgetall(this.#keys.state(tenant, topic));
    const out = new Map<string, Entity>();
    for (const [key, json] of Object.entries(hash)) {
      const entity = JSON.parse(json) as Entity;
      if (source === undefined || entity.source === source) out.set(key, entity);
    }
    return out;
  }

  async entity(tenant: string, topic: Topic, key: string): Promise<Entity | undefined> {
    const json = await this.#redis.hget(this.#keys.state(tenant, topic), key);
    return json === null ? undefined : (JSON.parse(json) as Entity);
  }

  async owner(tenant: string, topic: Topic, key: string): Promise<string | undefined> {
    return (await this.entity(tenant, topic, key))?.source;
  }

  async confirm(tenant: string, topic: Topic, source: string, at: string): Promise<void> {
    await this.#redis.hset(this.#keys.confirmed(tenant, topic), source, at);
  }

  async snapshot(tenant: string, topics: readonly Topic[]): Promise<Snapshot> {
    return (await this.#read(tenant, topics, false)).snapshot;
  }

  /**
   * The entities and the `seq` they reflect, read atomically: a subscriber given this snapshot
   * needs exactly the events after `cursor`. Use it (not `log.cursor` + `snapshot`) in cluster
   * mode, with the log's `writeState` on.
   */
  snapshotWithCursor(tenant: string, topics: readonly Topic[]): Promise<{ cursor: number; snapshot: Snapshot }> {
    return this.#read(tenant, topics, true);
  }

  /** Nothing to release: the client is the caller's, and the data is the cluster's. */
  async close(): Promise<void> {}

  async #read(tenant: string, topics: readonly Topic[], withCursor: boolean): Promise<{ cursor: number; snapshot: Snapshot }> {
    const multi = this.#redis.multi();
    if (withCursor) multi.get(this.#keys.applied(tenant));
    for (const topic of topics) multi.hgetall(this.#keys.state(tenant, topic)).hgetall(this.#keys.confirmed(tenant, topic));
    const replies = await multi.exec();
    if (!replies) throw new Error('snapshot: transaction aborted');
    for (const [err] of replies) if (err) throw err;
    const values = replies.map(([, value]) => value);
    const cursor = withCursor ? Number(values.shift() ?? 0) : 0;
    const snapshot: Snapshot = {};
    topics.forEach((topic, i) => {
      const entities = (values[2 * i] ?? {}) as Record<string, string>;
      const confirmed = (values[2 * i + 1] ?? {}) as Record<string, string>;
      snapshot[topic] = Object.values(entities).map((json) => {
        const entity = JSON.parse(json) as Entity;
        // As MemoryStateStore: an entity the source confirmed since it last changed is that fresh.
        const at = confirmed[entity.source];
        return at !== undefined && at > entity.observedAt ? { ...entity, observedAt: at } : entity;
      });
    });
    return { cursor, snapshot };
  }
}
