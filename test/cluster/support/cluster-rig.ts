/**
 * Several callbridge nodes on one private redis-server, in this process: the config every node
 * shares (one key prefix per test, short leases), and the bookkeeping to close them all.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startBridge, type Bridge } from '../../../src/bridge.js';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { captureLogger, type CapturedLogger } from '../../support/log-capture.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';

export const CLUSTER_TOKEN = 'cluster-admin-token-0123456789abcdef';
/** Short leases keep takeover tests quick; the lease's own rules scale with it. */
export const TEST_LEASE_TTL_MS = 1_500;

export interface ClusterNodeHandle {
  readonly name: string;
  readonly bridge: Bridge;
  readonly logs: CapturedLogger;
}

export interface ClusterRig {
  readonly redis: RedisServer;
  /** This test's key prefix (its nodes share it). */
  readonly prefix: string;
  /** The config document every node of this test gets (before parsing). */
  document(overrides?: Record<string, unknown>): Record<string, unknown>;
  config(overrides?: Record<string, unknown>, nodeId?: string): Config;
  /** Starts one node; closed after the test. */
  start(name: string, overrides?: Record<string, unknown>): Promise<ClusterNodeHandle>;
  /** Starts `count` nodes (`a`, `b`, `c`...) one after the other. */
  startMany(count: number, overrides?: Record<string, unknown>): Promise<ClusterNodeHandle[]>;
}

let tests = 0;

/**
 * Call at the top of a `describe.skipIf(!redisReady)` block.
 *
 * @example
 * const rig = useClusterRig();
 * const [a, b, c] = await rig.startMany(3, { sources: [...] });
 */
export function useClusterRig(): ClusterRig {
  let redis: RedisServer | undefined;
  let prefix = '';
  const open: ClusterNodeHandle[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  beforeEach(() => {
    prefix = `c${process.pid}-${++tests}:`;
  });
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((node) => node.bridge.close()));
    if (redis && !redis.running) await redis.restart();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const rig: ClusterRig = {
    get redis() {
      if (!redis) throw new Error('redis-server not started yet');
      return redis;
    },
    get prefix() {
      return prefix;
    },
    document(overrides = {}) {
      return {
        listen: { host: '127.0.0.1', port: 0 },
        auth: { tokens: [{ token: CLUSTER_TOKEN, name: 'admin', tenants: ['demo', 'globex'], scopes: ['*'] }] },
        redis: { url: rig.redis.url, keyPrefix: prefix, leaseTtl: TEST_LEASE_TTL_MS },
        ...overrides,
      };
    },
    config(overrides = {}, nodeId) {
      const document = rig.document(overrides);
      if (nodeId !== undefined) document.redis = { ...(document.redis as Record<string, unknown>), nodeId };
      return parseConfig(document);
    },
    async start(name, overrides = {}) {
      const logs = captureLogger('info');
      const bridge = await startBridge(rig.config(overrides, `node-${name}-${prefix.replace(/:$/, '')}`), { logger: logs.logger, shutdownGraceMs: 3_000 });
      const handle = { name, bridge, logs };
      open.push(handle);
      return handle;
    },
    async startMany(count, overrides = {}) {
      const nodes: ClusterNodeHandle[] = [];
      for (let i = 0; i < count; i++) nodes.push(await rig.start(String.fromCharCode(97 + i), overrides));
      return nodes;
    },
  };
  return rig;
}

/** The nodes polling `source` right now. */
export function pollers(nodes: readonly ClusterNodeHandle[], source: string): ClusterNodeHandle[] {
  return nodes.filter((node) => node.bridge.sourceManager.get(source)?.polling === true);
}

/** A MiRTA source for the `demo` tenant (and `globex`), polled fast, as the nodes share it. */
export function mirtaSource(url: string, key: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'mirta',
    vendor: 'mirta',
    url,
    key,
    admin: true,
    tenants: { demo: 'DEMO', globex: 'GLOBEX' },
    poll: { peers: '200ms', channels: '100ms', blfs: '200ms', flows: '100ms', agents: '200ms', queues: '300ms', extensions: '1s' },
    limits: { concurrency: 4, perSecond: 200, queue: 100, timeout: '2s' },
    health: { downAfter: 2 },
    ...extra,
  };
}
