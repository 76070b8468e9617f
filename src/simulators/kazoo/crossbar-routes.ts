/**
 * Crossbar account routes the bridge uses: channels (cb_channels), quickcall (cb_quickcall),
 * ACDC agents (cb_agents). Answers, status codes and error strings follow
 * shared/vendors/README.md §2.4–2.6; asynchronous effects (AMQP casts in Kazoo) land after
 * `actionDelayMs`.
 */
import type { ServerResponse } from 'node:http';
import type { KazooModel } from './model.js';
import type { SimDevice } from './model-types.js';
import { gregorian, newCallId, restChannel } from './payloads.js';
import { sendError, sendSuccess, sendValidation } from './envelope.js';
import type { Scheduler } from '../scheduler.js';

export interface SimFlags {
  /** Off: channel actions answer 202 and nothing happens (no Konami / metaflows on the call). */
  metaflows: boolean;
  /** Delay before an accepted asynchronous action takes effect. */
  actionDelayMs: number;
  /** How long a quickcall device rings before answering (then the number is dialled); < 0 = never. */
  quickcallAnswerMs: number;
  /** Set: `api_auth` answers this status (an error envelope) whatever the key — a broken crossbar. */
  apiAuthStatus?: number | undefined;
}

export interface AccountRoute {
  res: ServerResponse;
  method: string;
  accountId: string;
  path: string[];
  query: URLSearchParams;
  body: unknown;
  token: string;
  model: KazooModel;
  scheduler: Scheduler;
  flags: SimFlags;
}

/** Quickcall options that are not custom application variables. */
const QUICKCALL_OPTIONS = new Set(['auto_answer', 'cid-name', 'cid-number', 'ignore-early-media', 'media', 'number_filter', 'target_call_id', 'timeout', 'auth_token']);
const AGENT_STATUSES = new Set(['login', 'logout', 'pause', 'resume', 'end_wrapup']);

const dataOf = (body: unknown): Record<string, unknown> => {
  const data = (body as { data?: unknown } | null)?.data;
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
};

export function routeAccount(route: AccountRoute): void {
  const [resource, id, sub, extra] = route.path;
  const { method, res, token } = route;
  if (resource === 'channels' && id === undefined && method === 'GET') return listChannels(route);
  if (resource === 'channels' && id !== undefined && sub === undefined) {
    if (method === 'GET') return getChannel(route, id);
    if (method === 'POST') return channelAction(route, id);
  }
  if ((resource === 'devices' || resource === 'users') && id !== undefined && sub === 'quickcall' && extra !== undefined) {
    if (method === 'GET' || method === 'POST') return quickcall(route, resource, id, extra);
  }
  if (resource === 'agents') {
    if (id === undefined && method === 'GET') return listAgents(route);
    if (id === 'status' && sub === undefined && method === 'GET') return agentStatuses(route);
    if (id !== undefined && sub === 'status' && method === 'POST') return setAgentStatus(route, id);
  }
  sendError(res, 404, 'not found', {}, token);
}

function accountOf(route: AccountRoute) {
  const account = route.model.accounts.get(route.accountId);
  if (!account) throw new Error('unknown account');
  return account;
}

function listChannels(route: AccountRoute): void {
  const account = accountOf(route);
  const now = route.model.now();
  const items = route.model.legsOf(route.accountId).map((leg) => restChannel(leg, account, now));
  sendSuccess(route.res, 200, items, { authToken: route.token });
}

function getChannel(route: AccountRoute, uuid: string): void {
  const leg = route.model.legs.get(uuid);
  if (!leg || leg.accountId !== route.accountId) return sendError(route.res, 404, 'bad identifier', [uuid], route.token);
  sendSuccess(route.res, 200, restChannel(leg, accountOf(route), route.model.now()), { authToken: route.token });
}

function channelAction(route: AccountRoute, uuid: string): void {
  const { res, token, model, flags } = route;
  const leg = model.legs.get(uuid);
  if (!leg || leg.accountId !== route.accountId) return sendError(res, 404, 'bad identifier', [uuid], token);
  const data = dataOf(route.body);
  const action = data.action;
  const accepted = (message: string, effect: () => void) => {
    // The action is cast to metaflows: 202 whether or not anything will happen.
    if (flags.metaflows) route.scheduler.after(flags.actionDelayMs, effect);
    sendSuccess(res, 202, message, { authToken: token, status: 'accepted' });
  };
  switch (action) {
    case 'hangup':
      return accepted('hangup initiated', () => model.hangup(uuid));
    case 'transfer': {
      const target = data.target;
      if (typeof target !== 'string' || target === '') {
        return sendValidation(res, 'target', 'required', 'No target destination specified', token);
      }
      if (!leg.otherLeg || !model.legs.has(leg.otherLeg)) {
        return sendValidation(res, 'other_leg_call_id', 'required', 'Channel is not bridged', token);
      }
      return accepted('transfer initiated', () => model.transfer(uuid, target));
    }
    case 'break':
    case 'callflow':
    case 'intercept':
      return accepted(`${action} initiated`, () => undefined);
    default:
      return sendValidation(res, 'action', 'enum', 'value is not a valid action', token, action);
  }
}

function quickcall(route: AccountRoute, via: 'devices' | 'users', id: string, number: string): void {
  const { res, token, model, flags } = route;
  let device: SimDevice | undefined;
  if (via === 'devices') {
    const found = model.devices.get(id);
    device = found?.accountId === route.accountId ? found : undefined;
    if (!device) return sendError(res, 404, 'bad identifier', [id], token);
  } else {
    const user = model.users.get(id);
    if (!user || user.accountId !== route.accountId) return sendError(res, 404, 'bad identifier', [id], token);
    device = [...model.devices.values()].find((candidate) => candidate.ownerId === id);
  }
  const options: Record<string, unknown> = { ...Object.fromEntries(route.query), ...(route.method === 'POST' ? dataOf(route.body) : {}) };
  const timeout = options.timeout === undefined ? 30 : Number(options.timeout);
  if (!Number.isInteger(timeout) || timeout < 3) {
    return sendValidation(res, 'timeout', 'minimum', 'value must be at least 3', token, options.timeout);
  }
  const cav: Record<string, string> = {};
  const fromBody = options.custom_application_vars;
  if (fromBody !== null && typeof fromBody === 'object') {
    for (const [key, value] of Object.entries(fromBody)) if (typeof value === 'string') cav[key] = value;
  }
  for (const [key, value] of route.query) if (!QUICKCALL_OPTIONS.has(key)) cav[key] = value;

  const callId = `${newCallId()}-quickcall`;
  const account = accountOf(route);
  const request = {
    application_name: 'transfer',
    application_data: { route: number },
    continue_on_fail: false,
    dial_endpoint_method: 'simultaneous',
    custom_channel_vars: { account_id: route.accountId, authorizing_id: id, authorizing_type: via === 'devices' ? 'device' : 'user', retain_cid: 'true' },
    custom_application_vars: cav,
    outbound_caller_id_name: typeof options['cid-name'] === 'string' ? options['cid-name'] : 'Device QuickCall',
    outbound_caller_id_number: typeof options['cid-number'] === 'string' ? options['cid-number'] : number,
    timeout,
    endpoints: device
      ? [{ outbound_call_id: callId, endpoint_id: device.id, to_username: device.username, to_user: device.username, to_realm: account.realm, invite_format: 'username' }]
      : [],
  };
  const start = (target: SimDevice) => {
    const leg = model.quickcallLeg({
      accountId: route.accountId,
      device: target,
      number,
      cav,
      uuid: callId,
      ...(typeof options['cid-name'] === 'string' ? { callerIdName: options['cid-name'] } : {}),
      ...(typeof options['cid-number'] === 'string' ? { callerIdNumber: options['cid-number'] } : {}),
    });
    if (flags.quickcallAnswerMs >= 0) route.scheduler.after(flags.quickcallAnswerMs, () => model.quickcallConnect(leg.uuid, number));
  };
  if (route.method === 'GET') {
    // Non-blocking: 202 at once, and silence if nothing can be rung.
    if (device?.reachable) {
      const target = device;
      route.scheduler.after(flags.actionDelayMs, () => start(target));
    }
    return sendSuccess(res, 202, request, { authToken: token });
  }
  if (!device || !device.reachable) {
    return sendError(res, 500, 'quickcall initiation failed', { error_message: 'DESTINATION_OUT_OF_ORDER', request }, token);
  }
  start(device);
  sendSuccess(res, 202, request, { authToken: token });
}

function listAgents(route: AccountRoute): void {
  const agents = route.model.agentsOf(route.accountId).map((user) => ({
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    queues: user.queues ?? [],
  }));
  sendSuccess(route.res, 200, agents, { authToken: route.token });
}

function agentStatuses(route: AccountRoute): void {
  const out: Record<string, unknown> = {};
  for (const user of route.model.agentsOf(route.accountId)) {
    out[user.id] = { agent_id: user.id, account_id: user.accountId, status: user.status, timestamp: gregorian(user.statusAt) };
  }
  sendSuccess(route.res, 200, out, { authToken: route.token });
}

function setAgentStatus(route: AccountRoute, userId: string): void {
  const { res, token, model } = route;
  const user = model.users.get(userId);
  if (!user || user.accountId !== route.accountId) return sendError(res, 404, 'bad identifier', [userId], token);
  const data = dataOf(route.body);
  const status = data.status;
  if (typeof status !== 'string' || !AGENT_STATUSES.has(status)) {
    return sendValidation(res, 'status', 'enum', 'value is not a valid status', token, status);
  }
  let timeout = 0;
  if (status === 'pause') {
    // kz_term:to_integer: integers and integer strings pass, anything else is a type error.
    const raw = data.timeout;
    const parsed = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(parsed)) {
      return sendValidation(res, 'timeout', 'type', 'value must be an integer greater than or equal to 0', token, raw);
    }
    if (parsed < 0) return sendValidation(res, 'timeout', 'minimum', 'value must be at least greater than or equal to 0', token, parsed);
    timeout = parsed;
  }
  const next = status === 'pause' ? 'paused' : status === 'logout' ? 'logged_out' : 'ready';
  route.scheduler.after(route.flags.actionDelayMs, () => model.setAgentStatus(userId, next, timeout));
  sendSuccess(res, 200, 'status update sent', { authToken: token });
}
