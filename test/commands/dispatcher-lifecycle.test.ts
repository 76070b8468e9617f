import { afterEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/errors.js';
import type { EventDraft } from '../../src/bus/event-log.js';
import type { ObservationHint } from '../../src/sources/source.js';
import { gated, rejects, resolves } from '../support/scripted-source.js';
import { createHarness, dial, principal, recorder, waitFor, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

const channelHint = (callee: string): ObservationHint => ({
  topic: 'channels',
  matches: (entity) => entity.calleeNumber === callee,
});

const channel = (key: string, callee: string, source = 'mirta-main'): EventDraft => ({
  topic: 'channels',
  type: 'channel.created',
  key,
  source,
  ts: new Date().toISOString(),
  data: { source, observedAt: new Date().toISOString(), channel: key, state: 'ringing', calleeNumber: callee, startedAt: new Date().toISOString() },
});

describe('CommandDispatcher command.updated lifecycle', () => {
  it('reports queued -> sent -> succeeded, then observed once a matching event is published', async () => {
    h = createHarness();
    h.source.script = resolves({ callId: 'call-1' }, channelHint('33170200258'));
    const rec = recorder();
    const ack = await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    expect(ack).toEqual({ ok: true, result: { callId: 'call-1' } });
    expect(rec.states()).toEqual(['queued', 'sent', 'succeeded']);
    expect(rec.updates[2]!.data.result).toEqual({ callId: 'call-1' });

    await h.bus.publish('acme', [channel('SIP/9-1', '0999')]);
    await h.bus.publish('acme', [channel('SIP/1001-2a', '33170200258')]);
    await waitFor(() => rec.updates.length === 4);
    expect(rec.updates[3]).toMatchObject({
      tenant: 'acme',
      topic: 'commands',
      type: 'command.updated',
      key: 'c1',
      source: 'mirta-main',
      data: { id: 'c1', type: 'dial', state: 'observed', observed: { topic: 'channels', key: 'SIP/1001-2a' } },
    });
    // Once only, and never a `seq`.
    await h.bus.publish('acme', [channel('SIP/1001-2b', '33170200258')]);
    expect(rec.updates).toHaveLength(4);
    expect(rec.updates.every((u) => !('seq' in u))).toBe(true);
  });

  it('ignores events of another tenant or source', async () => {
    h = createHarness({ sources: [{ id: 'mirta-main', tenants: ['acme', 'globex'] }, { id: 'kazoo-eu', tenants: ['acme'], commands: [] }] });
    h.source.script = resolves({ callId: 'x' }, channelHint('33170200258'));
    const rec = recorder();
    await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    await h.bus.publish('globex', [channel('SIP/a', '33170200258')]);
    await h.bus.publish('acme', [channel('SIP/b', '33170200258', 'kazoo-eu')]);
    expect(rec.states()).toEqual(['queued', 'sent', 'succeeded']);
  });

  it('links an effect published before the vendor answered', async () => {
    h = createHarness();
    h.source.script = async () => {
      await h.bus.publish('acme', [channel('SIP/early', '33170200258')]);
      return { result: { callId: 'x' }, observe: channelHint('33170200258') };
    };
    const rec = recorder();
    await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    expect(rec.states()).toEqual(['queued', 'sent', 'succeeded', 'observed']);
    expect(rec.updates[3]!.data.observed).toEqual({ topic: 'channels', key: 'SIP/early' });
  });

  it('stops watching after the observation window', async () => {
    h = createHarness({ observationWindowMs: 50 });
    h.source.script = resolves({ callId: 'x' }, channelHint('33170200258'));
    const rec = recorder();
    await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    await new Promise((resolve) => setTimeout(resolve, 80));
    await h.bus.publish('acme', [channel('SIP/late', '33170200258')]);
    expect(rec.states()).toEqual(['queued', 'sent', 'succeeded']);
  });

  it('reports queued -> sent -> failed with the error', async () => {
    h = createHarness();
    h.source.script = rejects(new VendorError('refused'));
    const rec = recorder();
    await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    expect(rec.states()).toEqual(['queued', 'sent', 'failed']);
    expect(rec.updates[2]!.data.error).toEqual({ code: 'vendor_error', message: 'refused', retryable: false });
  });

  it('sends no update for a command refused before it was accepted, nor for a replay', async () => {
    h = createHarness();
    const rec = recorder();
    await h.dispatcher.execute(principal(), { ...dial('bad'), type: 'nope' }, { notify: rec.notify });
    await h.dispatcher.execute(principal(['events:read']), dial('c0'), { notify: rec.notify });
    expect(rec.updates).toHaveLength(0);
    await h.dispatcher.execute(principal(), dial('c1'));
    await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    expect(rec.updates).toHaveLength(0);
  });

  it('ends an accepted command refused by a full queue with failed (every queued gets a final state)', async () => {
    h = createHarness({ budget: { concurrency: 1, perSecond: 100, queue: 0 } });
    const gate = gated({ callId: 'x' });
    h.source.script = gate.script;
    const held = h.dispatcher.execute(principal(), dial('held'));
    const rec = recorder();
    const ack = await h.dispatcher.execute(principal(), dial('c1'), { notify: rec.notify });
    expect(ack.ok ? undefined : ack.error.code).toBe('rate_limited');
    expect(rec.states()).toEqual(['queued', 'failed']);
    gate.open();
    await held;
  });

  it('survives a throwing notify', async () => {
    h = createHarness();
    const ack = await h.dispatcher.execute(principal(), dial('c1'), {
      notify: () => {
        throw new Error('socket gone');
      },
    });
    expect(ack.ok).toBe(true);
  });
});
