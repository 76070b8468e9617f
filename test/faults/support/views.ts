/**
 * What the fault tests compare: per topic, per entity key, only the fields that matter (a
 * channel's state, a lamp's state, an agent's pause...). The simulator's truth and every
 * client's view are reduced to this shape, so the comparison needs no timestamps.
 */
import type { Entity, Topic } from '../../../src/protocol/entities.js';

/** The fields that matter of one entity. */
export type Projection = Readonly<Record<string, unknown>>;
/** topic -> key -> projection, for the compared topics only. */
export type StateView = ReadonlyMap<Topic, ReadonlyMap<string, Projection>>;
/** The compared topics, each with the fields compared (an empty list compares the keys only). */
export type ComparedFields = Readonly<Partial<Record<Topic, readonly string[]>>>;

/** Keeps `fields` of `entity` (absent fields stay absent). */
export function pick(entity: Readonly<Record<string, unknown>>, fields: readonly string[]): Projection {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (entity[field] !== undefined) out[field] = entity[field];
  return out;
}

/**
 * A view of entity maps (a client's mirror): every compared topic, missing topics as empty.
 *
 * @example viewOf({ channels: mirror.channels }, { channels: ['state'] })
 */
export function viewOf(state: (topic: Topic) => ReadonlyMap<string, Entity> | undefined, fields: ComparedFields): StateView {
  const view = new Map<Topic, Map<string, Projection>>();
  for (const [topic, names] of Object.entries(fields) as [Topic, readonly string[]][]) {
    const projected = new Map<string, Projection>();
    for (const [key, entity] of state(topic) ?? new Map<string, Entity>()) projected.set(key, pick(entity as Record<string, unknown>, names));
    view.set(topic, projected);
  }
  return view;
}

const same = (a: Projection, b: Projection): boolean => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
};

/**
 * The differences between the truth and a view, as readable lines; empty when they agree.
 *
 * @example expect(differences(rig.truth(), client.view())).toEqual([]);
 */
export function differences(truth: StateView, view: StateView): string[] {
  const out: string[] = [];
  for (const [topic, expected] of truth) {
    const actual = view.get(topic) ?? new Map<string, Projection>();
    for (const [key, want] of expected) {
      const got = actual.get(key);
      if (got === undefined) out.push(`${topic}/${key}: missing (want ${JSON.stringify(want)})`);
      else if (!same(want, got)) out.push(`${topic}/${key}: ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    for (const key of actual.keys()) if (!expected.has(key)) out.push(`${topic}/${key}: extra (gone at the vendor)`);
  }
  return out;
}

/** A view built from plain maps (for the truth side). */
export function truthView(entries: Iterable<readonly [Topic, Iterable<readonly [string, Projection]>]>): StateView {
  return new Map([...entries].map(([topic, items]) => [topic, new Map(items)] as const));
}
