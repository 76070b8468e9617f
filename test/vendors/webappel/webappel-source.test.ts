/** WebAppelSource against the simulator over HTTP, on a real Bus. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeError } from '../../../src/errors.js';
import type { ValidatedCommand } from '../../../src/protocol/commands.js';
import { COMMAND_ARGS } from '../../../src/protocol/commands.js';
import type { WebAppelSimulator } from '../../../src/simulators/webappel/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { startSim, startSource, type SourceHarness } from './harness.js';

const log = captureLogger();
let seq = 0;
function command(type: 'callback.request' | 'callback.cancel', args: Record<string, unknown>, tenant = 'acme'): ValidatedCommand {
  return { id: `cmd-${++seq}`, tenant, type, args: COMMAND_ARGS[type].parse(args) } as ValidatedCommand;
}
const run = (h: SourceHarness, type: 'callback.request' | 'callback.cancel', args: Record<string, unknown>) =>
  h.source.execute(command(type, args), { signal: AbortSignal.timeout(2_000) });

async function refusal(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (err) {
    return err as BridgeError;
  }
  throw new Error('expected the command to fail');
}

describe('WebAppelSource', () => {
  let sim: WebAppelSimulator;
  let h: SourceHarness;

  beforeAll(async () => {
    sim = await startSim({ popups: [77, 78] });
    h = startSource(sim, log, { popups: [77, 78, 99] });
    await h.source.start();
    await h.events.next((e) => e.type === 'source.up');
  });
  afterAll(async () => {
    await h?.stop();
    await sim?.close();
  });
  afterEach(() => {
    sim.faults.clear();
  });

  it('describes itself', () => {
    expect(h.source.vendor).toBe('webappel');
    expect(h.source.tenants).toEqual(['acme']);
    expect(h.source.topics).toEqual(['callbacks']);
    expect(h.source.commands).toEqual(['callback.request', 'callback.cancel']);
  });

  it('callback.request sends appel with the exact query, then the callback goes requested -> completed', async () => {
    const mark = h.events.mark();
    const before = sim.requests.count('appel');
    const outcome = await run(h, 'callback.request', { popup: 77, number: '+33170200258', name: 'Jade', fields: { usr1: 'RXF46' } });
    const sent = sim.requests.filter('appel').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('GET');
    expect(sent[0]!.path).toBe('/get/webappel/api.php');
    expect(sent[0]!.query).toEqual({
      methode: 'appel',
      email: sim.email,
      pass: sim.pass,
      id_popup: '77',
      e164: '33170200258',
      nbressais: '1',
      rec: '0',
      dureemaxi: '3600',
      nom: 'Jade',
      usr1: 'RXF46',
    });
    const trackingId = String(outcome.result.trackingId);
    expect(trackingId).toMatch(/^\d+$/);
    expect(outcome.observe?.topic).toBe('callbacks');

    const requested = await h.events.next((e) => e.key === trackingId && outcome.observe!.matches(e.data as Record<string, unknown>, e.key), { from: mark });
    expect(requested.type).toBe('callback.updated');
    expect(requested.topic).toBe('callbacks');
    expect(requested.data).toMatchObject({ trackingId, popup: '77', number: '33170200258', state: 'requested', name: 'Jade', source: 'webappel-test' });

    const done = await h.events.next((e) => e.key === trackingId && (e.data as { state?: string }).state === 'completed', { from: mark });
    expect(done.type).toBe('callback.updated');
    expect(done.changed).toContain('state');
    expect(done.data).toMatchObject({ trackingId, state: 'completed', durationSec: expect.any(Number) });
    // It was polled by tracking id, and no longer is.
    expect(sim.requests.filter('appel_listing').some((r) => r.query.id_tracking === trackingId && r.query.id_popup === '77')).toBe(true);
    await waitFor(() => !h.source.pending.includes(trackingId));
    const polls = sim.requests.filter('appel_listing').filter((r) => r.query.id_tracking === trackingId).length;
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.requests.filter('appel_listing').filter((r) => r.query.id_tracking === trackingId).length).toBe(polls);
    expect(h.events.since(mark).filter((e) => e.key === trackingId).map((e) => (e.data as { state: string }).state)).toEqual(['requested', 'completed']);
  });

  it('an ECHEC etat becomes failed with the reason', async () => {
    const mark = h.events.mark();
    const outcome = await run(h, 'callback.request', { popup: '78', number: '33170000000' });
    const trackingId = String(outcome.result.trackingId);
    const failed = await h.events.next((e) => e.key === trackingId && (e.data as { state?: string }).state === 'failed', { from: mark });
    expect(failed.data).toMatchObject({ popup: '78', reason: 'ECHEC' });
  });

  it('delaySec is sent as delais; callback.cancel before the start sends appel_annuler and reports cancelled', async () => {
    const mark = h.events.mark();
    const outcome = await run(h, 'callback.request', { popup: 77, number: '33612345678', delaySec: 60 });
    expect(sim.requests.last('appel')?.query.delais).toBe('60');
    const trackingId = String(outcome.result.trackingId);
    const cancel = await run(h, 'callback.cancel', { popup: 77, trackingId });
    expect(sim.requests.last('appel_annuler')?.query).toEqual({
      methode: 'appel_annuler',
      email: sim.email,
      pass: sim.pass,
      id_popup: '77',
      id_contact: trackingId,
    });
    expect(cancel.result).toEqual({ trackingId });
    const cancelled = await h.events.next((e) => e.key === trackingId && cancel.observe!.matches(e.data as Record<string, unknown>, e.key), { from: mark });
    expect(cancelled.data).toMatchObject({ state: 'cancelled', number: '33612345678' });
    expect(h.source.pending).not.toContain(trackingId);
    expect(h.events.since(mark).filter((e) => e.key === trackingId).map((e) => (e.data as { state: string }).state)).toEqual(['requested', 'cancelled']);
  });

  it('cancelling a callback already started is a vendor_error with the vendor text', async () => {
    const outcome = await run(h, 'callback.request', { popup: 77, number: '33170200259' });
    const trackingId = String(outcome.result.trackingId);
    await new Promise((r) => setTimeout(r, 50));
    const err = await refusal(run(h, 'callback.cancel', { popup: 77, trackingId }));
    expect(err.code).toBe('vendor_error');
    expect(err.message).toContain('KO: appel deja initie');
  });

  it('a popup unknown to WebAppel is a vendor_error; one not configured is invalid_argument', async () => {
    const vendor = await refusal(run(h, 'callback.request', { popup: 99, number: '33170200258' }));
    expect(vendor.code).toBe('vendor_error');
    expect(vendor.message).toContain('KO: popup inconnue');
    const before = sim.requests.count();
    const local = await refusal(run(h, 'callback.request', { popup: 5, number: '33170200258' }));
    expect(local.code).toBe('invalid_argument');
    const badField = await refusal(run(h, 'callback.request', { popup: 77, number: '33170200258', fields: { foo: 'x' } }));
    expect(badField.code).toBe('invalid_argument');
    const badNumber = await refusal(run(h, 'callback.request', { popup: 77, number: '1001*' }));
    expect(badNumber.code).toBe('invalid_argument');
    const otherTenant = await refusal(h.source.execute(command('callback.request', { popup: 77, number: '33170200258' }, 'globex'), { signal: AbortSignal.timeout(1000) }));
    expect(otherTenant.code).toBe('not_found');
    // None of these reached the vendor (polls aside).
    expect(sim.requests.entries.slice(before).filter((r) => r.methode === 'appel')).toHaveLength(0);
  });

  it('an HTTP 500 on appel is a timeout (outcome unknown), a 503 is unavailable', async () => {
    sim.faults.arm('http500', { methode: 'appel' });
    expect((await refusal(run(h, 'callback.request', { popup: 77, number: '33170200258' }))).code).toBe('timeout');
    sim.faults.arm('http503', { methode: 'appel' });
    expect((await refusal(run(h, 'callback.request', { popup: 77, number: '33170200258' }))).code).toBe('unavailable');
  });

  it('a failing listing degrades the source without changing callbacks, then it recovers', async () => {
    const outcome = await run(h, 'callback.request', { popup: 77, number: '33170200260', delaySec: 30 });
    const trackingId = String(outcome.result.trackingId);
    const mark = h.events.mark();
    sim.faults.arm('garbage', { methode: 'appel_listing', count: 1 });
    const degraded = await h.events.next((e) => e.type === 'source.degraded', { from: mark });
    expect((degraded.data as { lastError?: string }).lastError).toContain('WebAppel');
    await h.events.next((e) => e.key === trackingId && (e.data as { state?: string }).state === 'completed', { from: mark });
    await h.events.next((e) => e.type === 'source.up', { from: mark });
    expect(h.events.since(mark).filter((e) => e.key === trackingId).map((e) => (e.data as { state: string }).state)).toEqual(['completed']);
  });

  it('never logs the password', () => {
    expect(log.text().length).toBeGreaterThan(0);
    expect(log.text()).not.toContain(sim.pass);
  });
});

describe('WebAppelSource with wrong credentials', () => {
  const badLog = captureLogger();
  let sim: WebAppelSimulator;
  let h: SourceHarness;
  const wrong = 'wrong-secret-pass-123';

  beforeAll(async () => {
    sim = await startSim();
    h = startSource(sim, badLog, { pass: wrong, downAfter: 2 });
    await h.source.start();
  });
  afterAll(async () => {
    await h?.stop();
    await sim?.close();
  });

  it('polls fail with the vendor text (source down), commands are vendor_error, the password stays out', async () => {
    const down = await h.events.next((e) => e.type === 'source.down');
    expect((down.data as { lastError?: string }).lastError).toBe('WebAppel: KO: identifiants incorrects');
    const err = await refusal(run(h, 'callback.request', { popup: 77, number: '33170200258' }));
    expect(err.code).toBe('vendor_error');
    expect(err.message).toBe('WebAppel refused the callback: KO: identifiants incorrects');
    expect(sim.requests.last('appel')?.query.pass).toBe(wrong);
    const everything = badLog.text() + JSON.stringify(h.events.events) + err.message;
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(sim.pass);
  });
});

describe('WebAppelSource variants', () => {
  it('reads `OK;<id>` tracking ids and polls appels_resume', async () => {
    const sim = await startSim({ trackingFormat: 'ok-prefixed', firstTrackingId: 500 });
    const h = startSource(sim, log, { listing: 'appels_resume' });
    try {
      await h.source.start();
      const outcome = await run(h, 'callback.request', { popup: 78, number: '33170200258' });
      expect(outcome.result).toEqual({ trackingId: '500' });
      const done = await h.events.next((e) => e.key === '500' && (e.data as { state?: string }).state === 'completed');
      expect(done.data).toMatchObject({ popup: '78' });
      expect(sim.requests.filter('appels_resume').some((r) => r.query.id_tracking === '500')).toBe(true);
      expect(sim.requests.count('appel_listing')).toBe(0);
    } finally {
      await h.stop();
      await sim.close();
    }
  });

  it('gives up on a callback that never ends', async () => {
    const sim = await startSim({ timings: { callingAfterMs: 10, connectedAfterMs: 20, endedAfterMs: 60_000, delayScale: 0.01 } });
    const h = startSource(sim, log, { giveUpAfter: 100 });
    try {
      await h.source.start();
      const outcome = await run(h, 'callback.request', { popup: 77, number: '33170200258' });
      const trackingId = String(outcome.result.trackingId);
      const failed = await h.events.next((e) => e.key === trackingId && (e.data as { state?: string }).state === 'failed');
      expect((failed.data as { reason?: string }).reason).toContain('no final state');
    } finally {
      await h.stop();
      await sim.close();
    }
  });
});
