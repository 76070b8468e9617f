/**
 * MiRTA rows -> protocol entities (docs/vendors/mirta.md "Row shapes"), keyed by entity key.
 * Pure: the poll time and the previous entities come in as arguments.
 */
import type { Agent, Blf, Extension, Flow, Peer, Queue } from '../../protocol/entities.js';
import type { AgentRow, QueueListItem, Row } from './parsers.js';
import { stripTenantCode, tenantCodeOf } from './tenant-codes.js';

export { splitByTenant, stripTenantCode, tenantCodeOf } from './tenant-codes.js';
export { channelPeer, channelState, channelTenant, describeCalls, durationSeconds, normalizeChannels, type CallParties } from './normalize-channels.js';

export interface NormalizeContext {
  /** The source id stamped on every entity. */
  source: string;
  /** The poll time: `observedAt`, and the base of `startedAt` / `answeredAt`. */
  now: Date;
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

function stamp<T extends object>(entity: T, ctx: NormalizeContext): T & { source: string; observedAt: string } {
  return { source: ctx.source, observedAt: ctx.now.toISOString(), ...entity };
}

/** Builds a keyed map; the first row of a key wins (duplicates are a vendor glitch). */
function keyed<T>(items: Iterable<[string, T] | undefined>): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (item && !map.has(item[0])) map.set(item[0], item[1]);
  return map;
}

// ---------------------------------------------------------------- peers

/** `100-DEMO/100-DEMO` -> `100-DEMO`. */
export function peerName(name: string): string {
  return (name.split('/')[0] ?? '').trim();
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

export function normalizePeers(rows: readonly Row[], ctx: NormalizeContext): Map<string, Peer> {
  return keyed(
    rows.map((row): [string, Peer] | undefined => {
      const name = peerName(row.name ?? '');
      if (name === '') return undefined;
      const peer: Peer = stamp({ name, ...peerStatus(row) }, ctx);
      const address = peerAddress(row);
      if (address) peer.address = address;
      const node = present(row.node);
      if (node) peer.node = node;
      peer.raw = { ...row };
      return [name, peer];
    }),
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
export function normalizeBlfs(rows: readonly Row[], ctx: NormalizeContext & { tenantCode: string }): Map<string, Blf> {
  return keyed(
    rows.map((row): [string, Blf] | undefined => {
      const hint = present(row.st_extension);
      if (!hint) return undefined;
      const state = BLF_STATE[(row.st_state ?? '').trim().toUpperCase()] ?? 'unknown';
      const kind = FLOW_HINT.test(hint) ? 'flow' : 'device';
      const blf: Blf = stamp({ extension: stripTenantCode(hint, ctx.tenantCode), state, hint, kind }, ctx);
      const since = epochToIso(row.st_timestamp);
      if (since) blf.since = since;
      blf.raw = { ...row };
      return [hint, blf];
    }),
  );
}

const FLOW_STATES: ReadonlySet<string> = new Set(['INUSE', 'NOT_INUSE', 'UNAVAILABLE', 'RINGING']);

export function normalizeFlows(rows: readonly Row[], ctx: NormalizeContext): Map<string, Flow> {
  return keyed(
    rows.map((row): [string, Flow] | undefined => {
      const number = present(row.fl_number);
      if (!number) return undefined;
      const raw = (row.st_state ?? '').trim().toUpperCase();
      const state = (FLOW_STATES.has(raw) ? raw : 'UNAVAILABLE') as Flow['state'];
      const flow: Flow = stamp({ number, state }, ctx);
      const value = present(row.fl_value);
      if (value !== undefined) flow.value = value;
      const name = present(row.fl_name);
      if (name !== undefined) flow.name = name;
      flow.raw = { ...row };
      return [number, flow];
    }),
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

export function normalizeAgents(queue: string, rows: readonly AgentRow[], ctx: NormalizeContext & { tenantCode: string }): Map<string, Agent> {
  return keyed(rows.filter((row) => row.agent.trim() !== '').map((row): [string, Agent] => [agentKey(queue, row.agent), normalizeAgent(queue, row, ctx)]));
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

export function normalizeExtensions(rows: readonly Row[], ctx: NormalizeContext): Map<string, Extension> {
  return keyed(
    rows.map((row): [string, Extension] | undefined => {
      const number = present(row.ex_number ?? row.number);
      if (!number) return undefined;
      const extension: Extension = stamp({ number }, ctx);
      const name = present(row.ex_name ?? row.name);
      if (name !== undefined) extension.name = name;
      const tech = present(row.ex_tech ?? row.tech);
      if (tech !== undefined) extension.tech = tech;
      if (row.ex_disabled !== undefined) extension.enabled = row.ex_disabled.trim() !== '1';
      extension.raw = Object.fromEntries(EXTENSION_RAW_FIELDS.filter((field) => row[field] !== undefined).map((field) => [field, row[field]]));
      return [number, extension];
    }),
  );
}
