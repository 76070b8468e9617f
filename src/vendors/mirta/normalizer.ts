/**
 * MiRTA rows -> protocol entities (docs/vendors/mirta.md "Row shapes"), keyed by entity key.
 * Pure: the poll time and the previous entities come in as arguments.
 */
import type { Agent, Blf, Entity, Extension, Flow, Peer, Queue } from '../../protocol/entities.js';
import type { AgentRow, QueueListItem, Row } from './parsers.js';
import { buildKeyedSnapshot, type KeyedSnapshot, type Reuse } from '../../pollers/keyed-snapshot.js';
import { stripTenantCode, tenantCodeOf } from './tenant-codes.js';

export { splitByTenant, stripTenantCode, tenantCodeOf } from './tenant-codes.js';
export { channelPeer, channelState, channelTenant, describeCalls, durationSeconds, normalizeChannels, type CallParties } from './normalize-channels.js';

export interface NormalizeContext {
  /** The source id stamped on every entity. */
  source: string;
  /** The poll time: `observedAt`, and the base of `startedAt` / `answeredAt`. */
  now: Date;
  /**
   * The source's entities of this tenant + topic before this poll. An entity whose vendor row
   * is unchanged is handed back as the same object, not rebuilt: the diff then skips it by
   * identity, and an idle 50,000-entity poll costs a fraction of its JSON.parse
   * (bench/diff.ts). Its `observedAt` stays the older time; the state store's per-source
   * confirmation brings it up to date in snapshots (StateStore.confirm).
   */
  previous?: ReadonlyMap<string, Entity> | undefined;
}

// ---------------------------------------------------------------- helpers

const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' || trimmed === '<unknown>' ? undefined : trimmed;
};

const int = (value: string | undefined): number | undefined => {
  const trimmed = value?.trim();
  if (!trimmed || !/^-?\d+(\.\d+)?$/.test(trimmed)) return undefined;
  return Math.round(Number(trimmed));
};

/** UNIX seconds (as text) -> ISO, or undefined. */
export function epochToIso(value: string | undefined): string | undefined {
  const seconds = int(value);
  if (seconds === undefined || seconds <= 0) return undefined;
  return new Date(seconds * 1000).toISOString();
}

/** One ISO string per poll: `toISOString` ran once per entity, 100,000 times for a 50k-phone tenant. */
const isoCache = new WeakMap<Date, string>();

function isoOf(date: Date): string {
  let iso = isoCache.get(date);
  if (iso === undefined) {
    iso = date.toISOString();
    isoCache.set(date, iso);
  }
  return iso;
}

function stamp<T extends object>(entity: T, ctx: NormalizeContext): T & { source: string; observedAt: string } {
  return { source: ctx.source, observedAt: isoOf(ctx.now), ...entity };
}

/** Same field names, same texts. */
export function sameRow(kept: unknown, row: Row): boolean {
  if (typeof kept !== 'object' || kept === null) return false;
  const before = kept as Record<string, unknown>;
  let count = 0;
  for (const name in row) {
    if (before[name] !== row[name]) return false;
    count++;
  }
  for (const _ in before) count--;
  return count === 0;
}

/**
 * Peers, BLFs, flows: the entity keeps the whole row as `raw` and is a pure function of it and
 * the source, so an equal row means an equal entity under the same key.
 */
const WHOLE_ROW: Reuse<Row> = { same: (previous, row) => sameRow(rawOf(previous), row), keyFollows: true };

function rawOf(entity: unknown): unknown {
  return typeof entity === 'object' && entity !== null ? (entity as { raw?: unknown }).raw : undefined;
}

/** Rows -> entities, with the previous ones standing in for unchanged rows (keyed-snapshot.ts). */
function keyedRows<R, T extends Entity>(
  rows: readonly R[],
  ctx: NormalizeContext,
  keyOf: (row: R) => string | undefined,
  build: (row: R, key: string) => T,
  reuse?: Reuse<R>,
): KeyedSnapshot<T> {
  return buildKeyedSnapshot(rows, { keyOf, build, reuse, previous: reuse ? (ctx.previous as ReadonlyMap<string, T> | undefined) : undefined });
}

// ---------------------------------------------------------------- peers

/** `100-DEMO/100-DEMO` -> `100-DEMO`. */
export function peerName(name: string): string {
  const slash = name.indexOf('/');
  return (slash === -1 ? name : name.slice(0, slash)).trim();
}

/** Tenant of a PEERS row, from `Name`. */
export const peerTenant = (codes: readonly string[]) => (row: Row) => tenantCodeOf(peerName(row.name ?? ''), codes);

const LATENCY = /\((\d+(?:\.\d+)?)\s*ms\)/i;

/**
 * shared/vendors §1.10: `OK (23 ms)` and `LAGGED (900 ms)` registered with their latency,
 * `Unmonitored` registered without qualify (no latency), `UNREACHABLE` unreachable; a host
 * `(Unspecified)` (or `UNKNOWN` with no host / port 0) is an unregistered peer.
 */
export function peerStatus(row: Row): Pick<Peer, 'status' | 'latencyMs'> {
  const host = (row.host ?? '').trim().toLowerCase();
  const status = (row.status ?? '').trim();
  if (host === '(unspecified)') return { status: 'unregistered' };
  if (/^unknown\b/i.test(status) && (host === '' || (row.port ?? '').trim() === '0')) return { status: 'unregistered' };
  const latency = LATENCY.exec(status);
  const latencyMs = latency?.[1] !== undefined ? Math.round(Number(latency[1])) : undefined;
  if (/^(ok|lagged)\b/i.test(status)) return latencyMs === undefined ? { status: 'registered' } : { status: 'registered', latencyMs };
  if (/^unmonitored\b/i.test(status)) return { status: 'registered' };
  if (/^unreachable/i.test(status)) return { status: 'unreachable' };
  return { status: 'unknown' };
}

function peerAddress(row: Row): string | undefined {
  const host = present(row.host);
  if (!host || host.startsWith('(')) return undefined;
  const port = present(row.port);
  if (!port || port === '0') return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function normalizePeers(rows: readonly Row[], ctx: NormalizeContext): ReadonlyMap<string, Peer> {
  return keyedRows(
    rows,
    ctx,
    (row) => peerName(row.name ?? ''),
    (row, name) => {
      const peer: Peer = stamp({ name, ...peerStatus(row) }, ctx);
      const address = peerAddress(row);
      if (address) peer.address = address;
      const node = present(row.node);
      if (node) peer.node = node;
      peer.raw = row;
      return peer;
    },
    WHOLE_ROW,
  );
}

// ---------------------------------------------------------------- BLFs and flows

const BLF_STATE: Readonly<Record<string, Blf['state']>> = {
  NOT_INUSE: 'idle',
  INUSE: 'inuse',
  BUSY: 'busy',
  RINGING: 'ringing',
  RINGINUSE: 'ringing',
  ONHOLD: 'onhold',
  UNAVAILABLE: 'unavailable',
  INVALID: 'unavailable',
};

/** A flow among the BLFs: `FL<number>-<TENANT>` (shared/vendors §1.10). */
const FLOW_HINT = /^FL\d+-/i;

/** BLF rows; each entity carries `kind`: `flow` for a flow's hint, `device` otherwise. */
export function normalizeBlfs(rows: readonly Row[], ctx: NormalizeContext & { tenantCode: string }): ReadonlyMap<string, Blf> {
  return keyedRows(
    rows,
    ctx,
    (row) => present(row.st_extension),
    (row, hint) => {
      const state = BLF_STATE[(row.st_state ?? '').trim().toUpperCase()] ?? 'unknown';
      const kind = FLOW_HINT.test(hint) ? 'flow' : 'device';
      const blf: Blf = stamp({ extension: stripTenantCode(hint, ctx.tenantCode), state, hint, kind }, ctx);
      const since = epochToIso(row.st_timestamp);
      if (since) blf.since = since;
      blf.raw = row;
      return blf;
    },
    WHOLE_ROW,
  );
}

const FLOW_STATES: ReadonlySet<string> = new Set(['INUSE', 'NOT_INUSE', 'UNAVAILABLE', 'RINGING']);

export function normalizeFlows(rows: readonly Row[], ctx: NormalizeContext): ReadonlyMap<string, Flow> {
  return keyedRows(
    rows,
    ctx,
    (row) => present(row.fl_number),
    (row, number) => {
      const raw = (row.st_state ?? '').trim().toUpperCase();
      const state = (FLOW_STATES.has(raw) ? raw : 'UNAVAILABLE') as Flow['state'];
      const flow: Flow = stamp({ number, state }, ctx);
      const value = present(row.fl_value);
      if (value !== undefined) flow.value = value;
      const name = present(row.fl_name);
      if (name !== undefined) flow.name = name;
      flow.raw = row;
      return flow;
    },
    WHOLE_ROW,
  );
}

// ---------------------------------------------------------------- queues and agents

export function normalizeQueue(item: QueueListItem, info: Row, ctx: NormalizeContext): Queue {
  const queue: Queue = stamp({ queue: item.id, waiting: int(info.callsinqueue) ?? 0 }, ctx);
  if (item.name !== '') queue.name = item.name;
  const available = int(info.agentsfree);
  if (available !== undefined) queue.agentsAvailable = available;
  const longest = int(info.firstwaiting);
  if (longest !== undefined) queue.longestWaitSec = longest;
  queue.raw = { ...info };
  return queue;
}

const BUSY_STATES: ReadonlySet<string> = new Set(['busy', 'inuse', 'ringing', 'ringinuse', 'onhold']);
const UNAVAILABLE_STATES: ReadonlySet<string> = new Set(['unavailable', 'invalid']);
const TRUE_TEXT: ReadonlySet<string> = new Set(['1', 'true', 'yes']);

/**
 * One agent of one queue. Slots (shared/vendors §1.10): "0" paused (0 or 1), "1" member status,
 * "2" device state, "4" pause reason, "5" calls taken, "6" last call (UNIX s), "10"/"11" the
 * agent id. Any slot may be missing or a number as text. The plain format gives slot 1 only,
 * which some hosts fill with a device state: both vocabularies are read.
 */
export function normalizeAgent(queue: string, row: AgentRow, ctx: NormalizeContext & { tenantCode: string }): Agent {
  const slot = (n: number) => (row.slots[String(n)] ?? '').trim();
  const member = slot(1).toLowerCase();
  const device = slot(2).toLowerCase();
  const paused = TRUE_TEXT.has(slot(0).toLowerCase()) || member === 'paused';
  let status: Agent['status'] = 'available';
  if (paused) status = 'paused';
  else if (UNAVAILABLE_STATES.has(device) || UNAVAILABLE_STATES.has(member)) status = 'unavailable';
  else if (BUSY_STATES.has(device) || BUSY_STATES.has(member)) status = 'busy';
  const agent: Agent = stamp({ queue, agent: row.agent, status, paused }, ctx);
  agent.extension = stripTenantCode(row.agent, ctx.tenantCode);
  const reason = present(slot(4));
  if (paused && reason !== undefined) agent.pauseReason = reason;
  // An empty slot 5 is a count of 0 (the observed idle agent shows `""`); absent is unknown.
  const calls = row.slots['5'] === undefined ? undefined : slot(5) === '' ? 0 : int(slot(5));
  if (calls !== undefined) agent.callsTaken = calls;
  const lastCall = epochToIso(slot(6));
  if (lastCall) agent.lastCallAt = lastCall;
  agent.raw = { ...row.slots };
  return agent;
}

export const agentKey = (queue: string, agent: string): string => `${queue}/${agent}`;

export function normalizeAgents(queue: string, rows: readonly AgentRow[], ctx: NormalizeContext & { tenantCode: string }): ReadonlyMap<string, Agent> {
  return normalizeQueueMembers([{ queue, rows }], ctx);
}

/** The members of one queue, as INFO agents lists them. */
export interface QueueMembers {
  queue: string;
  rows: readonly AgentRow[];
}

/** Every queue's agents in one snapshot (one walk of the previous one, in queue order). */
export function normalizeQueueMembers(queues: readonly QueueMembers[], ctx: NormalizeContext & { tenantCode: string }): ReadonlyMap<string, Agent> {
  const rows = queues.flatMap(({ queue, rows: members }) => members.map((row) => ({ queue, row })));
  return keyedRows(
    rows,
    ctx,
    ({ queue, row }) => (row.agent.trim() === '' ? undefined : agentKey(queue, row.agent)),
    ({ queue, row }) => normalizeAgent(queue, row, ctx),
    // The slots hold neither the queue nor (reliably) the agent: keys are compared first.
    { same: (previous, { row }) => sameRow(rawOf(previous), row.slots), keyFollows: false },
  );
}

// ---------------------------------------------------------------- extensions

/**
 * What `raw: true` subscribers may see of an extension. An allow-list, not a deny-list: the
 * JSON record has ~148 fields, among them SIP and web passwords, lock PINs, 2FA seeds and
 * e-mails, and new ones appear with MiRTA releases.
 */
export const EXTENSION_RAW_FIELDS: readonly string[] = [
  'ex_id', 'ex_number', 'ex_name', 'ex_tech', 'ex_disabled', 'st_state', 'number', 'name', 'tech', 'state', 'username',
];

export function normalizeExtensions(rows: readonly Row[], ctx: NormalizeContext): ReadonlyMap<string, Extension> {
  // No reuse: `raw` keeps an allow-listed part of the row, so it cannot vouch for the whole.
  return keyedRows(
    rows,
    ctx,
    (row) => present(row.ex_number ?? row.number),
    (row, number) => {
      const extension: Extension = stamp({ number }, ctx);
      const name = present(row.ex_name ?? row.name);
      if (name !== undefined) extension.name = name;
      const tech = present(row.ex_tech ?? row.tech);
      if (tech !== undefined) extension.tech = tech;
      if (row.ex_disabled !== undefined) extension.enabled = row.ex_disabled.trim() !== '1';
      extension.raw = Object.fromEntries(EXTENSION_RAW_FIELDS.filter((field) => row[field] !== undefined).map((field) => [field, row[field]]));
      return extension;
    },
  );
}
