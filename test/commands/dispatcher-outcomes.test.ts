import { afterEach, describe, expect, it } from 'vitest';
import { TimeoutError, UnavailableError, VendorError } from '../../src/errors.js';
import { hangs, rejects, resolves } from '../support/scripted-source.js';
import { createHarness, dial, principal, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

const codeOf = (ack: { ok: boolean; error?: { code: string } }) => (ack.ok ? 'ok' : ack.error?.code);

describe('CommandDispatcher outcomes', () => {
  it('passes a vendor refusal on as vendor_error with its reason', async () => {
    h = createHarness();
    h.source.script = rejects(new VendorError('MiRTA: channel not up'));
    expect(await h.dispatcher.execute(principal(), dial('c1'))).toEqual({
      ok: false,
      error: { code: 'vendor_error', message: 'MiRTA: channel not up', retryable: false },
    });
  });

  it('answers timeout after limits.timeout, aborts the source, and never retries', async () => {
    h = createHarness({ limits: { timeout: 150 } });
    h.source.script = hangs();
    const startedAt = Date.now();
    const ack = await h.dispatcher.execute(principal(), dial('c1'));
    const elapsed = Date.now() - startedAt;
    expect(codeOf(ack)).toBe('timeout');
    expect(ack.ok ? undefined : ack.error.retryable).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
    expect(h.source.calls).toHaveLength(1);
    expect(h.source.calls[0]!.signal.aborted).toBe(true);
    // The same id again: the stored timeout, not a second vendor request.
    expect(await h.dispatcher.execute(principal(), dial('c1'))).toEqual(ack);
    expect(h.source.calls).toHaveLength(1);
  });

  it('answers timeout at the deadline even when the source ignores its signal', async () => {
    h = createHarness({ limits: { timeout: 100 } });
    h.source.script = () => new Promise(() => undefined);
    expect(codeOf(await h.dispatcher.execute(principal(), dial('c1')))).toBe('timeout');
  });

  it('opens the circuit after breakerThreshold unavailable answers, then refuses without calling', async () => {
    let now = 1_000_000;
    h = createHarness({ limits: { breakerThreshold: 3, breakerCooldown: 10_000 }, now: () => now });
    h.source.script = rejects(new UnavailableError('connection refused'));
    for (let i = 0; i < 3; i++) expect(codeOf(await h.dispatcher.execute(principal(), dial(`c${i}`)))).toBe('unavailable');
    expect(h.source.calls).toHaveLength(3);

    const refused = await h.dispatcher.execute(principal(), dial('c3'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', retryable: true }, retryAfterSec: 10 });
    expect(h.source.calls).toHaveLength(3);

    // After the cooldown one probe goes through; its success closes the circuit.
    now += 10_000;
    h.source.script = resolves({ callId: 'back' });
    expect(codeOf(await h.dispatcher.execute(principal(), dial('c4')))).toBe('ok');
    expect(codeOf(await h.dispatcher.execute(principal(), dial('c5')))).toBe('ok');
    expect(h.source.calls).toHaveLength(5);
  });

  it('counts timeouts towards the breaker but not vendor refusals', async () => {
    h = createHarness({ limits: { breakerThreshold: 2, timeout: 50 } });
    h.source.script = rejects(new VendorError('busy'));
    for (let i = 0; i < 5; i++) await h.dispatcher.execute(principal(), dial(`v${i}`));
    expect(h.source.calls).toHaveLength(5);
    h.source.script = rejects(new TimeoutError('vendor silent'));
    await h.dispatcher.execute(principal(), dial('t1'));
    await h.dispatcher.execute(principal(), dial('t2'));
    expect(codeOf(await h.dispatcher.execute(principal(), dial('t3')))).toBe('unavailable');
    expect(h.source.calls).toHaveLength(7);
  });

  it('turns an unexpected throw into internal with a correlation id that is logged', async () => {
    h = createHarness();
    h.source.script = () => Promise.reject(new TypeError('bug in adapter'));
    const ack = await h.dispatcher.execute(principal(), dial('c1'));
    expect(codeOf(ack)).toBe('internal');
    const correlationId = /correlation id (\S+)/.exec(ack.ok ? '' : ack.error.message)?.[1];
    expect(correlationId).toBeDefined();
    expect(h.logLines.some((line) => line.correlationId === correlationId && line.level === 50)).toBe(true);
  });

  it('answers forbidden for a tenant not held exactly as for a nonexistent tenant', async () => {
    h = createHarness({ sources: [{ id: 'mirta-main', tenants: ['acme', 'globex'] }] });
    const existing = await h.dispatcher.execute(principal(['*'], ['acme']), dial('c1', { tenant: 'globex' }));
    const other = createHarness({ sources: [{ id: 'mirta-main', tenants: ['acme'] }] });
    const nonexistent = await other.dispatcher.execute(principal(['*'], ['acme']), dial('c1', { tenant: 'globex' }));
    await other.close();
    expect(existing).toEqual(nonexistent);
    expect(codeOf(existing)).toBe('forbidden');
  });

  it('resolves the source and reports resolution problems', async () => {
    h = createHarness({
      sources: [
        { id: 'mirta-main', tenants: ['acme'], commands: ['dial', 'flow.set'] },
        { id: 'kazoo-eu', tenants: ['acme'], commands: ['dial'] },
      ],
    });
    expect(codeOf(await h.dispatcher.execute(principal(), dial('a')))).toBe('invalid_argument');
    expect(codeOf(await h.dispatcher.execute(principal(), dial('b', { source: 'kazoo-eu' })))).toBe('ok');
    expect(codeOf(await h.dispatcher.execute(principal(), dial('c', { source: 'nope' })))).toBe('not_found');
    const flow = { id: 'd', tenant: 'acme', type: 'flow.set', args: { number: '1' } };
    expect(codeOf(await h.dispatcher.execute(principal(), flow))).toBe('ok');
    expect(codeOf(await h.dispatcher.execute(principal(), { ...flow, id: 'e', source: 'kazoo-eu' }))).toBe('unsupported');
    const pause = { id: 'f', tenant: 'acme', type: 'agent.pause', args: { queue: 'q', agent: 'a' } };
    expect(codeOf(await h.dispatcher.execute(principal(), pause))).toBe('unsupported');
  });

  it('refuses hostile payloads with invalid_argument and sends nothing', async () => {
    h = createHarness();
    const hostile: unknown[] = [
      null,
      'dial',
      [],
      { ...dial('h1'), args: { from: '1001', to: 1 } },
      { ...dial('h2'), args: { from: '1001', to: 'x'.repeat(1024 * 1024) } },
      { ...dial('h3'), type: 'reboot' },
      { ...dial('h4'), args: { from: '1001', to: '2', evil: true } },
      JSON.parse('{"id":"h5","tenant":"acme","type":"dial","args":{"from":"1","to":"2","__proto__":{"x":1}}}'),
    ];
    for (const body of hostile) {
      const ack = await h.dispatcher.execute(principal(), body);
      expect(codeOf(ack)).toBe('invalid_argument');
    }
    expect(h.source.calls).toHaveLength(0);
  });

  it('writes one masked audit line per command, and counts it', async () => {
    h = createHarness();
    h.source.script = resolves({ callId: 'x' });
    await h.dispatcher.execute(principal(), dial('c1'));
    h.source.script = rejects(new VendorError('number 33170200258 barred'));
    await h.dispatcher.execute(principal(), dial('c2'));
    const audit = h.logLines.filter((line) => line.audit === 'command');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      level: 30,
      principal: 'test-token',
      tenant: 'acme',
      source: 'mirta-main',
      type: 'dial',
      outcome: 'ok',
      args: { from: '••••1001', to: '••••0258' },
    });
    expect(typeof audit[0]!.latencyMs).toBe('number');
    expect(audit[1]).toMatchObject({ outcome: 'vendor_error', message: 'number ••••0258 barred' });
    expect(JSON.stringify(h.logLines)).not.toContain('33170200258');
    const metrics = await h.metrics.text();
    expect(metrics).toContain('callbridge_commands_total{source="mirta-main",type="dial",outcome="ok"} 1');
    expect(metrics).toContain('callbridge_commands_total{source="mirta-main",type="dial",outcome="vendor_error"} 1');
    expect(metrics).toContain('callbridge_command_duration_seconds_count{source="mirta-main",type="dial"} 2');
  });

  it('answers commands under way at close and refuses new ones', async () => {
    h = createHarness({ limits: { timeout: 5_000 } });
    h.source.script = hangs();
    const underWay = h.dispatcher.execute(principal(), dial('c1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await h.dispatcher.close();
    expect(codeOf(await underWay)).toBe('timeout');
    expect(codeOf(await h.dispatcher.execute(principal(), dial('c2')))).toBe('unavailable');
  });
});
