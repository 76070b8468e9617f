/** The `redis` key (cluster mode): a URL, or the URL with options; validated like the rest. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const base = { auth: { tokens: [{ token: 'redis-config-token-0123456789', tenants: ['acme'], scopes: ['*'] }] } };

function issuesOf(document: Record<string, unknown>): string[] {
  try {
    parseConfig({ ...base, ...document });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config: redis', () => {
  it('is absent by default: one node, in memory', () => {
    expect(parseConfig(base).redis).toBeUndefined();
  });

  it('takes a URL, with the defaults filled in, and the password from the environment', () => {
    const config = parseConfig({ ...base, redis: 'redis://:${REDIS_PASSWORD}@127.0.0.1:6390/2' }, { REDIS_PASSWORD: 's3cret' });
    expect(config.redis).toEqual({ url: 'redis://:s3cret@127.0.0.1:6390/2', keyPrefix: 'callbridge:', leaseTtl: 15_000 });
  });

  it('takes the object form with a prefix, a lease TTL and a node id', () => {
    const config = parseConfig({ ...base, redis: { url: 'rediss://redis.internal:6380', keyPrefix: 'cb-eu:', leaseTtl: '5s', nodeId: 'node-a' } });
    expect(config.redis).toEqual({ url: 'rediss://redis.internal:6380', keyPrefix: 'cb-eu:', leaseTtl: 5_000, nodeId: 'node-a' });
  });

  it('names the path and the rule of a bad value', () => {
    expect(issuesOf({ redis: 'http://127.0.0.1:6379' })).toEqual([expect.stringMatching(/^redis: /)]);
    expect(issuesOf({ redis: { url: 'redis://127.0.0.1', leaseTtl: '100ms' } })).toEqual([expect.stringMatching(/^redis\.leaseTtl: at least 300ms/)]);
    expect(issuesOf({ redis: { url: 'redis://127.0.0.1', keyPrefix: 'a*b' } })).toEqual([expect.stringMatching(/^redis\.keyPrefix: /)]);
    expect(issuesOf({ redis: { url: 'redis://127.0.0.1', extra: 1 } })).toEqual([expect.stringMatching(/^redis/)]);
  });
});
