/**
 * `reqtype=INFO&info=<x>`: queues, queue, agents, extensions, extstate, cdrs, simplecdrs,
 * queuelogs, flow and the id-taking infos. An unknown `info` answers 0 bytes.
 */
import { param, tenantsInScope } from './context.js';
import type { Handler, HandlerContext } from './context.js';
import { EMPTY, csvTable, plainKeyValues, plainTable, text } from './formats.js';
import type { ApiResult } from './formats.js';
import { extensionRecord } from './extension-record.js';
import type { AgentRecord, DeviceState, QueueRecord } from './model-types.js';
import { tableResult } from './read-handlers.js';
import {
  CDR_COLUMNS,
  EXTENSION_PLAIN_COLUMNS,
  FLOW_COLUMNS,
  agentSlots,
  agentStatus,
  cdrRow,
  flowRow,
  queueStatsRow,
  simpleCdrRow,
} from './rows.js';

/** `info=FLOW` without `id` answered a bare 11-byte word. */
const FLOW_WITHOUT_ID = 'UNAVAILABLE';
/** JSON mode's "no rows" for CDRS and QUEUELOGS: one byte, not valid JSON. */
const BROKEN_EMPTY_JSON = ']';

function deviceOf(ctx: HandlerContext) {
  return (agent: AgentRecord): DeviceState => ctx.model.deviceState(agent.agent)?.state ?? 'UNAVAILABLE';
}

function queues(ctx: HandlerContext): ApiResult {
  const list = tenantsInScope(ctx).flatMap((tenant) => ctx.model.queues(tenant.code));
  if (list.length === 0) return EMPTY;
  const entries = list.map((queue) => [queue.id, queue.name] as const);
  return {
    kind: 'data',
    json: Object.fromEntries(entries),
    plain: entries.map(([id, name]) => `${id}: ${name}|`).join(''),
  };
}

function queue(ctx: HandlerContext): ApiResult {
  const id = param(ctx, 'id');
  const all = tenantsInScope(ctx).flatMap((tenant) => ctx.model.queues(tenant.code));
  // Without `id` MiRTA still answered one queue's figures.
  const found = id === undefined ? all[0] : all.find((q) => q.id === id);
  if (!found) return EMPTY;
  const callsOnline = ctx.model.calls(found.tenant).filter((c) => c.queueId === found.id && c.answeredAt !== null).length;
  const row = queueStatsRow(found, deviceOf(ctx), callsOnline, ctx.model.now());
  return { kind: 'data', json: row, plain: plainKeyValues(Object.entries(row)) };
}

function agents(ctx: HandlerContext): ApiResult {
  const queueId = param(ctx, 'queue');
  let members: QueueRecord['agents'];
  if (queueId !== undefined) {
    const found = tenantsInScope(ctx)
      .map((tenant) => ctx.model.queue(tenant.code, queueId))
      .find((q) => q !== undefined);
    // An unknown queue is JSON `null`; plain has nothing to say.
    if (!found) return { kind: 'data', json: null, plain: '' };
    members = found.agents;
  } else {
    // One entry per agent: an agent in two queues shows its first membership.
    const seen = new Map<string, AgentRecord>();
    for (const tenant of tenantsInScope(ctx)) {
      for (const q of ctx.model.queues(tenant.code)) for (const a of q.agents) if (!seen.has(a.agent)) seen.set(a.agent, a);
    }
    members = [...seen.values()];
  }
  if (members.length === 0) return EMPTY;
  const device = deviceOf(ctx);
  return {
    kind: 'data',
    json: Object.fromEntries(members.map((a) => [a.agent, agentSlots(a, device(a))])),
    plain: members.map((a) => `${a.agent}:${agentStatus(a, device(a))}|`).join(''),
  };
}

function extensions(ctx: HandlerContext): ApiResult {
  const id = param(ctx, 'id');
  const number = param(ctx, 'number');
  const records = tenantsInScope(ctx).flatMap((tenant) =>
    ctx.model
      .extensions(tenant.code)
      .filter((ext) => (id === undefined || String(ext.id) === id) && (number === undefined || ext.number === number))
      .map((ext) => {
        const hint = `${ext.number}-${tenant.code}`;
        const state = ctx.model.deviceState(hint)?.state ?? 'UNAVAILABLE';
        return { ext, hint, state, record: extensionRecord(ext, tenant, ctx.model.peer(hint), state) };
      }),
  );
  if (records.length === 0) return EMPTY;
  const plainRows = records.map(({ ext, hint, state }) => ({
    Number: ext.number,
    Name: ext.name,
    Tech: ext.tech,
    State: state,
    Username: hint,
    Password: ext.secrets.password,
  }));
  return { kind: 'data', json: records.map((r) => r.record), plain: plainTable(EXTENSION_PLAIN_COLUMNS, plainRows) };
}

/** `{"UniqueID","LinkedID"}` of the extension's live call; `KO` when it is not registered. */
function extstate(ctx: HandlerContext): ApiResult {
  const tenant = ctx.tenant;
  const ref = param(ctx, 'ext', 'number', 'extension');
  if (!tenant || ref === undefined) return EMPTY;
  const ext = ctx.model.extension(tenant.code, ref);
  const hint = ext ? `${ext.number}-${tenant.code}` : '';
  const device = ctx.model.deviceState(hint)?.state;
  if (!ext || device === undefined || device === 'UNAVAILABLE' || device === 'INVALID') {
    return { kind: 'data', json: { UniqueID: 'KO', LinkedID: 'Extension not registered' }, plain: '\r\n' };
  }
  const leg = ctx.model.channels({ tenant: tenant.code }).find((l) => l.peer === hint);
  const json = { UniqueID: leg?.uniqueid ?? '', LinkedID: leg?.linkedid ?? '' };
  return { kind: 'data', json, plain: plainKeyValues(Object.entries(json)) };
}

function cdrs(ctx: HandlerContext): ApiResult {
  const rows = tenantsInScope(ctx).flatMap((tenant) => ctx.model.cdrs(tenant.code).map((cdr) => cdrRow(cdr, tenant.id)));
  if (rows.length === 0) return text(emptyListBody(ctx));
  return { kind: 'data', json: rows, plain: plainTable(CDR_COLUMNS, rows), csv: csvTable(CDR_COLUMNS, rows) };
}

/** `]` in JSON mode, 0 bytes otherwise. */
function emptyListBody(ctx: HandlerContext): string {
  return ctx.format === 'json' ? BROKEN_EMPTY_JSON : '';
}

function simplecdrs(ctx: HandlerContext): ApiResult {
  const rows = tenantsInScope(ctx).flatMap((tenant) => ctx.model.cdrs(tenant.code).map((cdr) => simpleCdrRow(cdr, tenant.id)));
  if (rows.length === 0) return EMPTY;
  return { kind: 'data', json: rows, plain: '' };
}

/** Queue logs are not modelled: always the empty answer, `]` in JSON mode. */
function queuelogs(ctx: HandlerContext): ApiResult {
  return text(emptyListBody(ctx));
}

function flow(ctx: HandlerContext): ApiResult {
  const id = param(ctx, 'id');
  if (id === undefined) return text(FLOW_WITHOUT_ID);
  for (const tenant of tenantsInScope(ctx)) {
    const found = ctx.model.flows(tenant.code).find((f) => f.id === id || f.number === id);
    if (found) return tableResult(FLOW_COLUMNS, [flowRow(found, tenant.id)]);
  }
  return EMPTY;
}

/** Infos about one object by id (recordings, voicemail, call): the simulator has none to give. */
function needsId(ctx: HandlerContext): ApiResult {
  return param(ctx, 'id') === undefined ? text(ctx.replies.noIdSpecified) : EMPTY;
}

const INFO_HANDLERS: Readonly<Record<string, Handler>> = {
  queues,
  queue,
  agents,
  extensions,
  extstate,
  cdrs,
  simplecdrs,
  queuelogs,
  flow,
  recording: needsId,
  playrecording: needsId,
  inforecording: needsId,
  voicemail: needsId,
  call: needsId,
};

/** Dispatches on `info`, case-insensitively (A-43: `AGENTS` and `agents` answer the same). */
export function info(ctx: HandlerContext): ApiResult {
  const handler = INFO_HANDLERS[(param(ctx, 'info') ?? '').toLowerCase()];
  return handler ? handler(ctx) : EMPTY;
}
