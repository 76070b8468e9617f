/**
 * One private redis-server per test file, and connections with a unique key prefix per test so
 * that tests in a file never see each other's keys. Every connection opened here is closed
 * after its test.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { RedisConnection, type RedisConnectionOptions } from '../../src/cluster/redis-connection.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

export interface RedisFixture {
  readonly server: RedisServer;
  /** This test's key prefix: every connection of one test shares it (they are "nodes"). */
  readonly prefix: string;
  /** A connection to the private server with this test's prefix, closed after the test. */
  connect(options?: Partial<RedisConnectionOptions>): Promise<RedisConnection>;
}

let prefixes = 0;

/**
 * Call at the top of a `describe.skipIf(!redisReady)` block.
 *
 * @example
 * const redis = useRedisServer();
 * it('...', async () => { const node = await redis.connect({ keyPrefix }); ... });
 */
export function useRedisServer(): RedisFixture {
  let server: RedisServer | undefined;
  const open = new Set<RedisConnection>();
  let prefix = '';
  beforeAll(async () => {
    server = await startRedisServer();
  });
  beforeEach(() => {
    prefix = `t${process.pid}-${++prefixes}:`;
  });
  afterEach(async () => {
    await Promise.all([...open].map((connection) => connection.close()));
    open.clear();
    // A test may leave Redis killed or stopped: the next one gets it back, empty.
    if (server && !server.running) await server.restart();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('redis-server not started yet');
      return server;
    },
    get prefix() {
      return prefix;
    },
    async connect(options = {}) {
      if (!server) throw new Error('redis-server not started yet');
      const connection = new RedisConnection({ url: server.url, keyPrefix: prefix, ...options });
      open.add(connection);
      await connection.waitUntilReady(10_000);
      return connection;
    },
  };
}
