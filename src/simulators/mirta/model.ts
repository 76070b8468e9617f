/**
 * The MiRTA simulator's state: one object the HTTP layer reads and the tests, the scenario and
 * the API commands mutate. Every mutator leaves the model consistent (queues dispatched, device
 * states recomputed) before it returns, so a poll never sees half a change.
 */
import { CallEngine } from './calls.js';
import type { OriginateSpec, StartCallSpec, StartedCall } from './calls.js';
import { DeviceStateBook, deviceStateOf } from './device-states.js';
import { Directory, peerName } from './directory.js';
import type { Destination } from './directory.js';
import type {
  CdrRecord,
  ChannelRecord,
  DeviceStateRecord,
  ExtensionRecord,
  FlowRecord,
  FlowState,
  LiveCallRecord,
  PeerRecord,
  PeerStatus,
  QueueRecord,
  TenantRecord,
} from './model-types.js';
import type { MirtaSeed, SeedExtension } from './seed.js';

export { CallError } from './calls.js';
export type { OriginateSpec, StartCallSpec, StartedCall } from './calls.js';

export interface MirtaModelOptions {
  /** ms since the epoch; every timestamp the simulator shows comes from here. */
  readonly clock?: () => number;
}

export interface PeerStatusOptions {
  readonly latencyMs?: number;
  readonly host?: string;
  readonly port?: number;
}

export interface AgentPauseSpec {
  readonly tenant: string;
  /** `104` or `104-DEMO`. */
  readonly agent: string;
  /** Queue id; every queue the agent belongs to when omitted (as AMI QueuePause does). */
  readonly queue?: string;
  readonly paused: boolean;
  readonly reason?: string;
}

export interface FlowChange {
  readonly state?: FlowState;
  readonly value?: string;
}

export interface ChannelFilter {
  readonly tenant?: string;
  readonly node?: string;
}

export class MirtaModel {
  readonly #clock: () => number;
  readonly #dir: Directory;
  readonly #calls: CallEngine;
  readonly #devices = new DeviceStateBook();
  readonly #listeners = new Set<() => void>();
  #version = 0;

  constructor(seed: MirtaSeed, options: MirtaModelOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#dir = new Directory(seed, this.#clock);
    this.#calls = new CallEngine(this.#dir, this.#clock);
    this.#commit();
  }

  /** The model's clock (ms). */
  now(): number {
    return this.#clock();
  }

  /** Bumped by every mutation. */
  get version(): number {
    return this.#version;
  }

  /** Calls `listener` after every mutation. @returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- reads -------------------------------------------------------------------------------

  tenants(): readonly TenantRecord[] {
    return [...this.#dir.tenants.values()];
  }

  tenant(code: string): TenantRecord | undefined {
    return this.#dir.tenant(code);
  }

  extensions(tenant: string): readonly ExtensionRecord[] {
    return this.#dir.extensionsOf(tenant);
  }

  /** By number (`101`) or peer name (`101-DEMO`). */
  extension(tenant: string, ref: string): ExtensionRecord | undefined {
    return this.#dir.extension(tenant, ref);
  }

  peers(tenant?: string): readonly PeerRecord[] {
    return [...this.#dir.peers.values()].filter((peer) => tenant === undefined || peer.tenant === tenant);
  }

  peer(name: string): PeerRecord | undefined {
    return this.#dir.peers.get(name);
  }

  /** Device state of a hint (`101-DEMO`). */
  deviceState(hint: string): DeviceStateRecord | undefined {
    return this.#devices.get(hint);
  }

  /** Device states of the tenant's extensions, in extension order. */
  deviceStates(tenant: string): DeviceStateRecord[] {
    return this.#dir
      .extensionsOf(tenant)
      .flatMap((ext) => this.#devices.get(peerName(tenant, ext.number)) ?? []);
  }

  queues(tenant: string): readonly QueueRecord[] {
    return this.#dir.queuesOf(tenant);
  }

  queue(tenant: string, id: string): QueueRecord | undefined {
    return this.#dir.queue(tenant, id);
  }

  flows(tenant: string): readonly FlowRecord[] {
    return this.#dir.flowsOf(tenant);
  }

  flow(tenant: string, number: string): FlowRecord | undefined {
    return this.#dir.flow(tenant, number);
  }

  channels(filter: ChannelFilter = {}): readonly ChannelRecord[] {
    return this.#calls.channels
      .all()
      .filter((leg) => (filter.tenant === undefined || leg.tenant === filter.tenant) && (filter.node === undefined || leg.node === filter.node));
  }

  channel(name: string): ChannelRecord | undefined {
    return this.#calls.channels.get(name);
  }

  calls(tenant?: string): readonly LiveCallRecord[] {
    return this.#calls.calls().filter((call) => tenant === undefined || call.tenant === tenant);
  }

  cdrs(tenant?: string): readonly CdrRecord[] {
    return this.#calls.cdrs().filter((cdr) => tenant === undefined || cdr.tenant === tenant);
  }

  /** What `dest` reaches in `tenant`: an extension, a queue, an outside number, or nothing. */
  resolve(tenant: string, dest: string): Destination | undefined {
    return this.#dir.resolve(tenant, dest);
  }

  // ---- peers and extensions ----------------------------------------------------------------

  /** Sets a peer's registration; recreates the peer of an extension whose peer was removed. */
  setPeerStatus(name: string, status: PeerStatus, options: PeerStatusOptions = {}): void {
    let peer = this.#dir.peers.get(name);
    if (!peer) {
      const ext = this.#dir.extensions.get(name);
      if (!ext) throw new Error(`No peer or extension ${name}`);
      peer = this.#dir.addPeer(ext);
    }
    peer.status = status;
    if (options.latencyMs !== undefined) peer.latencyMs = options.latencyMs;
    if (options.host !== undefined) peer.host = options.host;
    if (options.port !== undefined) peer.port = options.port;
    // A phone that loses its registration drops its calls with it.
    if (status === 'unregistered' || status === 'unreachable') this.#hangupPeer(name);
    this.#commit();
  }

  /** Deletes a peer (as if its SIP account vanished); the extension stays, UNAVAILABLE. */
  removePeer(name: string): boolean {
    if (!this.#dir.peers.delete(name)) return false;
    this.#hangupPeer(name);
    this.#commit();
    return true;
  }

  addExtension(tenant: string, seed: SeedExtension): ExtensionRecord {
    const record = this.#dir.tenant(tenant);
    if (!record) throw new Error(`No tenant ${tenant}`);
    const ext = this.#dir.addExtension(record, seed, this.#dir.extensions.size);
    this.#commit();
    return ext;
  }

  /** Deletes an extension, its peer, its calls and its queue memberships. */
  removeExtension(tenant: string, ref: string): boolean {
    const ext = this.#dir.extension(tenant, ref);
    if (!ext) return false;
    const name = peerName(tenant, ext.number);
    this.#hangupPeer(name);
    this.#dir.extensions.delete(name);
    this.#dir.peers.delete(name);
    for (const queue of this.#dir.queuesOf(tenant)) {
      const index = queue.agents.findIndex((a) => a.agent === name);
      if (index >= 0) queue.agents.splice(index, 1);
    }
    this.#commit();
    return true;
  }

  // ---- calls -------------------------------------------------------------------------------

  /**
   * Starts a call: the caller leg dialling (`Ring`), the callee's phone ringing.
   * @example const { aLeg, bLeg } = model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
   * @throws CallError when `from` or `to` is unknown or the calling phone is not registered.
   */
  startCall(spec: StartCallSpec): StartedCall {
    const started = this.#mutate(() => this.#calls.startCall(spec));
    // A queue call rings its agent only once the commit dispatched the queue.
    const agentLeg = started.bLeg ?? this.#calls.channels.dialedBy(started.aLeg)[0]?.name ?? null;
    return { ...started, bLeg: agentLeg };
  }

  /** DIAL's first step: the source phone rings. @returns its channel, or null if it cannot. */
  originate(spec: OriginateSpec): string | null {
    return this.#mutate(() => this.#calls.originate(spec));
  }

  /**
   * An up channel dials `dest`, showing it `callerNum` when given.
   * @returns the ringing leg, or null when nothing rings (queue, voicemail, unknown dest).
   */
  dialFrom(channel: string, dest: string, callerNum?: string): string | null {
    return this.#mutate(() => this.#calls.dialFrom(channel, dest, callerNum));
  }

  /** Answers a ringing leg (or the leg a dialling caller waits for) and bridges the call. */
  answerCall(channel: string): boolean {
    return this.#mutate(() => this.#calls.answer(channel));
  }

  holdChannel(channel: string): boolean {
    return this.#mutate(() => this.#calls.hold(channel, true));
  }

  unholdChannel(channel: string): boolean {
    return this.#mutate(() => this.#calls.hold(channel, false));
  }

  /** Hangs up a leg; its bridged partner and legs it was dialling go too. */
  hangupChannel(channel: string): boolean {
    return this.#mutate(() => this.#calls.hangup(channel) > 0);
  }

  /** Hangs up every call of an extension (`103` or `103-DEMO`). @returns legs removed. */
  hangupExtension(tenant: string, ref: string): number {
    const ext = this.#dir.extension(tenant, ref);
    if (!ext) return 0;
    return this.#mutate(() => this.#hangupPeer(peerName(tenant, ext.number)));
  }

  /** Blind transfer: the partner leg drops and `channel` dials `dest`. */
  transferChannel(channel: string, dest: string): string | null {
    return this.#mutate(() => this.#calls.transfer(channel, dest));
  }

  /** Attended transfer: the partner is held while `channel` consults `dest`; hanging up `channel` completes it. */
  attendedTransfer(channel: string, dest: string): string | null {
    return this.#mutate(() => this.#calls.attendedTransfer(channel, dest));
  }

  // ---- queues and flows --------------------------------------------------------------------

  /** Pauses or unpauses an agent. @returns the number of queue memberships changed. */
  setAgentPaused(spec: AgentPauseSpec): number {
    const ext = this.#dir.extension(spec.tenant, spec.agent);
    const name = ext ? peerName(spec.tenant, ext.number) : spec.agent;
    const queues = spec.queue === undefined ? this.#dir.queuesOf(spec.tenant) : [this.#dir.queue(spec.tenant, spec.queue)];
    let changed = 0;
    for (const queue of queues) {
      const agent = queue?.agents.find((a) => a.agent === name);
      if (!agent) continue;
      agent.paused = spec.paused;
      agent.pauseReason = spec.paused ? (spec.reason ?? '') : '';
      changed += 1;
    }
    if (changed > 0) this.#commit();
    return changed;
  }

  /** SETFLOW: a new state (its `fl_value_for_*` becomes the value unless one is given) and/or value. */
  setFlow(tenant: string, number: string, change: FlowChange): boolean {
    const flow = this.#dir.flow(tenant, number);
    if (!flow) return false;
    if (change.state !== undefined && change.state !== flow.state) {
      flow.state = change.state;
      flow.since = this.#clock();
    }
    const implied = change.state !== undefined ? flow.valueFor[change.state] : '';
    if (change.value !== undefined) flow.value = change.value;
    else if (implied) flow.value = implied;
    this.#commit();
    return true;
  }

  // ---- internals ---------------------------------------------------------------------------

  #hangupPeer(name: string): number {
    let removed = 0;
    for (const leg of this.#calls.channels.ofPeer(name)) removed += this.#calls.hangup(leg.name);
    return removed;
  }

  #mutate<T>(change: () => T): T {
    try {
      return change();
    } finally {
      this.#commit();
    }
  }

  #commit(): void {
    this.#calls.dispatchQueues();
    const now = this.#clock();
    const hints = new Set<string>();
    for (const [name, ext] of this.#dir.extensions) {
      hints.add(name);
      const state = deviceStateOf(ext, this.#dir.peers.get(name), this.#calls.channels.ofPeer(name));
      this.#devices.set(name, state, now);
    }
    this.#devices.retain(hints);
    this.#version += 1;
    for (const listener of this.#listeners) listener();
  }
}
