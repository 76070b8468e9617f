import { afterEach, describe, expect, it } from 'vitest';
import { UnavailableError, VendorError } from '../../src/errors.js';
import { gated, rejects, resolves } from '../support/scripted-source.js';
import { createHarness, dial, principal, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('CommandDispatcher idempotency', () => {
  it('answers the same id + body twice with one vendor request and identical acks', async () => {
    h = createHarness();
    h.source.script = resolves({ callId: 'call-1' });
    const first = await h.dispatcher.execute(principal(), dial('c1'));
    const second = await h.dispatcher.execute(principal(), dial('c1'));
    expect(first).toEqual({ ok: true, result: { callId: 'call-1' } });
    expect(second).toEqual(first);
    expect(h.source.calls).toHaveLength(1);
    expect(h.logLines.filter((l) => l.audit === 'command').map((l) => l.replayed)).toEqual([undefined, true]);
  });

  it('treats the same body with keys in another order as the same body', async () => {
    h = createHarness();
    await h.dispatcher.execute(principal(), dial('c1'));
    const reordered = { args: { to: '33170200258', from: '1001' }, type: 'dial', tenant: 'acme', id: 'c1' };
    expect((await h.dispatcher.execute(principal(), reordered)).ok).toBe(true);
    expect(h.source.calls).toHaveLength(1);
  });

  it('answers duplicate for the same id with another body, without a vendor request', async () => {
    h = createHarness();
    await h.dispatcher.execute(principal(), dial('c1'));
    const ack = await h.dispatcher.execute(principal(), dial('c1', { args: { from: '1001', to: '33170200999' } }));
    expect(ack).toEqual({ ok: false, error: { code: 'duplicate', message: 'id: already used with another body', retryable: false } });
    expect(h.source.calls).toHaveLength(1);
  });

  it('makes a concurrent twin wait for the first outcome instead of calling the vendor again', async () => {
    h = createHarness();
    const gate = gated({ callId: 'call-7' });
    h.source.script = gate.script;
    const first = h.dispatcher.execute(principal(), dial('c1'));
    const twin = h.dispatcher.execute(principal(), dial('c1'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(h.source.calls).toHaveLength(1);
    gate.open();
    const [a, b] = await Promise.all([first, twin]);
    expect(a).toEqual({ ok: true, result: { callId: 'call-7' } });
    expect(b).toEqual(a);
    expect(h.source.calls).toHaveLength(1);
  });

  it('scopes ids per tenant', async () => {
    h = createHarness({ sources: [{ id: 'mirta-main', tenants: ['acme', 'globex'] }] });
    const who = principal(['*'], ['acme', 'globex']);
    await h.dispatcher.execute(who, dial('c1'));
    const other = await h.dispatcher.execute(who, dial('c1', { tenant: 'globex', args: { from: '2', to: '3' } }));
    expect(other.ok).toBe(true);
    expect(h.source.calls).toHaveLength(2);
  });

  it('remembers a vendor refusal: the retry gets it again without a second request', async () => {
    h = createHarness();
    h.source.script = rejects(new VendorError('number barred'));
    const first = await h.dispatcher.execute(principal(), dial('c1'));
    const again = await h.dispatcher.execute(principal(), dial('c1'));
    expect(first.ok ? undefined : first.error.code).toBe('vendor_error');
    expect(again).toEqual(first);
    expect(h.source.calls).toHaveLength(1);
  });

  it('frees the id when the command never reached the vendor, so a retry goes through', async () => {
    h = createHarness();
    h.source.script = rejects(new UnavailableError('vendor unreachable'));
    const first = await h.dispatcher.execute(principal(), dial('c1'));
    expect(first.ok ? undefined : first.error).toMatchObject({ code: 'unavailable', retryable: true });
    h.source.script = resolves({ callId: 'call-2' });
    expect(await h.dispatcher.execute(principal(), dial('c1'))).toEqual({ ok: true, result: { callId: 'call-2' } });
    expect(h.source.calls).toHaveLength(2);
  });

  it('stores nothing for a caller refused before the store (forbidden), so it cannot squat ids', async () => {
    h = createHarness();
    const refused = await h.dispatcher.execute(principal(['events:read']), dial('c1', { args: { from: '6', to: '6' } }));
    expect(refused.ok ? undefined : refused.error.code).toBe('forbidden');
    expect((await h.dispatcher.execute(principal(), dial('c1'))).ok).toBe(true);
  });

  it('uses the REST Idempotency-Key as the id', async () => {
    h = createHarness();
    const { id: _id, ...body } = dial('ignored');
    await h.dispatcher.execute(principal(), body, { idempotencyKey: 'k-1' });
    const again = await h.dispatcher.execute(principal(), dial('k-1'));
    expect(again.ok).toBe(true);
    expect(h.source.calls).toHaveLength(1);
  });
});
