/** Configuration lists (queues, users) -> `queues` / `extensions` entities. */
import type { Entity, Extension, Queue } from '../../protocol/entities.js';
import { PollError } from '../../pollers/poll-error.js';

export function parseList(body: string, what: string): Record<string, unknown>[] {
  if (body.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new PollError('parse', `XiVO ${what} answer is not JSON`);
  }
  if (!Array.isArray(data)) throw new PollError('parse', `XiVO ${what} answer is not a list`);
  return data.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null);
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/** Queue rows: config only, the web services have no live waiting count (`waiting` is 0). */
export function queuesFromRows(rows: readonly Record<string, unknown>[], base: { source: string; observedAt: string }): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const row of rows) {
    const id = str(row.id);
    if (id === undefined) continue;
    const queue: Queue = { ...base, queue: id, waiting: 0 };
    const name = str(row.displayname) ?? str(row.name);
    if (name !== undefined) queue.name = name;
    const number = str(row.number);
    if (number !== undefined) queue.number = number;
    out.set(id, queue);
  }
  return out;
}

/** User rows (`pbx_settings/users?act=list`) keyed by their number; users without one are skipped. */
export function extensionsFromUsers(rows: readonly Record<string, unknown>[], base: { source: string; observedAt: string }): Map<string, Entity> {
  const out = new Map<string, Entity>();
  for (const row of rows) {
    const line = Array.isArray(row.linefeatures) ? (row.linefeatures[0] as Record<string, unknown> | undefined) : undefined;
    const number = str(row.number) ?? str(line?.number) ?? str(row.entityid === undefined ? undefined : row.number);
    if (number === undefined) continue;
    const ext: Extension = { ...base, number };
    const name = [str(row.firstname), str(row.lastname)].filter(Boolean).join(' ') || str(row.fullname);
    if (name) ext.name = name;
    const tech = str(line?.protocol) ?? str(row.protocol);
    if (tech !== undefined) ext.tech = tech;
    if (typeof row.commented === 'boolean') ext.enabled = !row.commented;
    else if (row.commented === '0' || row.commented === '1') ext.enabled = row.commented === '0';
    out.set(number, ext);
  }
  return out;
}
