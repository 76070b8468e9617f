/**
 * The `channels` and `peers` view of one PBX, fed by two streams that must not overtake each
 * other: notifications (each followed by a GET of its entity) and full resyncs. Both go
 * through one queue, in arrival order; the entity GETs themselves start at once (pipelined)
 * and only their results wait for their turn.
 *
 * Two rules keep an older answer from overwriting a newer one:
 * - per entity, only the newest notification is applied: an earlier one still in the queue is
 *   dropped (its GET may have been answered before the later change);
 * - a notification that arrived before a resync's GET started is already in that snapshot:
 *   once the resync is applied, it is dropped.
 *
 * A resync is queued when a connection opens: notifications of that connection land on top of
 * its snapshot, so a call that began or ended while the socket was down yields its event
 * exactly once, and nothing still there is ever removed.
 */
import type { Logger } from 'pino';
import type { Channel, Entity, Topic } from '../../protocol/entities.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import { readTarget, refId, splitChannelKey, type EntityRef } from './entity-path.js';
import { channelsFrom, devicePeer, dnPeer, participantChannel, peersFrom, type NormalizeContext } from './normalizer.js';
import type { Device } from './parsers.js';
import type { CallControlReader, EntityBody } from './reader.js';
import { CallControlState, type Affected } from './state.js';

export interface TrackerOptions {
  sink: SnapshotSink;
  tenant: string;
  source: string;
  reader: CallControlReader;
  logger: Logger;
  /** An entity GET failed: the change it announced is unknown until the next resync. */
  onFetchFailed: (err: unknown) => void;
  now?: () => Date;
}

export interface Notification {
  type: 'upsert' | 'remove';
  ref: EntityRef;
}

type Fetched = { ok: true; body: EntityBody | undefined } | { ok: false; err: unknown };

export class CallControlTracker {
  readonly #options: TrackerOptions;
  readonly #now: () => Date;
  readonly #state = new CallControlState();
  /** Entity -> number of its newest notification. */
  readonly #latest = new Map<string, number>();
  #seq = 0;
  /** Notifications numbered up to this are inside the last applied snapshot. */
  #resyncMark = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TrackerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Resolves when everything queued so far has been applied. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Queues one notification; an upsert's GET starts now. Never rejects: failures are logged. */
  notification(received: Notification): void {
    // A device change, added or removed, is read as its DN's new device list.
    const ref = readTarget(received.ref);
    const type = ref === received.ref ? received.type : 'upsert';
    const seq = ++this.#seq;
    const id = refId(ref);
    this.#latest.set(id, seq);
    const fetched: Promise<Fetched> | undefined =
      type === 'upsert'
        ? this.#options.reader.entity(ref).then(
            (body) => ({ ok: true, body }),
            (err: unknown) => ({ ok: false, err }),
          )
        : undefined;
    void this.#enqueue(async () => {
      const result = fetched ? await fetched : undefined;
      if (!this.#isCurrent(seq, id)) return;
      if (result && !result.ok) return this.#options.onFetchFailed(result.err);
      const body = result?.ok ? result.body : undefined;
      await this.#publish(body ? this.#applyBody(ref, body) : this.#remove(ref));
    }).catch((err: unknown) => {
      this.#options.logger.error({ err, source: this.#options.source }, 'applying a 3CX notification failed');
    });
  }

  /** Queues a full resync. Rejects when the GET fails; then nothing changed. */
  resync(): Promise<void> {
    return this.#enqueue(async () => {
      const mark = this.#seq;
      const dns = await this.#options.reader.snapshot();
      this.#state.replaceAll(dns);
      this.#resyncMark = mark;
      const context = this.#context();
      const { sink, tenant } = this.#options;
      await sink.replace(tenant, 'peers', () => peersFrom(this.#state, context));
      await sink.replace(tenant, 'channels', (previous) => channelsFrom(this.#state, previous, context));
    });
  }

  /** The channel key for a key or a bare participant id, if the PBX has it. */
  channelKey(channel: string): string | undefined {
    const split = splitChannelKey(channel);
    if (split) return this.#state.participant(split.dn, split.id) ? channel : undefined;
    return /^\d+$/.test(channel) ? this.#state.findParticipant(channel) : undefined;
  }

  /** The DN's registered devices as last seen. */
  devicesOf(dn: string): Device[] {
    return [...(this.#state.dn(dn)?.devices.values() ?? [])];
  }

  #isCurrent(seq: number, id: string): boolean {
    const latest = this.#latest.get(id);
    if (latest === seq) this.#latest.delete(id);
    return latest === seq && seq > this.#resyncMark;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #applyBody(ref: EntityRef, body: EntityBody): Affected {
    const state = this.#state;
    // The path is what the notification named; a body naming something else is not trusted for the key.
    switch (body.kind) {
      case 'dn':
        return state.applyDn({ ...body.info, dn: ref.dn });
      case 'participants':
        return state.applyParticipants(ref.dn, body.list);
      case 'participant':
        return ref.kind === 'participant' ? state.upsertParticipant(ref.dn, { ...body.participant, id: Number(ref.id) }) : this.#remove(ref);
      case 'devices':
        return state.applyDevices(ref.dn, body.list);
    }
  }

  #remove(ref: EntityRef): Affected {
    const state = this.#state;
    switch (ref.kind) {
      case 'dn':
        return state.removeDn(ref.dn);
      case 'participants':
        return state.applyParticipants(ref.dn, []);
      case 'participant':
        return state.removeParticipant(ref.dn, ref.id);
      case 'devices':
        return state.applyDevices(ref.dn, []);
      case 'device':
        return state.removeDevice(ref.dn, ref.deviceId);
    }
  }

  /** Re-derives the touched entities and publishes what changed (keyed reads only). */
  async #publish(affected: Affected): Promise<void> {
    const context = this.#context();
    await this.#patch('peers', affected.peers, (key) => this.#peer(key, context));
    await this.#patch('channels', affected.channels, async (key) => {
      const split = splitChannelKey(key);
      const participant = split && this.#state.participant(split.dn, split.id);
      if (!split || !participant) return undefined;
      const previous = (await this.#options.sink.get(this.#options.tenant, 'channels', key)) as Channel | undefined;
      return participantChannel({ dn: split.dn, participant, linkedKey: this.#state.linkedKey(split.dn, split.id), previous }, context);
    });
  }

  #peer(key: string, context: NormalizeContext): Entity | undefined {
    const slash = key.indexOf('/');
    if (slash < 0) {
      const record = this.#state.dn(key);
      return record && dnPeer(record, context);
    }
    // A DN never holds a slash; a device id may.
    const dn = key.slice(0, slash);
    const device = this.#state.dn(dn)?.devices.get(key.slice(slash + 1));
    return device && devicePeer(dn, device, context);
  }

  async #patch(topic: Topic, keys: ReadonlySet<string>, derive: (key: string) => Entity | undefined | Promise<Entity | undefined>): Promise<void> {
    if (keys.size === 0) return;
    const upserts = new Map<string, Entity>();
    const removals: string[] = [];
    for (const key of keys) {
      const entity = await derive(key);
      if (entity) upserts.set(key, entity);
      else removals.push(key);
    }
    await this.#options.sink.patch(this.#options.tenant, topic, upserts, removals);
  }

  #context(): NormalizeContext {
    return { source: this.#options.source, observedAt: this.#now().toISOString() };
  }
}
