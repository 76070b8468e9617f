/**
 * Secrets never leak (protocol §7): the MiRTA key and the SIP passwords, PINs and 2FA secrets the
 * vendor returns in `info=extensions` appear in no log line, event, ack, snapshot (even with
 * `raw: true`), error, metric or health answer, through a scenario of polls, commands and faults.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { waitFor } from '../support/wait-for.js';

describe('secrets', () => {
  let t: TestBridge;
  let c: BridgeClient | undefined;
  beforeEach(async () => {
    t = await startTestBridge({ source: { poll: { extensions: '100ms' } } });
  });
  afterEach(async () => {
    c?.close();
    await t.close();
  });

  it('keeps the vendor key and extension secrets out of everything a client or operator sees', async () => {
    const secrets = [t.sim.keys.admin];
    for (const ext of t.sim.model.extensions('DEMO')) {
      secrets.push(ext.secrets.password, ext.secrets.webPassword, ext.secrets.twoFactorSecret, ext.secrets.lockPin.length >= 6 ? ext.secrets.lockPin : '');
    }
    const needles = secrets.filter((s) => s.length >= 6);
    expect(needles.length).toBeGreaterThan(5);

    c = await connectClient(t.url, E2E_TOKENS.admin);
    await waitFor(async () => (await t.bridge.bus.entities('demo', 'extensions')).size > 0);
    const subscribed = await c.call('subscribe', { tenant: 'demo', raw: true });
    // Commands that succeed, that the vendor refuses, and that meet a fault.
    const acks = [
      await c.call('command', { id: randomUUID(), tenant: 'demo', type: 'dial', args: { from: '100', to: '101' } }),
      await c.call('command', { id: randomUUID(), tenant: 'demo', type: 'dial', args: { from: '999', to: '101' } }),
    ];
    t.sim.faults.arm({ kind: 'authError', times: 3 });
    t.sim.faults.arm({ kind: 'http500', times: 3 });
    acks.push(await c.call('command', { id: randomUUID(), tenant: 'demo', type: 'hangup', args: { channel: 'SIP/100-DEMO-1' } }));
    await waitFor(() => t.sim.faults.pending === 0);
    await waitFor(() => t.bridge.sources.get('mirta-e2e')?.status === 'up', { timeout: 10_000 });

    const readyz = await (await fetch(`${t.url}/readyz`)).text();
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const state = await (
      await fetch(`${t.url}/v1/tenants/demo/state`, { headers: { authorization: `Bearer ${E2E_TOKENS.admin}` } })
    ).text();
    const seen = {
      logs: t.logs.text(),
      events: JSON.stringify(c.events),
      snapshot: JSON.stringify(subscribed),
      acks: JSON.stringify(acks),
      readyz,
      metrics,
      state,
    };
    // The raw record did reach the raw subscriber, stripped: prove the check looks at real data.
    expect(seen.snapshot).toContain('"raw"');
    expect(seen.snapshot).toContain('ex_number');
    expect(seen.logs.length).toBeGreaterThan(1000);
    for (const [where, text] of Object.entries(seen)) {
      for (const secret of needles) {
        expect(text.includes(secret), `a secret leaked into ${where}`).toBe(false);
      }
    }
  }, 20_000);
});
