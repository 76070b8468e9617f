/**
 * How events are produced in each phase: paced (fixed rate), windowed (as fast as the clients
 * keep up, with a bounded number of events in flight), the simulator mutated as fast as the
 * pipeline absorbs it (e2e), and a replay of what e2e published (the raw baseline's e2e).
 */
import type { Bus } from '../../src/bus/bus.js';
import type { MirtaModel } from '../../src/simulators/mirta/index.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { sleep, wallNow, yieldToIo } from '../lib/clock.js';
import { BENCH_CODE } from './bench-bridge.js';
import type { ClientFleet } from './client-fleet.js';
import { controlledDraft, wireEvent } from './controlled-events.js';
import { markedValue } from './protocol.js';
import { rawRoom, type RawServer } from './raw-server.js';

/** Publishes `count` controlled events, stamped with one send time. */
export type Publish = (count: number) => void;

/** callbridge: straight into the bus, which logs, stores and fans out. */
export function busPublisher(bus: Bus, tenant: string, onError: (err: unknown) => void): Publish {
  let index = 0;
  return (count) => {
    const sentAt = wallNow();
    const ts = new Date(sentAt).toISOString();
    const drafts = Array.from({ length: count }, () => controlledDraft(index++, sentAt, ts));
    bus.publish(tenant, drafts).catch(onError);
  };
}

/** Baseline: the same wire events, emitted to the same room. */
export function rawPublisher(raw: RawServer, tenant: string): Publish {
  let index = 0;
  let seq = 0;
  const room = rawRoom(tenant, 'blfs');
  return (count) => {
    const sentAt = wallNow();
    const ts = new Date(sentAt).toISOString();
    for (let i = 0; i < count; i++) raw.emit(room, wireEvent(++seq, tenant, controlledDraft(index++, sentAt, ts)));
  };
}

/** `rate` events/s for `durationMs`, in batches of whatever is due each ~1 ms tick. @returns events sent. */
export async function paced(publish: Publish, rate: number, durationMs: number): Promise<number> {
  const start = wallNow();
  let sent = 0;
  for (;;) {
    const elapsed = wallNow() - start;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed * rate) / 1000) - sent;
    if (due > 0) {
      publish(due);
      sent += due;
    }
    await sleep(1);
  }
  return sent;
}

/**
 * As fast as the clients take it: keeps at most `window` events not yet received by the average
 * client, publishing `batch` at a time. @returns events sent.
 */
export async function windowed(fleet: ClientFleet, clients: number, publish: Publish, window: number, batch: number, durationMs: number): Promise<number> {
  const end = wallNow() + durationMs;
  let sent = 0;
  while (wallNow() < end) {
    const inFlight = sent - fleet.delivered / clients;
    if (inFlight < window) {
      const count = Math.max(1, Math.min(batch, Math.floor(window - inFlight)));
      publish(count);
      sent += count;
      await yieldToIo();
    } else {
      await fleet.nextProgress();
    }
  }
  return sent;
}

export interface CapturedEvent {
  /** ms after the phase started. */
  readonly at: number;
  readonly event: BridgeEvent;
}

export interface E2eOptions {
  readonly model: MirtaModel;
  readonly bus: Bus;
  readonly tenant: string;
  readonly flowNumbers: readonly string[];
  /** Flow changes not yet seen by the average client. */
  readonly window: number;
  readonly durationMs: number;
  /** The bridge's FLOWS interval: how long to wait for the last changes to be polled. */
  readonly pollMs: number;
}

/**
 * Sets flow values in the simulator as fast as the pipeline absorbs them; the value is the
 * mutation time, so every client can time vendor change -> delivery. @returns what the bus
 * published, timed, for the raw replay.
 */
export async function driveSimulator(fleet: ClientFleet, clients: number, options: E2eOptions): Promise<CapturedEvent[]> {
  const { model, bus, flowNumbers } = options;
  const captured: CapturedEvent[] = [];
  const start = wallNow();
  const stop = bus.onEvent((event) => {
    if (event.tenant === options.tenant && event.topic === 'flows') captured.push({ at: wallNow() - start, event });
  });
  try {
    const end = start + options.durationMs;
    let mutations = 0;
    while (wallNow() < end) {
      // Each flow is changed again only `flowNumbers.length` changes later, long after its last
      // change was polled, so two changes never merge into one event.
      const inFlight = mutations - fleet.delivered / clients;
      if (inFlight < options.window) {
        const number = flowNumbers[mutations % flowNumbers.length] ?? '';
        model.setFlow(BENCH_CODE, number, { value: markedValue(wallNow()) });
        mutations++;
      } else {
        await fleet.nextProgress();
      }
    }
    // Let the last changes be polled: stop once a few intervals pass without a new event.
    let seen = -1;
    while (seen !== captured.length) {
      seen = captured.length;
      await sleep(options.pollMs * 3);
    }
  } finally {
    stop();
  }
  return captured;
}

/**
 * Emits the captured events on the raw server with the same timing and the same flow control
 * as e2e had: a burst goes out at its captured time, or later if `window` events are still in
 * flight. A burst shares one send time, like a poll's events share their `ts`; `data.value`
 * and `ts` carry that time.
 */
export async function replay(fleet: ClientFleet, clients: number, raw: RawServer, tenant: string, captured: readonly CapturedEvent[], window: number): Promise<number> {
  const room = rawRoom(tenant, 'flows');
  const wire = captured.map(({ at, event }) => ({ at, event: wireEvent(event.seq, event.tenant, event) }));
  const start = wallNow();
  let next = 0;
  while (next < wire.length) {
    const upcoming = wire[next];
    if (upcoming !== undefined && upcoming.at > wallNow() - start) {
      await sleep(Math.max(1, upcoming.at - (wallNow() - start)));
      continue;
    }
    if (next - fleet.delivered / clients >= window) {
      await fleet.nextProgress();
      continue;
    }
    const elapsed = wallNow() - start;
    const sentAt = wallNow();
    const ts = new Date(sentAt).toISOString();
    const value = markedValue(sentAt);
    for (let item = wire[next]; item !== undefined && item.at <= elapsed; item = wire[++next]) {
      raw.emit(room, { ...item.event, ts, data: { ...item.event.data, value } });
    }
  }
  return wire.length;
}
