/**
 * The happy path against the real simulator: the snapshot gives the DNs and devices as peers,
 * each notification is followed by a GET of its entity, and participants become channel events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { SOURCE_ID, TENANT, startHarness, typesOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('3cx source: connection and snapshot', () => {
  it('gets a token, opens the websocket with the bearer header, reads GET /callcontrol and comes up', async () => {
    h = await startHarness();
    await h.ready();
    const log = h.sim.requests.entries;
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: '/connect/token',
      body: { client_id: h.sim.clientId, client_secret: h.sim.clientSecret, grant_type: 'client_credentials' },
      status: 200,
    });
    expect(log.find((r) => r.path === '/callcontrol/ws')).toMatchObject({ hadToken: true, status: 101 });
    expect(h.sim.requests.filter('GET', '/callcontrol')).toEqual([expect.objectContaining({ hadToken: true, status: 200 })]);
    expect(h.source.logins).toBe(1);
    expect(h.source.status).toBe('up');
    expect(h.source.ignoredMessages).toEqual({});
  });

  it('publishes every DN and every device as a peer', async () => {
    h = await startHarness();
    await h.ready();
    const peers = await h.peers();
    expect([...peers.keys()].filter((key) => !key.includes('/')).sort()).toEqual(['100', '101', '102', '103', '104', '800']);
    expect(peers.get('101')).toMatchObject({ name: '101', status: 'registered', kind: 'dn', dnType: 'Wextension', devices: 2, source: SOURCE_ID });
    expect(peers.get('104')).toMatchObject({ status: 'unregistered', devices: 0 });
    // A route point needs no phone: without a device its registration is unknown, not "down".
    expect(peers.get('800')).toMatchObject({ status: 'unknown', dnType: 'Wroutepoint', devices: 0 });
    expect(peers.get('100/sip:100@192.0.2.10:5062')).toMatchObject({
      name: '100/sip:100@192.0.2.10:5062',
      status: 'registered',
      kind: 'device',
      dn: '100',
      deviceId: 'sip:100@192.0.2.10:5062',
      userAgent: 'Yealink SIP-T54W 96.86.0.70',
    });
    expect(peers.size).toBe(6 + 5);
    const registered = h.events.events.filter((e) => e.type === 'peer.registered').map((e) => e.key);
    expect(registered).toContain('100');
    expect(h.events.events.filter((e) => e.type === 'peer.unregistered').map((e) => e.key)).toEqual(['104']);
  });

  it('a call already up before the start appears once, from the snapshot', async () => {
    h = await startHarness({ start: false });
    const made = h.sim.model.makeCall({ from: '100', to: '101' });
    if (!made.ok) throw new Error('makeCall failed');
    h.sim.model.answerCall(made.participant.callid);
    await h.source.start();
    await h.ready();
    const channels = await h.channels();
    const [out, ringing] = h.sim.model.callParticipants(made.participant.callid);
    const outKey = `${out!.dn}/${out!.id}`;
    const inKey = `${ringing!.dn}/${ringing!.id}`;
    expect(channels.get(outKey)).toMatchObject({ channel: outKey, state: 'up', peer: '100', partyNumber: '101', partyName: 'Bruno Petit', linkedKey: inKey });
    expect(channels.get(inKey)).toMatchObject({ state: 'up', peer: '101', linkedKey: outKey });
    expect(typesOf(h.events.events, outKey)).toEqual(['channel.created']);
  });
});

describe('3cx source: notifications -> channel events', () => {
  it('an outside call ringing an extension: created ringing, answered, hung up', async () => {
    h = await startHarness();
    await h.ready();
    const mark = h.sim.requests.length;
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '102', name: 'ACME Corp' });
    const key = `102/${participant!.id}`;
    const created = await h.events.next((e) => e.type === 'channel.created' && e.key === key);
    expect(created).toMatchObject({ tenant: TENANT, source: SOURCE_ID, topic: 'channels' });
    expect(created.data).toMatchObject({
      channel: key,
      state: 'ringing',
      direction: 'inbound',
      callerNumber: '33170200258',
      callerName: 'ACME Corp',
      calleeNumber: '102',
      peer: '102',
      vendorStatus: 'Ringing',
      callId: String(participant!.callid),
    });
    expect(Date.parse(String(created.data.startedAt))).toBeGreaterThan(Date.now() - 10_000);
    // The notification only names the entity: the source read it.
    expect(h.sim.requests.since(mark).map((r) => `${r.method} ${r.path}`)).toContain(`GET /callcontrol/102/participants/${participant!.id}`);

    h.sim.model.answerCall(participant!.callid);
    const answered = await h.events.next((e) => e.type === 'channel.updated' && e.key === key);
    expect(answered.changed).toEqual(expect.arrayContaining(['state', 'answeredAt', 'vendorStatus']));
    expect(answered.data).toMatchObject({ state: 'up', direction: 'inbound', startedAt: created.data.startedAt });

    h.sim.model.drop('102', participant!.id);
    const gone = await h.events.next((e) => e.type === 'channel.hungup' && e.key === key);
    expect(gone.removed).toBe(true);
    expect(gone.data).toMatchObject({ state: 'up', callerNumber: '33170200258' });
    expect(typesOf(h.events.events, key)).toEqual(['channel.created', 'channel.updated', 'channel.hungup']);
    expect((await h.channels()).size).toBe(0);
  });

  it('an internal call: two linked channels, dialing and ringing, then both up', async () => {
    h = await startHarness();
    await h.ready();
    const made = h.sim.model.makeCall({ from: '103', to: '100' });
    if (!made.ok) throw new Error('makeCall failed');
    const a = made.participant;
    const b = h.sim.model.callParticipants(a.callid).find((p) => p.dn === '100');
    const aKey = `${a!.dn}/${a!.id}`;
    const bKey = `${b!.dn}/${b!.id}`;
    await waitFor(async () => (await h!.channels()).get(aKey)?.linkedKey === bKey && (await h!.channels()).get(bKey)?.linkedKey === aKey);
    const channels = await h.channels();
    expect(channels.get(aKey)).toMatchObject({ state: 'dialing', direction: 'outbound', callerNumber: '103', calleeNumber: '100', calleeName: 'Alice Martin' });
    expect(channels.get(bKey)).toMatchObject({ state: 'ringing', direction: 'inbound', callerNumber: '103', callerName: 'David Leroy', calleeNumber: '100' });
    h.sim.model.answerCall(made.participant.callid);
    await waitFor(async () => [...(await h!.channels()).values()].every((c) => c.state === 'up'));
    h.sim.model.drop(a!.dn, a!.id);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === bKey);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === aKey);
    for (const key of [aKey, bKey]) expect(typesOf(h.events.events, key).filter((t) => t === 'channel.created')).toHaveLength(1);
  });

  it('devices registering and unregistering move the DN and device peers', async () => {
    h = await startHarness();
    await h.ready();
    h.sim.model.registerDevice('104', 'sip:104@192.0.2.14:5062', 'Grandstream GRP2614');
    const up = await h.events.next((e) => e.type === 'peer.registered' && e.key === '104');
    expect(up.data).toMatchObject({ status: 'registered', devices: 1 });
    await h.events.next((e) => e.type === 'peer.registered' && e.key === '104/sip:104@192.0.2.14:5062');
    h.sim.model.unregisterDevice('104', 'sip:104@192.0.2.14:5062');
    await h.events.next((e) => e.type === 'peer.removed' && e.key === '104/sip:104@192.0.2.14:5062');
    const down = await h.events.next((e) => e.type === 'peer.unregistered' && e.key === '104' && e.seq > up.seq);
    expect(down.data).toMatchObject({ devices: 0 });
    // A device notification is read through the DN's device list (the documented path).
    expect(h.sim.requests.count('GET', '/callcontrol/104/devices')).toBe(2);
    expect(h.sim.requests.count('GET', /\/devices\/./)).toBe(0);
  });
});
