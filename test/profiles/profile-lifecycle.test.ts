/**
 * Profiles running for real, against the vendor simulators: enabling one starts its source
 * without a restart and its events reach a socket.io client; new credentials reconnect;
 * disabling or deleting stops it (`source.down`, the simulator's request log stops growing);
 * and a config-file source polling meanwhile is never disturbed.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { availableProfileTypes } from '../../src/profiles/profile-types.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import type { SubscribeOk } from '../../src/protocol/messages.js';
import { startKazooSimulator, type KazooSimulator } from '../../src/simulators/kazoo/index.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { startPbxwareSimulator } from '../../src/simulators/pbxware/index.js';
import { startThreeCxSimulator } from '../../src/simulators/threecx/index.js';
import { startWebAppelSimulator, type WebAppelSimulator } from '../../src/simulators/webappel/index.js';
import { startXivoSimulator, type XivoSimulator } from '../../src/simulators/xivo/index.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { collectEvents } from '../support/event-collector.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { TOKENS, dataOf, startProfileBridge, type ProfileBridge } from './support/profile-bridge.js';

const FAST_MIRTA_POLL = { peers: '100ms', channels: '50ms', blfs: '100ms', flows: '200ms', agents: '200ms', queues: '200ms', extensions: '1s' };
const FAST_LIMITS = { concurrency: 4, perSecond: 200 };
/** Long enough for several 50 ms polls, had any source kept polling. */
const QUIET_WINDOW_MS = 600;

const bridgeEvents = (client: BridgeClient): BridgeEvent[] => client.events.filter((e): e is BridgeEvent => 'seq' in e);
const sourceEvents = (client: BridgeClient, source: string): BridgeEvent[] =>
  bridgeEvents(client).filter((e) => e.topic === 'sources' && e.key === source);

/** Waits until the request log stops growing, then proves it stays put for a while. */
async function expectPollingStopped(count: () => number): Promise<void> {
  // A request the old source sent just before it stopped may still be logged once: wait for
  // two samples in a row to agree (a source still polling every 50 ms never lets them).
  let settled = count();
  await waitFor(
    async () => {
      await sleep(250);
      const now = count();
      const same = now === settled;
      settled = now;
      return same;
    },
    { timeout: 5_000, message: 'requests kept arriving at the simulator' },
  );
  await sleep(QUIET_WINDOW_MS);
  expect(count()).toBe(settled);
}

describe('profiles running against the simulators', () => {
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function mirtaSetup(): Promise<{ t: ProfileBridge; fileSim: MirtaSimulator; sim: MirtaSimulator; client: BridgeClient }> {
    const fileSim = await startMirtaSimulator();
    closers.push(() => fileSim.close());
    const sim = await startMirtaSimulator();
    closers.push(() => sim.close());
    const t = await startProfileBridge({
      sources: [
        { id: 'file-mirta', vendor: 'mirta', url: fileSim.url, key: fileSim.keys.admin, admin: true, tenants: { globex: 'GLOBEX' }, poll: FAST_MIRTA_POLL, limits: FAST_LIMITS },
      ],
    });
    closers.push(() => t.close());
    const client = await connectClient(t.url, TOKENS.admin);
    closers.push(() => client.close());
    for (const tenant of ['acme', 'globex']) {
      const ack = await client.call<SubscribeOk>('subscribe', { tenant, topics: ['peers', 'channels', 'sources'] });
      expect(ack.ok).toBe(true);
    }
    return { t, fileSim, sim, client };
  }

  it('MiRTA: enable -> events at a client; new credentials reconnect; disable and delete stop polling with source.down', async () => {
    const { t, fileSim, sim, client } = await mirtaSetup();
    const created = await t.api('POST', '/v1/tenants/acme/pbxs', {
      token: TOKENS.profiles,
      body: {
        _type: 'MirtaPbxConnectionProfile',
        id: 'acme-mirta',
        name: 'Acme MiRTA',
        url: sim.url,
        key: sim.keys.tenants.DEMO?.rw,
        tenants: { acme: 'DEMO' },
        poll: FAST_MIRTA_POLL,
        limits: FAST_LIMITS,
        health: { downAfter: 2 },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(dataOf(created)).toMatchObject({ enabled: false, sourceStatus: 'stopped' });
    await sleep(200);
    expect(sim.requests.count(), 'a disabled profile does not poll').toBe(0);

    // Enable: polling starts without a restart, and the PBX's state reaches the client.
    const enabled = await t.api('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { token: TOKENS.profiles, body: { enabled: true } });
    expect(enabled.status, enabled.text).toBe(200);
    expect(dataOf(enabled).enabled).toBe(true);
    await waitFor(() => sourceEvents(client, 'acme-mirta').some((e) => e.type === 'source.up' && e.tenant === 'acme'), { timeout: 10_000, message: 'no source.up' });
    await waitFor(() => bridgeEvents(client).some((e) => e.type === 'peer.registered' && e.source === 'acme-mirta' && e.key === '101-DEMO'), {
      timeout: 10_000,
      message: 'no peers from the profile',
    });
    const call = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    await waitFor(() => bridgeEvents(client).some((e) => e.type === 'channel.created' && e.key === call.aLeg && e.source === 'acme-mirta'), {
      timeout: 10_000,
      message: 'no channel.created from the profile',
    });
    expect(bridgeEvents(client).filter((e) => e.source === 'acme-mirta').every((e) => e.tenant === 'acme')).toBe(true);
    expect(dataOf(await t.api('GET', '/v1/tenants/acme/pbxs/acme-mirta')).sourceStatus).toBe('up');

    // Wrong credentials: the source reconnects with them and goes down; the right ones bring it back up.
    const downBefore = sourceEvents(client, 'acme-mirta').filter((e) => e.type === 'source.down').length;
    const wrong = await t.api('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { body: { key: 'a-wrong-mirta-key-000000' } });
    expect(wrong.status, wrong.text).toBe(200);
    await waitFor(() => sourceEvents(client, 'acme-mirta').filter((e) => e.type === 'source.down').length > downBefore, {
      timeout: 10_000,
      message: 'wrong credentials did not take the source down',
    });
    const mark = sim.requests.count();
    const right = await t.api('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { body: { key: sim.keys.admin, admin: true } });
    expect(right.status, right.text).toBe(200);
    const upEvents = () => sourceEvents(client, 'acme-mirta').filter((e) => e.type === 'source.up').length;
    const upBefore = upEvents();
    await waitFor(() => upEvents() > upBefore, { timeout: 10_000, message: 'no source.up after new credentials' });
    await waitFor(() => sim.requests.entries.slice(mark).filter((r) => r.query.key === sim.keys.admin).length >= 10, { timeout: 10_000 });
    expect(sim.requests.entries.slice(-5).every((r) => r.query.key === sim.keys.admin)).toBe(true);

    // Disable: source.down for the tenant, and no more requests at the PBX.
    const disabled = await t.api('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { body: { enabled: false } });
    expect(dataOf(disabled)).toMatchObject({ enabled: false, sourceStatus: 'stopped' });
    await waitFor(() => sourceEvents(client, 'acme-mirta').some((e) => e.type === 'source.down' && e.data.lastError === 'source disabled'));
    await expectPollingStopped(() => sim.requests.count());
    expect(t.bridge.sources.get('acme-mirta')).toBeUndefined();
    // Its commands are refused as for any unknown source.
    const ack = await client.call<{ ok: boolean; error?: { code: string } }>('command', {
      id: 'after-disable-1',
      tenant: 'acme',
      type: 'hangup',
      source: 'acme-mirta',
      args: { channel: call.aLeg },
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // Enable again, then delete: source.down once more, polling stops, the profile is gone.
    await t.api('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { body: { enabled: true } });
    await waitFor(() => t.bridge.sources.get('acme-mirta')?.status === 'up', { timeout: 10_000 });
    const deleted = await t.api('DELETE', '/v1/tenants/acme/pbxs/acme-mirta');
    expect(deleted.status).toBe(200);
    await waitFor(() => sourceEvents(client, 'acme-mirta').some((e) => e.type === 'source.down' && e.data.lastError === 'source removed'));
    await expectPollingStopped(() => sim.requests.count());

    // The file source kept polling throughout and never went down.
    const fileCount = fileSim.requests.count();
    await waitFor(() => fileSim.requests.count() > fileCount + 5);
    expect(t.bridge.sourceManager.get('file-mirta')?.status).toBe('up');
    expect(sourceEvents(client, 'file-mirta').filter((e) => e.type !== 'source.up')).toEqual([]);
  }, 60_000);

  it('Kazoo: an enabled profile connects its websocket and its calls reach the client', async () => {
    const kazoo: KazooSimulator = await startKazooSimulator();
    closers.push(() => kazoo.close());
    const t = await startProfileBridge();
    closers.push(() => t.close());
    const client = await connectClient(t.url, TOKENS.admin);
    closers.push(() => client.close());
    await client.call('subscribe', { tenant: 'acme', topics: ['channels', 'sources'] });

    const created = await t.api('POST', '/v1/tenants/acme/pbxs', {
      body: {
        _type: 'KazooPbxConnectionProfile',
        name: 'Acme Kazoo',
        rest: kazoo.restUrl,
        websocket: kazoo.websocketUrl,
        accountId: kazoo.accountId,
        apiKey: kazoo.apiKey,
        enabled: true,
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = String(dataOf(created).id);
    expect(dataOf(created).enabled).toBe(true);
    await waitFor(() => t.bridge.sources.get(id)?.status === 'up', { timeout: 10_000, message: 'kazoo profile not up' });
    kazoo.model.startCall({ from: kazoo.deviceIds[0] ?? '', to: '33170200258' });
    await waitFor(() => bridgeEvents(client).some((e) => e.type === 'channel.created' && e.source === id && e.tenant === 'acme'), {
      timeout: 10_000,
      message: 'no kazoo channel.created',
    });

    const deleted = await t.api('DELETE', `/v1/tenants/acme/pbxs/${id}`);
    expect(deleted.status).toBe(200);
    await waitFor(() => sourceEvents(client, id).some((e) => e.type === 'source.down'));
    await expectPollingStopped(() => kazoo.requests.length + kazoo.wsMessages.length);
  }, 30_000);

  it('XiVO and WebAppel: enabled profiles come up; deleting them stops them', async () => {
    const xivo: XivoSimulator = await startXivoSimulator();
    closers.push(() => xivo.close());
    const webappel: WebAppelSimulator = await startWebAppelSimulator();
    closers.push(() => webappel.close());
    const t = await startProfileBridge();
    closers.push(() => t.close());
    const events = collectEvents(t.bridge.bus);
    closers.push(() => events.stop());

    const bodies = [
      { _type: 'XivoConnectionProfile', id: 'acme-xivo', url: xivo.url, username: xivo.username, password: xivo.password, enabled: true },
      { _type: 'WebAppelConnectionProfile', id: 'acme-webappel', url: webappel.url, email: webappel.email, pass: webappel.pass, popups: webappel.popups, enabled: true },
    ];
    for (const body of bodies) {
      const created = await t.api('POST', '/v1/tenants/acme/pbxs', { body });
      expect(created.status, created.text).toBe(201);
    }
    for (const id of ['acme-xivo', 'acme-webappel']) {
      await events.next((e) => e.type === 'source.up' && e.key === id && e.tenant === 'acme', { timeout: 10_000, message: `${id} not up` });
    }
    const list = (await t.api('GET', '/v1/tenants/acme/pbxs')).body.data as Array<{ id: string; sourceStatus: string }>;
    expect(list.map((p) => [p.id, p.sourceStatus]).sort()).toEqual([
      ['acme-webappel', 'up'],
      ['acme-xivo', 'up'],
    ]);
    for (const id of ['acme-xivo', 'acme-webappel']) {
      expect((await t.api('DELETE', `/v1/tenants/acme/pbxs/${id}`)).status).toBe(200);
      await events.next((e) => e.type === 'source.down' && e.key === id, { message: `${id} not down` });
    }
    await expectPollingStopped(() => xivo.requests.length + webappel.requests.count());
  }, 30_000);

  const newVendors = availableProfileTypes().includes('ThreeCxConnectionProfile') && availableProfileTypes().includes('PbxwareConnectionProfile');
  it.runIf(newVendors)('3CX and PBXware: enabled profiles come up (PBXware keeps its cursor in the dataDir); deleting them stops them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'callbridge-profiles-'));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));
    const threecx = await startThreeCxSimulator();
    closers.push(() => threecx.close());
    const pbxware = await startPbxwareSimulator();
    closers.push(() => pbxware.close());
    const t = await startProfileBridge({ dataDir });
    closers.push(() => t.close());
    const events = collectEvents(t.bridge.bus);
    closers.push(() => events.stop());

    const bodies = [
      { _type: 'ThreeCxConnectionProfile', id: 'acme-3cx', url: threecx.url, clientId: threecx.clientId, clientSecret: threecx.clientSecret, enabled: true },
      { _type: 'PbxwareConnectionProfile', id: 'acme-pbxware', url: pbxware.url, apiKey: pbxware.apiKey, tenants: { acme: '2' }, poll: { cdr: '200ms' }, enabled: true },
    ];
    for (const body of bodies) {
      const created = await t.api('POST', '/v1/tenants/acme/pbxs', { body });
      expect(created.status, created.text).toBe(201);
    }
    for (const id of ['acme-3cx', 'acme-pbxware']) {
      await events.next((e) => e.type === 'source.up' && e.key === id && e.tenant === 'acme', { timeout: 15_000, message: `${id} not up` });
    }
    await waitFor(async () => (await readdir(dataDir)).some((name) => name.startsWith('pbxware-acme-pbxware')), {
      timeout: 10_000,
      message: 'no PBXware cursor in the dataDir',
    });
    for (const id of ['acme-3cx', 'acme-pbxware']) {
      expect((await t.api('DELETE', `/v1/tenants/acme/pbxs/${id}`)).status).toBe(200);
      await events.next((e) => e.type === 'source.down' && e.key === id, { message: `${id} not down` });
    }
    await expectPollingStopped(() => threecx.requests.length + pbxware.requests.count());
  }, 40_000);
});
