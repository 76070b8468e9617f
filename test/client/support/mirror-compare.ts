/** Compares a client's mirror with the bridge's own state (bookkeeping fields aside). */
import type { Bus } from '../../../src/bus/bus.js';
import type { TenantView } from '../../../src/client/index.js';
import type { Entity, Topic } from '../../../src/protocol/entities.js';
import { waitFor } from '../../support/wait-for.js';

/** topic -> key -> the entity without `observedAt` / `raw`, keys sorted. */
export type PlainState = Record<string, Record<string, Record<string, unknown>>>;

function plain(entities: Iterable<[string, Entity]>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, entity] of [...entities].sort(([a], [b]) => a.localeCompare(b))) {
    const { observedAt: _observedAt, raw: _raw, ...rest } = entity as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
}

export async function serverState(bus: Bus, tenant: string, topics: readonly Topic[]): Promise<PlainState> {
  const out: PlainState = {};
  for (const topic of topics) out[topic] = plain((await bus.entities(tenant, topic)).entries());
  return out;
}

export function mirrorState(view: TenantView, topics: readonly Topic[]): PlainState {
  const out: PlainState = {};
  for (const topic of topics) out[topic] = plain((view.state[topic] as ReadonlyMap<string, Entity>).entries());
  return out;
}

/**
 * Waits until the mirror equals the bridge's state (and, with every topic, its cursor too);
 * fails with both states side by side.
 */
export async function waitForConvergence(view: TenantView, bus: Bus, topics: readonly Topic[], timeout = 5_000): Promise<void> {
  let last: { mirror: PlainState; server: PlainState; cursor: number | undefined; serverCursor: number } | undefined;
  const everyTopic = topics.length === 10;
  try {
    await waitFor(
      async () => {
        const server = await serverState(bus, view.name, topics);
        const serverCursor = await bus.cursor(view.name);
        const mirror = mirrorState(view, topics);
        last = { mirror, server, cursor: view.cursor, serverCursor };
        return view.live && JSON.stringify(mirror) === JSON.stringify(server) && (!everyTopic || view.cursor === serverCursor);
      },
      { timeout, interval: 20 },
    );
  } catch {
    throw new Error(`mirror of ${view.name} did not converge: ${JSON.stringify(last, null, 1).slice(0, 4000)}`);
  }
}
