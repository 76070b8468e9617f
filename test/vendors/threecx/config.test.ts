/** `vendor: 3cx` in the config file (protocol §6): defaults, `${ENV}` secrets, errors that name the path. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { VendorBudget } from '../../../src/sources/vendor-budget.js';
import { buildSource } from '../../../src/vendors/source-registry.js';
import { ThreeCxSource } from '../../../src/vendors/threecx/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { memoryBus } from '../../support/memory-bus.js';

const base = { auth: { tokens: [{ token: 'wallboard-token-0123456789', tenants: ['acme'], scopes: ['events:read'] }] } };
const source = { id: 'pbx-3cx', vendor: '3cx', url: 'https://pbx.example.com', clientId: 'callbridge', clientSecret: '${TCX_SECRET}', tenant: 'acme' };

describe('3cx config', () => {
  it('parses with the vendor defaults, the secret from the environment', () => {
    const config = parseConfig({ ...base, sources: [source] }, { TCX_SECRET: 's3cret-from-env' });
    expect(config.sources[0]).toMatchObject({
      vendor: '3cx',
      clientSecret: 's3cret-from-env',
      dialVia: 'device',
      poll: { snapshot: 60_000 },
      liveness: { pingInterval: 15_000, pongTimeout: 5_000 },
      reconnect: { initialDelay: 500, maxDelay: 30_000 },
      tokenRefreshMargin: 300_000,
      limits: { concurrency: 4, perSecond: 10, queue: 100, timeout: 10_000 },
      health: { downAfter: 3 },
    });
  });

  it('names the path of a bad field, and refuses unknown ones', () => {
    const bad = (patch: Record<string, unknown>): string => {
      try {
        parseConfig({ ...base, sources: [{ ...source, ...patch }] }, { TCX_SECRET: 'x' });
      } catch (err) {
        if (err instanceof ConfigError) return err.issues.join('\n');
        throw err;
      }
      return 'no error';
    };
    expect(bad({ url: 'ftp://pbx.example.com' })).toMatch(/sources\[0\]\.url/);
    expect(bad({ clientSecret: '' })).toMatch(/sources\[0\]\.clientSecret/);
    expect(bad({ liveness: { pingInterval: '0s' } })).toMatch(/sources\[0\]\.liveness\.pingInterval/);
    expect(bad({ websocket: 'wss://pbx.example.com' })).toMatch(/websocket/);
  });

  it('is built by the source registry, announcing its topics and commands', async () => {
    const config = parseConfig({ ...base, sources: [source] }, { TCX_SECRET: 'x' });
    const { logger } = captureLogger();
    const bus = memoryBus(logger, 10, 60_000);
    const built = buildSource(config.sources[0]!, { bus, logger, budget: new VendorBudget({ concurrency: 1, perSecond: 1, queue: 1 }) });
    expect(built).toBeInstanceOf(ThreeCxSource);
    expect(built).toMatchObject({ id: 'pbx-3cx', vendor: '3cx', tenants: ['acme'], topics: ['channels', 'peers'], commands: ['dial', 'hangup', 'transfer'] });
    await built.stop();
    await bus.close();
  });
});
