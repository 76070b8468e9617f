/**
 * Protocol §7: the API key and auth tokens never reach a log line, an event or a metric —
 * even though Kazoo echoes them (every crossbar envelope carries `auth_token`, an unknown key
 * comes back in a 404's `data`, blackhole says "failed to authenticate token <token>").
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../support/wait-for.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function leaks(harness: Harness, secrets: readonly string[]): Promise<string[]> {
  const published = [harness.log.text(), JSON.stringify(harness.events.events), await harness.metrics.text()].join('\n');
  return secrets.filter((secret) => published.includes(secret));
}

describe('kazoo secrets', () => {
  it('keeps the key and every token out of logs, events and metrics through refreshes', async () => {
    h = await startHarness({ sim: { tokenTtlMs: 300 }, config: { tokenRefreshMargin: '0s' } });
    await h.ready();
    const model = h.sim.model;
    const { a } = model.startCall({ from: h.sim.deviceIds[0] as string, to: '33170200258' });
    model.answer(a.uuid);
    await sleep(700); // tokens expire, polls meet 401s, re-login
    h.sim.dropSockets(); // a resubscribe with a fresh token
    await waitFor(() => h!.sim.blackhole.sessionCount === 1 && h!.source.status === 'up');
    model.hangup(a.uuid);
    await h.events.next((e) => e.key === a.uuid && e.type === 'channel.hungup');
    expect(h.sim.requests.some((r) => r.status === 401)).toBe(true);
    expect(h.sim.tokens.issued.length).toBeGreaterThan(2);
    expect(await leaks(h, [h.sim.apiKey, ...h.sim.tokens.issued])).toEqual([]);
  });

  it('blackhole quoting a refused token: reported redacted, then a fresh login', async () => {
    // No agents poll: nothing but the socket notices that crossbar forgot the token.
    h = await startHarness({ config: { poll: { agents: 0, channels: 0 } } });
    await h.ready();
    const mark = h.events.mark();
    h.sim.tokens.revokeAll();
    h.sim.dropSockets();
    await h.events.next((e) => e.type === 'source.degraded', { from: mark });
    await h.events.next((e) => e.type === 'source.up', { from: mark });
    expect(h.log.text()).toContain('failed to authenticate token [redacted]');
    expect(h.sim.tokens.issued).toHaveLength(2);
    expect(await leaks(h, [h.sim.apiKey, ...h.sim.tokens.issued])).toEqual([]);
  });

  it('a refused API key (404 echoing it) degrades the source without publishing the key', async () => {
    h = await startHarness({ config: { apiKey: 'k'.repeat(64), health: { downAfter: 2 } } });
    const down = await h.events.next((e) => e.type === 'source.down', { timeout: 3_000 });
    expect(String(down.data.lastError)).toMatch(/refused the API key/);
    await waitFor(() => h!.sim.requests.filter((r) => r.path === '/v2/api_auth').length >= 2);
    expect(await leaks(h, ['k'.repeat(64)])).toEqual([]);
  });
});
