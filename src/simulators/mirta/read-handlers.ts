/**
 * The polled reqtypes: HELP, PEERS, COUNTPEERS, COUNTCHANNELS, BLFS, FLOWS and CHANNELS.
 * An empty result is MiRTA's 0-byte body, never `[]`.
 */
import { param, tenantsInScope } from './context.js';
import type { HandlerContext } from './context.js';
import { EMPTY, plainKeyValues, plainTable, text } from './formats.js';
import type { ApiResult } from './formats.js';
import { HELP_TEXT } from './help-text.js';
import { BLF_COLUMNS, CHANNEL_COLUMNS, FLOW_COLUMNS, PEER_COLUMNS, blfRow, channelRow, flowHint, flowRow, peerRow } from './rows.js';
import type { Row } from './rows.js';

/** A table in both renderings, or the 0-byte body when there are no rows. */
export function tableResult(columns: readonly string[], rows: readonly Row[]): ApiResult {
  if (rows.length === 0) return EMPTY;
  return { kind: 'data', json: rows, plain: plainTable(columns, rows) };
}

/** `{ "<node>": n, ..., "total": n }` and `<node>:n|...|total:n|`. */
function countsResult(counts: ReadonlyMap<string, number>): ApiResult {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const entries: [string, number][] = [...counts, ['total', total]];
  return { kind: 'data', json: Object.fromEntries(entries), plain: plainKeyValues(entries) };
}

export function help(): ApiResult {
  return text(HELP_TEXT);
}

export function peers(ctx: HandlerContext): ApiResult {
  const rows = tenantsInScope(ctx).flatMap((tenant) => ctx.model.peers(tenant.code).map(peerRow));
  return tableResult(PEER_COLUMNS, rows);
}

/** Peers registered on each node (an unregistered peer is on no node). */
export function countPeers(ctx: HandlerContext): ApiResult {
  const counts = new Map<string, number>();
  for (const tenant of tenantsInScope(ctx)) {
    counts.set(tenant.node, counts.get(tenant.node) ?? 0);
    for (const peer of ctx.model.peers(tenant.code)) {
      if (peer.status !== 'unregistered') counts.set(peer.node, (counts.get(peer.node) ?? 0) + 1);
    }
  }
  return countsResult(counts);
}

/** Channels on each node, or on `nodename` only. */
export function countChannels(ctx: HandlerContext): ApiResult {
  const nodename = param(ctx, 'nodename');
  const counts = new Map<string, number>();
  for (const tenant of tenantsInScope(ctx)) {
    if (nodename === undefined || tenant.node === nodename) counts.set(tenant.node, counts.get(tenant.node) ?? 0);
  }
  for (const leg of ctx.model.channels({ tenant: ctx.tenant?.code, node: nodename })) {
    counts.set(leg.node, (counts.get(leg.node) ?? 0) + 1);
  }
  return countsResult(counts);
}

/** Extension hints, then flows as `FL<number>-<TENANT>` ("the BLF status, peers and flows"). */
export function blfs(ctx: HandlerContext): ApiResult {
  const rows = tenantsInScope(ctx).flatMap((tenant) => [
    ...ctx.model.deviceStates(tenant.code).map((d) => blfRow(d.hint, d.state, d.since)),
    ...ctx.model.flows(tenant.code).map((flow) => blfRow(flowHint(flow), flow.state, flow.since)),
  ]);
  return tableResult(BLF_COLUMNS, rows);
}

export function flows(ctx: HandlerContext): ApiResult {
  const rows = tenantsInScope(ctx).flatMap((tenant) => ctx.model.flows(tenant.code).map((flow) => flowRow(flow, tenant.id)));
  return tableResult(FLOW_COLUMNS, rows);
}

/** Live channels, restricted to `nodename` when given (the fast path on big clusters). */
export function channels(ctx: HandlerContext): ApiResult {
  const now = ctx.model.now();
  const legs = ctx.model.channels({ tenant: ctx.tenant?.code, node: param(ctx, 'nodename') });
  const rows = [...legs].sort((a, b) => a.startedAt - b.startedAt).map((leg) => channelRow(leg, now));
  if (ctx.channelKeyCase === 'ami') return tableResult(CHANNEL_COLUMNS, rows);
  const lower = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v])));
  return tableResult(
    CHANNEL_COLUMNS.map((column) => column.toLowerCase()),
    lower,
  );
}
