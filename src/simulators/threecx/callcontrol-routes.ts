/**
 * The `/callcontrol` REST API (shared/vendors/README.md §6): the DN tree, entity reads, and the
 * actions `makecall` (DN or device) and participant `drop`, `answer`, `divert`, `routeto`,
 * `transferto`, `attach_participant_data`. Actions answer `{finalstatus, reason, reasontext,
 * result}`; a refused action is HTTP 200 with `finalstatus: "Failed"` [I], an unknown DN,
 * device or participant a 404.
 */
import type { ServerResponse } from 'node:http';
import { sendEmpty, sendJson } from './http-util.js';
import type { ActionOutcome, ThreeCxModel } from './model.js';
import { deviceBody, dnBody, participantBody } from './payloads.js';
import type { Scheduler } from '../scheduler.js';

export interface CallControlFlags {
  /** A call placed or redirected is answered after this long (< 0: never). */
  answerMs: number;
}

export interface CallControlRoute {
  res: ServerResponse;
  method: string;
  /** Decoded segments after `/callcontrol`. */
  path: string[];
  body: unknown;
  model: ThreeCxModel;
  scheduler: Scheduler;
  flags: CallControlFlags;
}

const PARTICIPANT_ACTIONS = new Set(['drop', 'answer', 'divert', 'routeto', 'transferto', 'attach_participant_data']);

const notFound = (res: ServerResponse) => sendEmpty(res, 404);

function destinationOf(body: unknown): string {
  const value = (body as { destination?: unknown } | null)?.destination;
  return typeof value === 'string' ? value : '';
}

function answerAction(route: CallControlRoute, outcome: ActionOutcome): void {
  if (outcome.ok) {
    sendJson(route.res, 200, { finalstatus: 'Success', reason: 'None', reasontext: '', result: participantBody(outcome.participant) });
    return;
  }
  if (outcome.reason === 'NotFound') return notFound(route.res);
  sendJson(route.res, 200, { finalstatus: outcome.finalstatus, reason: outcome.reason, reasontext: outcome.reasontext, result: null });
}

/** The call of `outcome` is answered after `answerMs` (the far end picks up). */
function answerLater(route: CallControlRoute, outcome: ActionOutcome): void {
  if (!outcome.ok || route.flags.answerMs < 0) return;
  const { callid } = outcome.participant;
  route.scheduler.after(route.flags.answerMs, () => route.model.answerCall(callid));
}

export function routeCallControl(route: CallControlRoute): void {
  const { res, method, path, model } = route;
  if (path.length === 0) {
    if (method !== 'GET') return sendEmpty(res, 405);
    return sendJson(res, 200, [...model.dns.values()].map(dnBody));
  }
  const [dnId, collection, id, action, ...extra] = path as [string, string?, string?, string?, ...string[]];
  const dn = model.dns.get(dnId);
  if (!dn || extra.length > 0) return notFound(res);

  if (collection === undefined) return method === 'GET' ? sendJson(res, 200, dnBody(dn)) : sendEmpty(res, 405);

  if (collection === 'makecall' && id === undefined) {
    if (method !== 'POST') return sendEmpty(res, 405);
    const outcome = model.makeCall({ from: dn.dn, to: destinationOf(route.body) });
    answerAction(route, outcome);
    return answerLater(route, outcome);
  }

  if (collection === 'devices') {
    if (id === undefined) return method === 'GET' ? sendJson(res, 200, [...dn.devices.values()].map(deviceBody)) : sendEmpty(res, 405);
    const device = dn.devices.get(id);
    if (!device) return notFound(res);
    if (action === undefined) return method === 'GET' ? sendJson(res, 200, deviceBody(device)) : sendEmpty(res, 405);
    if (action !== 'makecall') return notFound(res);
    if (method !== 'POST') return sendEmpty(res, 405);
    const outcome = model.makeCall({ from: dn.dn, to: destinationOf(route.body), deviceId: device.device_id });
    answerAction(route, outcome);
    return answerLater(route, outcome);
  }

  if (collection === 'participants') {
    if (id === undefined) return method === 'GET' ? sendJson(res, 200, [...dn.participants.values()].map(participantBody)) : sendEmpty(res, 405);
    const participant = /^\d+$/.test(id) ? dn.participants.get(Number(id)) : undefined;
    if (!participant) return notFound(res);
    if (action === undefined) return method === 'GET' ? sendJson(res, 200, participantBody(participant)) : sendEmpty(res, 405);
    if (!PARTICIPANT_ACTIONS.has(action)) return notFound(res);
    if (method !== 'POST') return sendEmpty(res, 405);
    return participantAction(route, action, participant.id);
  }
  notFound(res);
}

function participantAction(route: CallControlRoute, action: string, id: number): void {
  const { model, body } = route;
  const dn = route.path[0] as string;
  switch (action) {
    case 'drop':
      return answerAction(route, model.drop(dn, id));
    case 'answer':
      return answerAction(route, model.answer(dn, id));
    case 'transferto':
    case 'divert':
    case 'routeto': {
      const destination = destinationOf(body);
      const outcome = action === 'transferto' ? model.transfer(dn, id, destination) : model.divert(dn, id, destination);
      answerAction(route, outcome);
      return answerLater(route, outcome);
    }
    default: {
      const data = (body as { attached_data?: unknown } | null)?.attached_data;
      const fields = data !== null && typeof data === 'object' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])) : {};
      return answerAction(route, model.attachData(dn, id, fields));
    }
  }
}
