/**
 * Two vendors feeding one tenant: a MiRTA PBX (polled) and a Kazoo cluster (websocket) both
 * serve `demo`. Each source's snapshot diff only ever touches its own entities, so MiRTA's
 * polls never "remove" Kazoo's calls, and a client sees both on one sequence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/bridge.js';
import { parseConfig } from '../../src/config/load.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import type { SubscribeOk } from '../../src/protocol/messages.js';
import { startKazooSimulator, type KazooSimulator } from '../../src/simulators/kazoo/index.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { captureLogger } from '../support/log-capture.js';
import { waitFor } from '../support/wait-for.js';

const TOKEN = 'two-sources-token-0123456789';

describe('two sources on one tenant', () => {
  let mirta: MirtaSimulator;
  let kazoo: KazooSimulator;
  let bridge: Bridge;
  let client: BridgeClient;
  afterEach(async () => {
    client?.close();
    await bridge?.close();
    await Promise.all([mirta?.close(), kazoo?.close()]);
  });

  it('shows MiRTA and Kazoo calls side by side, and neither source removes the other\'s', async () => {
    mirta = await startMirtaSimulator();
    kazoo = await startKazooSimulator();
    bridge = await startBridge(
      parseConfig({
        listen: { host: '127.0.0.1', port: 0 },
        auth: { tokens: [{ token: TOKEN, tenants: ['demo'], scopes: ['*'] }] },
        sources: [
          { id: 'mirta', vendor: 'mirta', url: mirta.url, key: mirta.keys.tenants.DEMO?.rw, tenants: { demo: 'DEMO' }, poll: { channels: '50ms' } },
          { id: 'kazoo', vendor: 'kazoo', rest: kazoo.restUrl, websocket: kazoo.websocketUrl, accountId: kazoo.accountId, apiKey: kazoo.apiKey, tenant: 'demo' },
        ],
      }),
      { logger: captureLogger('warn').logger },
    );
    await waitFor(() => bridge.sources.list().every((s) => s.status === 'up'), { timeout: 10_000 });
    client = await connectClient(bridge.url, TOKEN);
    expect(client.hello.sources.map((s) => s.id).sort()).toEqual(['kazoo', 'mirta']);
    const ack = await client.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['channels'] });
    expect(ack.ok).toBe(true);

    const kazooCall = kazoo.model.startCall({ from: kazoo.deviceIds[0] ?? '', to: '33170200258' });
    const mirtaCall = mirta.model.startCall({ tenant: 'DEMO', from: '100', to: '101' }).aLeg;
    const events = () => client.events as BridgeEvent[];
    await waitFor(() => events().some((e) => e.type === 'channel.created' && e.source === 'kazoo'));
    await waitFor(() => events().some((e) => e.type === 'channel.created' && e.key === mirtaCall));
    // Several MiRTA poll rounds with the Kazoo call up: no false hang-up of it.
    await new Promise((r) => setTimeout(r, 300));
    expect(events().filter((e) => e.type === 'channel.hungup')).toEqual([]);

    kazoo.model.hangup(kazooCall.a.uuid);
    await waitFor(() => events().some((e) => e.type === 'channel.hungup' && e.source === 'kazoo'));
    const state = await bridge.bus.entities('demo', 'channels');
    expect([...state.values()].some((c) => c.source === 'mirta')).toBe(true);
    expect([...state.values()].some((c) => c.source === 'kazoo')).toBe(false);
    const seqs = events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  }, 20_000);
});
