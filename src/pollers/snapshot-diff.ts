/**
 * The only place that decides what changed: a pure, keyed, O(n) diff of two snapshots of one
 * tenant + topic. No I/O, no clock: callers stamp the results.
 */
import { NON_STATE_FIELDS, type Entity } from '../protocol/entities.js';
import { PreviousWalk } from './previous-walk.js';

export type ChangeKind = 'added' | 'updated' | 'removed';

export interface EntityChange {
  kind: ChangeKind;
  key: string;
  /** The entity as it is now; for a removal, as it last was. */
  entity: Entity;
  previous?: Entity;
  /** Fields that differ (updates only). */
  changed?: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  // Entities are flat; nested values (vendor extras) are rare and small, so compare structurally.
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Names of the state fields whose values differ (bookkeeping fields like observedAt excluded). */
export function changedFields(previous: Entity, next: Entity): string[] {
  const changed: string[] = [];
  const prev = previous as Record<string, unknown>;
  const curr = next as Record<string, unknown>;
  for (const field in curr) {
    if (NON_STATE_FIELDS.has(field)) continue;
    if (!sameValue(prev[field], curr[field])) changed.push(field);
  }
  for (const field in prev) {
    if (NON_STATE_FIELDS.has(field) || field in curr) continue;
    if (prev[field] !== undefined) changed.push(field);
  }
  return changed;
}

/**
 * Changes that turn `previous` into `next`: additions and updates in `next`'s order, then
 * removals in `previous`'s order. Unchanged entities produce nothing; normalizers hand back the
 * previous object for an unchanged vendor record, which costs one identity check here.
 */
export function diffSnapshots(previous: ReadonlyMap<string, Entity>, next: ReadonlyMap<string, Entity>): EntityChange[] {
  const changes: EntityChange[] = [];
  const walk = new PreviousWalk(previous);
  next.forEach((entity, key) => {
    const position = walk.size > 0 ? walk.locate(key) : -1;
    if (position < 0) {
      changes.push({ kind: 'added', key, entity });
      return;
    }
    walk.claim(position);
    const before = walk.valueAt(position);
    if (before === entity) return;
    const changed = changedFields(before, entity);
    if (changed.length > 0) changes.push({ kind: 'updated', key, entity, previous: before, changed });
  });
  if (!walk.complete) {
    for (const [key, entity] of walk.unclaimed()) changes.push({ kind: 'removed', key, entity });
  }
  return changes;
}
