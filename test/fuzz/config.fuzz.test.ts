/**
 * Random config documents and valid ones with one field replaced by anything: parseConfig gives a
 * Config or a ConfigError naming paths, never another exception (the CLI turns a ConfigError
 * into a clean exit 1).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { hostileValue, mutateAt } from './arbitraries.js';

const VALID = {
  listen: { host: '127.0.0.1', port: 8080, trustProxy: false },
  auth: { tokens: [{ token: 'a-static-token-0123456789', name: 'crm', tenants: ['acme'], scopes: ['*'] }], jwtSecret: 'j'.repeat(40) },
  bus: { logSize: 1000, logAge: '1h' },
  commands: { idempotencyTtl: '24h' },
  sources: [
    {
      id: 'mirta-main',
      vendor: 'mirta',
      url: 'https://pbx.example.com/pbx/proxyapi.php',
      key: 'k',
      tenants: { acme: 'ACME' },
      poll: { peers: '5s', channels: '1s' },
      limits: { concurrency: 2, perSecond: 5, queue: 100, timeout: '10s' },
    },
    { id: 'kazoo-eu', vendor: 'kazoo', rest: 'https://kazoo.example.com:8443', websocket: 'wss://kazoo.example.com:5555', accountId: '4b31dd1d32ce6d249897c06332375d65', apiKey: 'x', tenant: 'acme' },
    { id: 'webappel', vendor: 'webappel', url: 'https://webservices.axialys.net/get/webappel/api.php', email: 'a@b.c', pass: 'p', tenant: 'acme', popups: [77] },
    { id: 'xivo', vendor: 'xivo', url: 'https://xivo.example.com', username: 'u', password: 'p', tenant: 'acme' },
  ],
  widgets: [{ key: 'w_acme', tenant: 'acme', source: 'webappel', popup: 77, numbers: ['^33'], origins: ['https://www.acme.example'], limits: { perIp: '5/10m' } }],
};

function outcome(document: unknown): 'ok' | 'config-error' {
  try {
    parseConfig(document, { MIRTA_KEY: 'k' });
    return 'ok';
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Each problem names a path: `sources[0].url: ...` or `(root): ...`.
    for (const line of err.message.split('\n').slice(1)) expect(line).toMatch(/^\s+\S.*?: /);
    return 'config-error';
  }
}

describe('parseConfig under hostile documents', () => {
  it('accepts the valid base document', () => {
    expect(outcome(VALID)).toBe('ok');
  });

  it('anything at all at the root', () => {
    fc.assert(fc.property(hostileValue, (document) => void outcome(document)), { numRuns: 500 });
  });

  it('one field of a valid config replaced (or an extra key added) with anything', () => {
    fc.assert(fc.property(mutateAt(VALID), (document) => void outcome(document)), { numRuns: Number(process.env.FUZZ_RUNS ?? 1500) });
  });
});

describe('found by fuzzing', () => {
  it('a config nested thousands of levels deep is a ConfigError, not a stack overflow', () => {
    let value: unknown = 'bottom';
    for (let i = 0; i < 5000; i++) value = { a: value };
    expect(() => parseConfig({ ...VALID, bus: value })).toThrow(/nested deeper than 32 levels/);
  });

  it('a `__proto__` key is refused as an unknown key, not turned into a prototype', () => {
    const document = JSON.parse(`{"auth": ${JSON.stringify(VALID.auth)}, "__proto__": {"redis": "redis://evil:6379"}}`) as unknown;
    expect(() => parseConfig(document)).toThrow(/__proto__/);
  });
});
