/**
 * The call-control reqtypes. Like a PBX behind AMI, each one validates, answers at once, and
 * changes the state a little later, so a poller sees the transitions (ringing, then up).
 */
import { randomBytes } from 'node:crypto';
import { param, tenantsInScope } from './context.js';
import type { HandlerContext } from './context.js';
import { EMPTY, commandReply, text } from './formats.js';
import type { ApiResult } from './formats.js';
import { FLOW_STATES } from './model-types.js';
import type { ChannelRecord, FlowState } from './model-types.js';

/** PHP `uniqid()`-like originate ids: 14 hex characters ([I], matches every sample). */
const ORIGINATE_ID_BYTES = 7;
const MS_PER_SEC = 1000;
const PAUSE_ACTIONS: Readonly<Record<string, boolean>> = { pause: true, unpause: false };

/** AGENT actions that change state, refused to read-only keys. */
export function isAgentWrite(params: Readonly<Record<string, string>>): boolean {
  return ['pause', 'unpause', 'add', 'remove'].includes((params.action ?? '').toLowerCase());
}

/** A channel the request may touch: one of its tenant's, or any with an admin key. */
function findChannel(ctx: HandlerContext, name: string | undefined): ChannelRecord | undefined {
  const leg = name === undefined ? undefined : ctx.model.channel(name);
  if (!leg || (ctx.tenant && leg.tenant !== ctx.tenant.code)) return undefined;
  return leg;
}

/** Answers `leg` later if it is still ringing then (someone may have hung up meanwhile). */
function answerLater(ctx: HandlerContext, leg: string | null, then?: () => void): void {
  if (leg === null) return;
  ctx.scheduler.after(ctx.timings.destAnswerMs, () => {
    if (ctx.model.channel(leg)?.state !== 'Ringing') return;
    ctx.model.answerCall(leg);
    then?.();
  });
}

/** DIAL: the source phone rings, answers, then the destination rings and answers. */
export function dial(ctx: HandlerContext): ApiResult {
  const id = randomBytes(ORIGINATE_ID_BYTES).toString('hex');
  const tenant = ctx.tenant;
  const account = param(ctx, 'account');
  let source = param(ctx, 'source', 'exten', '?exten');
  if (source?.toUpperCase() === 'ACCOUNT' && account) source = account;
  const dest = param(ctx, 'dest', 'phone');
  const sourceExt = tenant && source ? ctx.model.extension(tenant.code, source) : undefined;
  if (!tenant || !sourceExt || !dest || !ctx.model.resolve(tenant.code, dest)) {
    return commandReply(false, ctx.replies.extensionMissing, id);
  }
  const sourceClid = param(ctx, 'sourceclid');
  const destClid = param(ctx, 'destclid') ?? sourceExt.number;
  const maxDurationMs = Number(param(ctx, 'timeout') ?? 0) * MS_PER_SEC;
  const { model, scheduler, timings } = ctx;
  scheduler.after(timings.originateMs, () => {
    // Success only meant "queued": an unregistered source phone just never rings.
    const leg = model.originate({ tenant: tenant.code, source: sourceExt.number, dest, originateId: id, sourceClid });
    if (leg === null) return;
    scheduler.after(timings.sourceAnswerMs, () => {
      if (model.channel(leg)?.state !== 'Ringing') return;
      model.answerCall(leg);
      answerLater(ctx, model.dialFrom(leg, dest, destClid));
    });
    if (maxDurationMs > 0) scheduler.after(maxDurationMs, () => model.hangupChannel(leg));
  });
  return commandReply(true, ctx.replies.originateQueued, id);
}

/** HANGUP by `channel`, or every call of `extension`. */
export function hangup(ctx: HandlerContext): ApiResult {
  const name = param(ctx, 'channel');
  const extRef = param(ctx, 'extension');
  const { model, replies } = ctx;
  if (name !== undefined) {
    if (!findChannel(ctx, name)) return commandReply(false, replies.noSuchChannel);
    ctx.scheduler.after(ctx.timings.commandMs, () => model.hangupChannel(name));
    return commandReply(true, replies.hangupOk);
  }
  if (extRef === undefined) return commandReply(false, replies.noChannelSpecified);
  for (const tenant of tenantsInScope(ctx)) {
    const ext = model.extension(tenant.code, extRef);
    if (!ext || !model.channels({ tenant: tenant.code }).some((leg) => leg.extension === ext.number)) continue;
    ctx.scheduler.after(ctx.timings.commandMs, () => model.hangupExtension(tenant.code, ext.number));
    return commandReply(true, replies.hangupOk);
  }
  return commandReply(false, replies.noSuchChannel);
}

/** Validates `channel`, `dest` (and `extrachannel`) for both transfer kinds. */
function transferTarget(ctx: HandlerContext): { leg: ChannelRecord; dest: string } | ApiResult {
  const leg = findChannel(ctx, param(ctx, 'channel'));
  const extra = param(ctx, 'extrachannel');
  if (!leg || (extra !== undefined && !findChannel(ctx, extra))) return commandReply(false, ctx.replies.noSuchChannel);
  const dest = param(ctx, 'dest');
  if (dest === undefined || !ctx.model.resolve(leg.tenant, dest)) return commandReply(false, ctx.replies.extensionMissing);
  return { leg, dest };
}

/** TRANSFER (AMI Redirect): the partner drops, the channel rings `dest`, which answers. */
export function transfer(ctx: HandlerContext): ApiResult {
  const target = transferTarget(ctx);
  if ('kind' in target) return target;
  ctx.scheduler.after(ctx.timings.commandMs, () => {
    answerLater(ctx, ctx.model.transferChannel(target.leg.name, target.dest));
  });
  return commandReply(true, ctx.replies.redirectOk);
}

/** ATXTRANSFER: partner held, consult `dest`, then the transferrer drops and the two are bridged. */
export function attendedTransfer(ctx: HandlerContext): ApiResult {
  const target = transferTarget(ctx);
  if ('kind' in target) return target;
  const { model, scheduler, timings } = ctx;
  const transferrer = target.leg.name;
  scheduler.after(timings.commandMs, () => {
    const consult = model.attendedTransfer(transferrer, target.dest);
    answerLater(ctx, consult, () =>
      scheduler.after(timings.destAnswerMs, () => {
        if (model.channel(transferrer)?.bridgedTo === consult) model.hangupChannel(transferrer);
      }),
    );
  });
  return commandReply(true, ctx.replies.atxferOk);
}

/** AGENT pause / unpause (one queue or all), LISTQUEUES (0 bytes, as observed: A-68). */
export function agent(ctx: HandlerContext): ApiResult {
  const action = (param(ctx, 'action') ?? '').toLowerCase();
  const extension = param(ctx, 'extension');
  if (extension === undefined) return text(ctx.replies.noExtensionSpecified);
  const paused = PAUSE_ACTIONS[action];
  const tenant = ctx.tenant;
  if (paused === undefined || !tenant) return EMPTY;
  const queueId = param(ctx, 'queue');
  const ext = ctx.model.extension(tenant.code, extension);
  const agentName = ext ? `${ext.number}-${tenant.code}` : extension;
  const queues = queueId === undefined ? ctx.model.queues(tenant.code) : [ctx.model.queue(tenant.code, queueId)];
  if (!queues.some((q) => q?.agents.some((a) => a.agent === agentName))) {
    return commandReply(false, ctx.replies.interfaceNotFound);
  }
  const reason = param(ctx, 'pausereason', 'reason');
  ctx.scheduler.after(ctx.timings.commandMs, () =>
    ctx.model.setAgentPaused({ tenant: tenant.code, agent: agentName, queue: queueId, paused, reason }),
  );
  return commandReply(true, paused ? ctx.replies.pausedOk : ctx.replies.unpausedOk);
}

/** SETFLOW: `state` (one of four) and/or `value` of flow `number`. */
export function setFlow(ctx: HandlerContext): ApiResult {
  const number = param(ctx, 'number');
  const stateText = param(ctx, 'state')?.toUpperCase();
  if (stateText !== undefined && !(FLOW_STATES as readonly string[]).includes(stateText)) {
    return commandReply(false, ctx.replies.invalidFlowState);
  }
  const tenant = tenantsInScope(ctx).find((t) => number !== undefined && ctx.model.flow(t.code, number));
  if (!tenant || number === undefined) return commandReply(false, ctx.replies.flowNotFound);
  // `value=` present but empty clears the value; absent leaves it.
  const value = ctx.params.value;
  const state = stateText as FlowState | undefined;
  ctx.scheduler.after(ctx.timings.commandMs, () => ctx.model.setFlow(tenant.code, number, { state, value }));
  return commandReply(true, ctx.replies.flowSet);
}
