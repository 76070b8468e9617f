/**
 * Seed data for the MiRTA simulator: the demo tenants and the API keys. Everything here is plain
 * data so tests can pass their own seed and keys.
 */
import { randomBytes } from 'node:crypto';
import type { FlowState, PeerStatus } from './model-types.js';

export interface SeedExtension {
  readonly number: string;
  readonly name: string;
  readonly tech?: 'SIP' | 'PJSIP';
  /** Initial registration; `registered` by default. */
  readonly status?: PeerStatus;
  readonly latencyMs?: number;
  readonly host?: string;
  readonly port?: number;
  readonly disabled?: boolean;
}

export interface SeedQueue {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  /** Extension numbers of the members. */
  readonly agents: readonly string[];
  /** Members paused at start, with their reason. */
  readonly paused?: Readonly<Record<string, string>>;
}

export interface SeedFlow {
  readonly number: string;
  readonly name: string;
  readonly comment?: string;
  readonly state: FlowState;
  readonly value: string;
  readonly valueFor?: Partial<Record<FlowState, string>>;
  readonly variableName?: string;
}

export interface SeedTenant {
  /** Tenant code, upper case by MiRTA convention (`DEMO`). */
  readonly code: string;
  readonly name: string;
  /** Cluster node hosting the tenant (`pbx21`). */
  readonly node: string;
  readonly extensions: readonly SeedExtension[];
  readonly queues?: readonly SeedQueue[];
  readonly flows?: readonly SeedFlow[];
}

export interface MirtaSeed {
  readonly tenants: readonly SeedTenant[];
}

export interface TenantKeys {
  /** Read/write key. */
  readonly rw: string;
  /** Read-only key: refused on DIAL, HANGUP, TRANSFER, AGENT pause and SETFLOW. */
  readonly ro: string;
}

export interface MirtaKeys {
  readonly admin: string;
  readonly tenants: Readonly<Record<string, TenantKeys>>;
}

/** Keys the caller may fix; whatever is missing is generated. */
export interface MirtaKeysInput {
  readonly admin?: string;
  readonly tenants?: Readonly<Record<string, Partial<TenantKeys>>>;
}

const KEY_BYTES = 16;

const DEMO_EXTENSIONS: readonly SeedExtension[] = [
  { number: '100', name: 'Reception', host: '203.0.113.10', latencyMs: 23 },
  { number: '101', name: 'Alice Martin', host: '203.0.113.11', latencyMs: 18 },
  { number: '102', name: 'Bruno Keller', host: '203.0.113.12', port: 5062, latencyMs: 31 },
  { number: '103', name: 'Chloé Dubois', host: '203.0.113.13', latencyMs: 12 },
  { number: '104', name: 'Dario Rossi', host: '203.0.113.14', latencyMs: 44 },
  { number: '105', name: 'Eva Novak', host: '198.51.100.23', port: 49876, latencyMs: 67 },
  { number: '106', name: 'Farid Haddad', tech: 'PJSIP', host: '203.0.113.16', latencyMs: 9 },
  { number: '107', name: 'Greta Lindqvist', host: '203.0.113.17', latencyMs: 27 },
  { number: '108', name: 'Hugo Lefèvre', status: 'unregistered' },
  { number: '109', name: 'Ines Carvalho', host: '203.0.113.19', latencyMs: 35 },
  { number: '110', name: 'Jonas Weber', host: '203.0.113.20', status: 'lagged', latencyMs: 840 },
  { number: '111', name: 'Kenji Sato', host: '203.0.113.21', status: 'unmonitored' },
  { number: '112', name: 'Lea Fischer', host: '203.0.113.22', latencyMs: 21 },
  { number: '113', name: 'Conference Room', host: '203.0.113.23', latencyMs: 15 },
];

const DEMO_TENANT: SeedTenant = {
  code: 'DEMO',
  name: 'Demo Industries',
  node: 'pbx21',
  extensions: DEMO_EXTENSIONS,
  queues: [
    { id: '281', number: '600', name: 'Sales', agents: ['101', '102', '103', '104'] },
    {
      // A label with a comma: MiRTA's plain queue list must be split on `|` only.
      id: '282',
      number: '601',
      name: 'Support, Level 1',
      agents: ['104', '105', '106', '107'],
      paused: { '107': 'Lunch' },
    },
  ],
  flows: [
    {
      number: '700',
      name: 'Day/Night',
      comment: 'Office hours switch',
      state: 'NOT_INUSE',
      value: 'day',
      valueFor: { INUSE: 'night', NOT_INUSE: 'day' },
      variableName: 'NIGHTMODE',
    },
    { number: '701', name: 'Holiday closure', state: 'NOT_INUSE', value: '0', valueFor: { INUSE: '1', NOT_INUSE: '0' } },
    { number: '702', name: 'Support overflow', state: 'UNAVAILABLE', value: '' },
  ],
};

const GLOBEX_TENANT: SeedTenant = {
  code: 'GLOBEX',
  name: 'Globex Corporation',
  node: 'pbx22',
  extensions: [
    { number: '200', name: 'Front Desk', host: '192.0.2.40', latencyMs: 38 },
    { number: '201', name: 'Hank Scorpio', host: '192.0.2.41', latencyMs: 52 },
    { number: '202', name: 'Frank Grimes', host: '192.0.2.42', latencyMs: 19 },
    { number: '203', name: 'Mindy Simmons', status: 'unreachable', host: '192.0.2.43' },
    { number: '204', name: 'Warehouse', tech: 'PJSIP', host: '192.0.2.44', latencyMs: 73 },
  ],
  queues: [{ id: '310', number: '650', name: 'Helpdesk', agents: ['201', '202'] }],
  flows: [
    {
      number: '750',
      name: 'Night mode',
      state: 'NOT_INUSE',
      value: 'day',
      valueFor: { INUSE: 'night', NOT_INUSE: 'day' },
    },
  ],
};

/**
 * The demo PBX: `DEMO` (14 extensions, 2 queues, 3 flows) and the smaller `GLOBEX`.
 * @example startMirtaSimulator({ seed: defaultSeed() })
 */
export function defaultSeed(): MirtaSeed {
  return { tenants: [DEMO_TENANT, GLOBEX_TENANT] };
}

function randomKey(): string {
  return randomBytes(KEY_BYTES).toString('hex');
}

/**
 * Keys for every tenant of the seed: the given ones kept, the missing ones random, so two
 * simulators never share keys unless a test wants them to.
 */
export function makeKeys(tenantCodes: readonly string[], input: MirtaKeysInput = {}): MirtaKeys {
  const tenants: Record<string, TenantKeys> = {};
  for (const code of tenantCodes) {
    const given = input.tenants?.[code];
    tenants[code] = { rw: given?.rw ?? randomKey(), ro: given?.ro ?? randomKey() };
  }
  return Object.freeze({ admin: input.admin ?? randomKey(), tenants: Object.freeze(tenants) });
}
