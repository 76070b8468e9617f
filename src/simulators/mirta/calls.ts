/**
 * Call logic on top of the channel table: which legs a call creates, who a queue rings, what a
 * transfer does, and the records (CDRs, queue statistics) a finished call leaves behind.
 */
import { ChannelTable } from './channels.js';
import type { NewChannelSpec } from './channels.js';
import { peerName, trunkPeerName } from './directory.js';
import { QueueDesk } from './queue-desk.js';
import type { Destination, Directory } from './directory.js';
import type { CdrRecord, ChannelRecord, ExtensionRecord, LiveCallRecord, QueueRecord } from './model-types.js';

/** Context of phone legs on MiRTA (the OpenAPI's extension-state example shows it). */
const PHONE_CONTEXT = 'authenticated';
const TRUNK_CONTEXT = 'from-trunk';
const DIAL_TIMEOUT_SEC = 30;
const MAX_CDRS = 1000;

export class CallError extends Error {
  override readonly name = 'CallError';
}

export interface StartCallSpec {
  readonly tenant: string;
  /** Extension number, or the outside caller's number when `inbound`. */
  readonly from: string;
  /** Extension, queue id/number or outside number. */
  readonly to: string;
  /** The call comes from the trunk (an outside caller). */
  readonly inbound?: boolean;
  readonly callerName?: string;
}

export interface StartedCall {
  readonly linkedid: string;
  readonly aLeg: string;
  /** The ringing leg; null when the call waits in a queue without a free agent or reached voicemail. */
  readonly bLeg: string | null;
}

export interface OriginateSpec {
  readonly tenant: string;
  readonly source: string;
  readonly dest: string;
  readonly originateId: string;
  readonly sourceClid?: string;
}

export class CallEngine {
  readonly channels: ChannelTable;
  readonly #dir: Directory;
  readonly #clock: () => number;
  readonly #calls = new Map<string, LiveCallRecord>();
  readonly #cdrs: CdrRecord[] = [];
  readonly #queues: QueueDesk;

  constructor(dir: Directory, clock: () => number) {
    this.#dir = dir;
    this.#clock = clock;
    this.channels = new ChannelTable(clock);
    this.#queues = new QueueDesk(dir, this.channels, clock);
  }

  calls(): LiveCallRecord[] {
    return [...this.#calls.values()];
  }

  cdrs(): readonly CdrRecord[] {
    return this.#cdrs;
  }

  /** Starts a call whose caller is already dialling: the caller leg in `Ring`, the callee ringing. */
  startCall(spec: StartCallSpec): StartedCall {
    const tenant = this.#tenantNode(spec.tenant);
    const target = this.#dir.resolve(spec.tenant, spec.to);
    if (!target) throw new CallError('Extension does not exist.');
    let caller: ChannelRecord;
    if (spec.inbound) {
      caller = this.channels.create({
        ...this.#trunkLeg(spec.tenant, tenant.node),
        state: 'Ring',
        callerNum: spec.from,
        callerName: spec.callerName ?? '',
        connectedNum: spec.to,
        connectedName: '',
        context: TRUNK_CONTEXT,
        exten: spec.to,
      });
    } else {
      const ext = this.#dir.extension(spec.tenant, spec.from);
      if (!ext) throw new CallError('Extension does not exist.');
      if (!this.#dir.isReachable(ext)) throw new CallError(`Extension ${ext.number} is not registered`);
      caller = this.channels.create({
        ...this.#phoneLeg(ext, tenant.node),
        state: 'Ring',
        callerNum: ext.number,
        callerName: spec.callerName ?? ext.name,
        connectedNum: spec.to,
        connectedName: '',
        exten: spec.to,
      });
    }
    this.#openCall(caller, spec.inbound ? 'inbound' : target.kind === 'external' ? 'outbound' : 'internal', spec.from, spec.to, '');
    const bLeg = this.#route(caller, target);
    return { linkedid: caller.linkedid, aLeg: caller.name, bLeg };
  }

  /** First step of a DIAL: the source phone rings. Null when it cannot (not registered). */
  originate(spec: OriginateSpec): string | null {
    const tenant = this.#tenantNode(spec.tenant);
    const ext = this.#dir.extension(spec.tenant, spec.source);
    if (!ext || !this.#dir.isReachable(ext)) return null;
    const leg = this.channels.create({
      ...this.#phoneLeg(ext, tenant.node),
      state: 'Ringing',
      callerNum: spec.sourceClid ?? spec.dest,
      callerName: '',
      connectedNum: spec.dest,
      connectedName: '',
      exten: spec.dest,
      application: '',
      applicationData: '',
    });
    const external = this.#dir.resolve(spec.tenant, spec.dest)?.kind === 'external';
    this.#openCall(leg, external ? 'outbound' : 'internal', ext.number, spec.dest, spec.originateId);
    return leg.name;
  }

  /**
   * Makes an up channel dial `dest`; `callerNum` replaces the caller id shown to `dest`
   * (DIAL's `destclid`, or the source's own number after an originate showed it the dest).
   * @returns the ringing leg, or null when nothing rings.
   */
  dialFrom(name: string, dest: string, callerNum?: string): string | null {
    const leg = this.channels.get(name);
    const target = leg ? this.#dir.resolve(leg.tenant, dest) : undefined;
    if (!leg || !target) return null;
    if (callerNum !== undefined) {
      leg.callerNum = callerNum;
      leg.callerName = leg.extension !== null ? (this.#dir.extension(leg.tenant, leg.extension)?.name ?? '') : '';
    }
    const call = this.#calls.get(leg.linkedid);
    if (call) call.to = dest;
    leg.exten = dest;
    return this.#route(leg, target);
  }

  /** Answers a ringing leg, or the leg a dialling caller waits for. */
  answer(name: string): boolean {
    let leg = this.channels.get(name);
    if (leg && leg.dialedBy === null && leg.state !== 'Ringing') leg = this.channels.dialedBy(leg.name)[0];
    if (!leg || (leg.state === 'Up' && leg.dialedBy === null)) return false;
    const now = this.#clock();
    const caller = leg.dialedBy ? this.channels.get(leg.dialedBy) : undefined;
    if (caller?.waitingQueue) this.#queues.answered(caller, leg);
    const call = this.#calls.get(leg.linkedid);
    if (call && caller && call.answeredAt === null) {
      call.answeredAt = now;
      call.answeredBy = leg.peer;
    }
    return this.channels.answer(leg.name);
  }

  hold(name: string, held: boolean): boolean {
    const leg = this.channels.get(name);
    if (!leg || leg.state !== 'Up' || leg.held === held) return false;
    leg.held = held;
    return true;
  }

  /** @returns the number of legs that went away. */
  hangup(name: string): number {
    const removed = this.channels.hangup(name);
    this.#settle(removed);
    return removed.length;
  }

  /** Blind transfer (AMI Redirect): the partner leg drops, the channel dials `dest`. */
  transfer(name: string, dest: string): string | null {
    const leg = this.channels.get(name);
    if (!leg || !this.#dir.resolve(leg.tenant, dest)) return null;
    const dropped = [leg.bridgedTo, ...this.channels.dialedBy(name).map((l) => l.name)];
    const removed = dropped.flatMap((other) => (other ? (this.channels.detach(other) ?? []) : []));
    const queue = this.#queueOfCall(leg.linkedid);
    if (queue) queue.stats.transferred += 1;
    this.#queues.leave(leg);
    leg.held = false;
    const ringing = this.dialFrom(name, dest);
    this.#settle(removed);
    return ringing;
  }

  /** Attended transfer: the partner is held while the channel consults `dest`. */
  attendedTransfer(name: string, dest: string): string | null {
    const leg = this.channels.get(name);
    const partner = leg?.bridgedTo ? this.channels.get(leg.bridgedTo) : undefined;
    const target = leg ? this.#dir.resolve(leg.tenant, dest) : undefined;
    if (!leg || !partner || !target || target.kind === 'queue') return null;
    if (target.kind === 'extension' && !this.#dir.isReachable(target.extension)) return null;
    this.channels.unbridge(leg);
    partner.held = true;
    partner.transferHold = leg.name;
    return this.dialFrom(name, dest);
  }

  /** Rings a free agent for every queued caller nobody rings yet. */
  dispatchQueues(): void {
    this.#queues.dispatch((caller, agent) => this.#ring(caller, agent, 'AppQueue'));
  }

  #route(caller: ChannelRecord, target: Destination): string | null {
    if (target.kind === 'queue') {
      this.#queues.enqueue(caller, target.queue);
      const call = this.#calls.get(caller.linkedid);
      if (call) call.queueId = target.queue.id;
      return null;
    }
    if (target.kind === 'external') {
      caller.application = 'Dial';
      caller.applicationData = `SIP/${trunkPeerName(caller.tenant)}/${target.number},${DIAL_TIMEOUT_SEC}`;
      return this.channels.create({
        ...this.#trunkLeg(caller.tenant, caller.node),
        linkedid: caller.linkedid,
        state: 'Ringing',
        callerNum: target.number,
        callerName: '',
        connectedNum: caller.callerNum,
        connectedName: caller.callerName,
        context: PHONE_CONTEXT,
        exten: target.number,
        application: 'AppDial',
        applicationData: '(Outgoing Line)',
        dialedBy: caller.name,
      }).name;
    }
    if (!this.#dir.isReachable(target.extension)) {
      // An unreachable phone sends the caller to its voicemail box.
      caller.state = 'Up';
      caller.answeredAt ??= this.#clock();
      caller.application = 'VoiceMail';
      caller.applicationData = `${target.extension.number}@${caller.tenant}`;
      return null;
    }
    return this.#ring(caller, target.extension, 'AppDial');
  }

  #ring(caller: ChannelRecord, ext: ExtensionRecord, application: string): string {
    if (application === 'AppDial') {
      caller.application = 'Dial';
      caller.applicationData = `${ext.tech}/${peerName(ext.tenant, ext.number)},${DIAL_TIMEOUT_SEC},tT`;
      caller.connectedNum = ext.number;
      caller.connectedName = ext.name;
    }
    return this.channels.create({
      ...this.#phoneLeg(ext, caller.node),
      linkedid: caller.linkedid,
      state: 'Ringing',
      callerNum: ext.number,
      callerName: ext.name,
      connectedNum: caller.callerNum,
      connectedName: caller.callerName,
      exten: ext.number,
      application,
      applicationData: '(Outgoing Line)',
      dialedBy: caller.name,
    }).name;
  }

  #queueOfCall(linkedid: string): QueueRecord | undefined {
    const call = this.#calls.get(linkedid);
    return call?.queueId ? this.#dir.queue(call.tenant, call.queueId) : undefined;
  }

  /** Drops removed legs from queues and closes the calls that have no leg left. */
  #settle(removed: readonly ChannelRecord[]): void {
    const now = this.#clock();
    for (const leg of removed) this.#queues.leave(leg);
    for (const linkedid of new Set(removed.map((leg) => leg.linkedid))) {
      const call = this.#calls.get(linkedid);
      if (!call || this.channels.ofLinkedid(linkedid).length > 0) continue;
      this.#calls.delete(linkedid);
      const queue = call.queueId ? this.#dir.queue(call.tenant, call.queueId) : undefined;
      if (queue && call.answeredAt === null) queue.stats.abandoned += 1;
      if (queue && call.answeredAt !== null) queue.stats.talkTimeSec += Math.round((now - call.answeredAt) / 1000);
      this.#cdrs.push({
        uniqueid: linkedid,
        originateId: call.originateId,
        tenant: call.tenant,
        from: call.from,
        to: call.to,
        direction: call.direction,
        startedAt: call.startedAt,
        answeredAt: call.answeredAt,
        endedAt: now,
        whoAnswered: call.answeredBy,
      });
      if (this.#cdrs.length > MAX_CDRS) this.#cdrs.shift();
    }
  }

  #openCall(first: ChannelRecord, direction: LiveCallRecord['direction'], from: string, to: string, originateId: string): void {
    this.#calls.set(first.linkedid, {
      linkedid: first.linkedid,
      tenant: first.tenant,
      direction,
      from,
      to,
      queueId: null,
      originateId,
      startedAt: first.startedAt,
      answeredAt: null,
      answeredBy: '',
    });
  }

  #tenantNode(code: string): { node: string } {
    const tenant = this.#dir.tenant(code);
    if (!tenant) throw new CallError(`No tenant ${code}`);
    return tenant;
  }

  #phoneLeg(ext: ExtensionRecord, node: string): Pick<NewChannelSpec, 'tenant' | 'peer' | 'extension' | 'node' | 'tech' | 'context' | 'application' | 'applicationData'> {
    return {
      tenant: ext.tenant,
      peer: peerName(ext.tenant, ext.number),
      extension: ext.number,
      node,
      tech: ext.tech,
      context: PHONE_CONTEXT,
      application: 'Dial',
      applicationData: '',
    };
  }

  #trunkLeg(tenant: string, node: string): Pick<NewChannelSpec, 'tenant' | 'peer' | 'extension' | 'node' | 'tech' | 'application' | 'applicationData'> {
    return { tenant, peer: trunkPeerName(tenant), extension: null, node, tech: 'SIP', application: 'Dial', applicationData: '' };
  }
}
