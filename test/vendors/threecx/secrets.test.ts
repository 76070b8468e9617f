/**
 * Protocol §7: the client secret and access tokens never reach a log line, an event, an error
 * or a metric — through token renewals, 401s, refused credentials, and vendor text that
 * quotes a token back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../../src/errors.js';
import { waitFor } from '../../support/wait-for.js';
import { TENANT, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function leaks(harness: Harness, secrets: readonly string[], extra: readonly string[] = []): Promise<string[]> {
  const published = [harness.log.text(), JSON.stringify(harness.events.events), await harness.metrics.text(), ...extra].join('\n');
  return secrets.filter((secret) => published.includes(secret));
}

describe('3cx secrets', () => {
  it('keeps the secret and every token out of logs, events and metrics through renewals and 401s', async () => {
    h = await startHarness({ sim: { tokenTtlMs: 2_000 }, config: { tokenRefreshMargin: '1s' } });
    await h.ready();
    const model = h.sim.model;
    const participant = model.incomingCall({ from: '33170200258', to: '100' })!;
    model.answerCall(participant.callid);
    await waitFor(() => h!.source.logins >= 2, { timeout: 5_000 }); // a renewal happened
    h.sim.tokens.revokeAll(); // the next read meets a 401
    model.drop('100', participant.id);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === `100/${participant.id}`);
    h.sim.dropSockets();
    await waitFor(() => h!.sim.ws.sessionCount === 1 && h!.source.status === 'up');
    expect(h.sim.requests.entries.some((r) => r.status === 401)).toBe(true);
    expect(h.sim.tokens.issued.length).toBeGreaterThanOrEqual(3);
    expect(await leaks(h, [h.sim.clientSecret, ...h.sim.tokens.issued])).toEqual([]);
  });

  it('refused credentials degrade the source without publishing the secret', async () => {
    const secret = 'wrong-secret-5f1d0c9a7e3b2d4c';
    h = await startHarness({ config: { clientSecret: secret, health: { downAfter: 2 } } });
    const down = await h.events.next((e) => e.type === 'source.down', { timeout: 5_000 });
    expect(down.data.lastError).toBe('3CX refused the client credentials (HTTP 400)');
    const err = await h.source.execute({ id: 's1', tenant: TENANT, type: 'hangup', args: { channel: '100/1' } }, { signal: AbortSignal.timeout(3_000) }).catch((e: unknown) => e);
    expect(isBridgeError(err) && err.code).toBe('vendor_error');
    expect(await leaks(h, [secret], [String((err as Error).message)])).toEqual([]);
  });

  it('a vendor error quoting the token is passed on redacted', async () => {
    h = await startHarness();
    await h.ready();
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    const token = h.sim.tokens.issued.at(-1) as string;
    h.sim.failNext(400, { path: /\/drop$/, body: JSON.stringify({ message: `bearer ${token} may not drop this participant` }) });
    const err = await h.source
      .execute({ id: 's2', tenant: TENANT, type: 'hangup', args: { channel: `100/${participant.id}` } }, { signal: AbortSignal.timeout(3_000) })
      .catch((e: unknown) => e);
    expect(isBridgeError(err) && err.toWire()).toEqual({ code: 'vendor_error', message: '3CX: bearer [redacted] may not drop this participant', retryable: false });
    expect(await leaks(h, [h.sim.clientSecret, ...h.sim.tokens.issued])).toEqual([]);
  });
});
