/**
 * The configured side of the PBX: tenants, extensions, peers, queues and flows, with the lookups
 * the API parameters need (`101` and `101-DEMO` both name an extension).
 */
import { createHash } from 'node:crypto';
import type {
  ExtensionRecord,
  FlowRecord,
  FlowState,
  PeerRecord,
  QueueRecord,
  TenantRecord,
} from './model-types.js';
import type { MirtaSeed, SeedExtension, SeedFlow, SeedQueue, SeedTenant } from './seed.js';

const SIP_PORT = 5060;
const FIRST_TENANT_ID = 11;
const FIRST_EXTENSION_ID = 1001;
const FIRST_FLOW_ID = 41;
/** Numbers this long (or starting with `+`) leave the PBX through the trunk. */
const EXTERNAL_NUMBER = /^\+?\d{6,}$/;

/** `<ext>-<TENANT>`, MiRTA's mandatory SIP username format. */
export function peerName(tenant: string, extension: string): string {
  return `${extension}-${tenant}`;
}

/** The outside leg's pseudo-peer, named like a tenant peer so tenant splitting still works. */
export function trunkPeerName(tenant: string): string {
  return `trunk-${tenant}`;
}

export type Destination =
  | { readonly kind: 'extension'; readonly extension: ExtensionRecord }
  | { readonly kind: 'queue'; readonly queue: QueueRecord }
  | { readonly kind: 'external'; readonly number: string };

/** Deterministic fake secrets: stable across runs, distinct per extension. */
function secret(seedText: string, length: number): string {
  return createHash('sha256').update(seedText).digest('hex').slice(0, length);
}

export class Directory {
  readonly tenants = new Map<string, TenantRecord>();
  /** By peer name. */
  readonly extensions = new Map<string, ExtensionRecord>();
  readonly peers = new Map<string, PeerRecord>();
  /** By `<tenant>/<id>`. */
  readonly queues = new Map<string, QueueRecord>();
  /** By `<tenant>/<number>`. */
  readonly flows = new Map<string, FlowRecord>();
  readonly #clock: () => number;
  #nextExtensionId = FIRST_EXTENSION_ID;
  #nextFlowId = FIRST_FLOW_ID;

  constructor(seed: MirtaSeed, clock: () => number) {
    this.#clock = clock;
    seed.tenants.forEach((tenant, index) => this.#addTenant(tenant, FIRST_TENANT_ID + index));
  }

  tenant(code: string): TenantRecord | undefined {
    return this.tenants.get(code);
  }

  /** Finds an extension by number (`101`) or peer name (`101-DEMO`). */
  extension(tenant: string, ref: string): ExtensionRecord | undefined {
    const suffix = `-${tenant}`;
    const number = ref.endsWith(suffix) ? ref.slice(0, -suffix.length) : ref;
    return this.extensions.get(peerName(tenant, number));
  }

  extensionsOf(tenant: string): ExtensionRecord[] {
    return [...this.extensions.values()].filter((ext) => ext.tenant === tenant);
  }

  queue(tenant: string, id: string): QueueRecord | undefined {
    return this.queues.get(`${tenant}/${id}`);
  }

  queuesOf(tenant: string): QueueRecord[] {
    return [...this.queues.values()].filter((queue) => queue.tenant === tenant);
  }

  flow(tenant: string, number: string): FlowRecord | undefined {
    return this.flows.get(`${tenant}/${number}`);
  }

  flowsOf(tenant: string): FlowRecord[] {
    return [...this.flows.values()].filter((flow) => flow.tenant === tenant);
  }

  /** Whether the extension's phone can take or place a call right now. */
  isReachable(ext: ExtensionRecord): boolean {
    const peer = this.peers.get(peerName(ext.tenant, ext.number));
    if (!peer || ext.disabled) return false;
    return peer.status !== 'unregistered' && peer.status !== 'unreachable';
  }

  /** What a dialled number reaches inside a tenant, or undefined when nothing does. */
  resolve(tenant: string, dest: string): Destination | undefined {
    const extension = this.extension(tenant, dest);
    if (extension) return { kind: 'extension', extension };
    const queue = this.queuesOf(tenant).find((q) => q.number === dest || q.id === dest);
    if (queue) return { kind: 'queue', queue };
    if (EXTERNAL_NUMBER.test(dest)) return { kind: 'external', number: dest };
    return undefined;
  }

  /** Adds an extension and its (registered unless said otherwise) peer. */
  addExtension(tenant: TenantRecord, seed: SeedExtension, index: number): ExtensionRecord {
    const name = peerName(tenant.code, seed.number);
    const salt = `${tenant.code}/${seed.number}`;
    const ext: ExtensionRecord = {
      id: this.#nextExtensionId++,
      tenant: tenant.code,
      number: seed.number,
      name: seed.name,
      tech: seed.tech ?? 'SIP',
      disabled: seed.disabled ?? false,
      secrets: {
        password: secret(`sip:${salt}`, 16),
        webPassword: secret(`web:${salt}`, 12),
        lockPin: secret(`lock:${salt}`, 4).replace(/[a-f]/g, '7'),
        voicemailPin: secret(`vm:${salt}`, 4).replace(/[a-f]/g, '3'),
        twoFactorSecret: secret(`2fa:${salt}`, 32).toUpperCase(),
        email: `${seed.number}@${tenant.code.toLowerCase()}.example.com`,
      },
    };
    this.extensions.set(name, ext);
    this.addPeer(ext, seed, index);
    return ext;
  }

  /** (Re)creates the peer of an extension. */
  addPeer(ext: ExtensionRecord, seed: Partial<SeedExtension> = {}, index = 0): PeerRecord {
    const tenant = this.tenants.get(ext.tenant);
    const peer: PeerRecord = {
      name: peerName(ext.tenant, ext.number),
      tenant: ext.tenant,
      extension: ext.number,
      node: tenant?.node ?? 'pbx1',
      status: seed.status ?? 'registered',
      host: seed.host ?? `203.0.113.${(index % 200) + 30}`,
      port: seed.port ?? SIP_PORT,
      latencyMs: seed.latencyMs ?? 20,
    };
    this.peers.set(peer.name, peer);
    return peer;
  }

  #addTenant(seed: SeedTenant, id: number): void {
    const tenant: TenantRecord = { code: seed.code, id, name: seed.name, node: seed.node };
    this.tenants.set(seed.code, tenant);
    seed.extensions.forEach((ext, index) => this.addExtension(tenant, ext, index));
    for (const queue of seed.queues ?? []) this.#addQueue(tenant, queue);
    for (const flow of seed.flows ?? []) this.#addFlow(tenant, flow);
  }

  #addQueue(tenant: TenantRecord, seed: SeedQueue): void {
    const paused = seed.paused ?? {};
    const queue: QueueRecord = {
      id: seed.id,
      tenant: tenant.code,
      name: seed.name,
      number: seed.number,
      agents: seed.agents.map((number) => ({
        agent: peerName(tenant.code, number),
        paused: number in paused,
        pauseReason: paused[number] ?? '',
        callsTaken: 0,
        lastCallAt: null,
      })),
      stats: {
        received: 0,
        answered: 0,
        abandoned: 0,
        timedOut: 0,
        transferred: 0,
        talkTimeSec: 0,
        holdTimeSec: 0,
        maxHoldSec: 0,
      },
      waiting: [],
    };
    this.queues.set(`${tenant.code}/${seed.id}`, queue);
  }

  #addFlow(tenant: TenantRecord, seed: SeedFlow): void {
    const valueFor: Record<FlowState, string> = {
      INUSE: seed.valueFor?.INUSE ?? '',
      NOT_INUSE: seed.valueFor?.NOT_INUSE ?? '',
      UNAVAILABLE: seed.valueFor?.UNAVAILABLE ?? '',
      RINGING: seed.valueFor?.RINGING ?? '',
    };
    const flow: FlowRecord = {
      id: String(this.#nextFlowId++),
      tenant: tenant.code,
      number: seed.number,
      name: seed.name,
      comment: seed.comment ?? '',
      value: seed.value,
      valueFor,
      variableName: seed.variableName ?? `FLOW${seed.number}`,
      state: seed.state,
      since: this.#clock(),
    };
    this.flows.set(`${tenant.code}/${seed.number}`, flow);
  }
}
