/**
 * The SDK under the bridge's per-socket call budget (docs/protocol.md, "Abuse limits"): a
 * subscribe refused `rate_limited` with `retryAfterSec` is sent again, and every tenant goes live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type CallbridgeError } from '../../src/client/index.js';
import { TOKENS, blf, startServer, type Harness } from '../server/harness.js';
import { waitFor } from '../support/wait-for.js';

describe('client under the call budget', () => {
  let h: Harness;
  beforeAll(async () => {
    // One call at once, one per second: the second tenant's subscribe is refused at first.
    h = await startServer({ clients: { callsPerSecond: 1, callsBurst: 1 } });
  });
  afterAll(() => h.close());

  it('subscribes again after retryAfterSec and mirrors every tenant', async () => {
    const cb = connect(h.url, { token: TOKENS.admin, tenants: ['acme', 'globex'], topics: ['blfs'] });
    const errors: CallbridgeError[] = [];
    cb.on('error', (error) => errors.push(error));
    try {
      await cb.ready();
      expect(errors).toEqual([]);
      expect(await h.metrics.text()).toMatch(/callbridge_client_refusals_total\{reason="call_rate"\} [1-9]/);
      await h.publish('globex', [blf('900')]);
      await waitFor(() => cb.tenant('globex').state.blfs.get('900') !== undefined);
    } finally {
      cb.close();
    }
  });
});
