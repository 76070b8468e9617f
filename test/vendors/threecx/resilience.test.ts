/**
 * The token and the socket under stress: tokens expiring mid-stream, a socket killed while calls
 * begin, change and end, a connection that goes silent, entity reads and snapshots that fail.
 * Each time: no lost change, no duplicate, no false removal, health that follows the socket.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../support/wait-for.js';
import { startHarness, typesOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Waits until the bus holds exactly the simulator's live participants. */
async function converged(harness: Harness, timeout = 10_000): Promise<void> {
  await waitFor(
    async () => {
      await harness.source.settled();
      const keys = new Set((await harness.channels()).keys());
      const live = harness.liveKeys();
      return keys.size === live.size && [...live].every((key) => keys.has(key));
    },
    { timeout, message: 'bus never matched the simulator' },
  );
}

describe('3cx source: token expiry', () => {
  it('gets a new token before the old one expires and reopens the socket with it, staying up', async () => {
    // Tokens live 3 s (`expires_in: 3`); the margin makes the client renew at half-life.
    h = await startHarness({ sim: { tokenTtlMs: 3_000 }, config: { tokenRefreshMargin: '2s' } });
    await h.ready();
    const mark = h.events.mark();
    const model = h.sim.model;
    const created: string[] = [];
    const removed: string[] = [];
    const until = Date.now() + 4_000;
    for (let i = 0; Date.now() < until; i++) {
      const participant = model.incomingCall({ from: `3314000${String(i).padStart(4, '0')}`, to: ['100', '101', '102', '103'][i % 4] as string });
      if (participant) created.push(`${participant.dn}/${participant.id}`);
      if (participant && i % 2 === 0) model.answerCall(participant.callid);
      await sleep(100);
      if (participant && i % 3 !== 0) {
        model.drop(participant.dn, participant.id);
        removed.push(`${participant.dn}/${participant.id}`);
      }
    }
    await converged(h);
    expect(h.source.logins).toBeGreaterThanOrEqual(3);
    expect(h.sim.requests.filter('GET', '/callcontrol/ws').filter((r) => r.status === 101).length).toBeGreaterThanOrEqual(3);
    // Renewed in time: 3CX never had to close a socket or refuse a request for an expired token.
    expect(h.events.since(mark).filter((e) => e.topic === 'sources')).toEqual([]);
    expect(h.sim.requests.entries.filter((r) => r.status === 401)).toEqual([]);
    // A call that ended before its GET was answered is never seen (3CX sends paths, not state),
    // so short calls may be missing; none is announced or ended twice, and none ends unannounced.
    const seen = created.filter((key) => typesOf(h!.events.events, key).length > 0);
    expect(seen.length).toBeGreaterThan(created.length / 2);
    for (const key of created) {
      const types = typesOf(h.events.events, key);
      expect(types.filter((t) => t === 'channel.created').length).toBeLessThanOrEqual(1);
      expect(types.filter((t) => t === 'channel.hungup').length).toBeLessThanOrEqual(types.filter((t) => t === 'channel.created').length);
    }
    for (const key of h.liveKeys()) expect(typesOf(h.events.events, key)[0]).toBe('channel.created');
    for (const key of removed) expect((await h.channels()).has(key)).toBe(false);
  });

  it('a token 3CX stops accepting early is dropped, a new one fetched and the read retried once', async () => {
    h = await startHarness();
    await h.ready();
    h.sim.tokens.revokeAll(); // e.g. the API key was regenerated; the open socket stays
    const mark = h.sim.requests.length;
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '100' });
    const key = `100/${participant!.id}`;
    await h.events.next((e) => e.type === 'channel.created' && e.key === key);
    expect(h.sim.requests.since(mark).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `GET /callcontrol/100/participants/${participant!.id} 401`,
      'POST /connect/token 200',
      `GET /callcontrol/100/participants/${participant!.id} 200`,
    ]);
    expect(h.source.logins).toBe(2);
  });

  it('a socket 3CX closes for its expired token comes back with a fresh one and a resync', async () => {
    // A margin of 0 renews exactly at expiry: 3CX closes the socket first.
    h = await startHarness({ sim: { tokenTtlMs: 1_000 }, config: { tokenRefreshMargin: '0s', reconnect: { initialDelay: '20ms', maxDelay: '50ms' } } });
    await h.ready();
    await waitFor(() => h!.sim.requests.filter('GET', '/callcontrol').length >= 3, { timeout: 10_000 });
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '101' });
    await h.events.next((e) => e.type === 'channel.created' && e.key === `101/${participant!.id}`, { timeout: 10_000 });
    await converged(h);
  });
});

describe('3cx source: websocket killed', () => {
  it('resyncs after the reconnect: what changed while down appears once, nothing still there is removed', async () => {
    h = await startHarness({ config: { reconnect: { initialDelay: '150ms', maxDelay: '300ms' } } });
    await h.ready();
    const model = h.sim.model;
    const stays = model.incomingCall({ from: '33100000001', to: '100' })!;
    model.answerCall(stays.callid);
    const ends = model.incomingCall({ from: '33100000002', to: '101' })!;
    const answersLater = model.incomingCall({ from: '33100000003', to: '102' })!;
    const keys = { stays: `100/${stays.id}`, ends: `101/${ends.id}`, answersLater: `102/${answersLater.id}` };
    await waitFor(async () => (await h!.channels()).get(keys.stays)?.state === 'up' && (await h!.channels()).size === 3);
    const mark = h.events.mark();

    h.sim.dropSockets();
    // Nobody listens: 3CX replays nothing.
    model.drop('101', ends.id);
    model.answerCall(answersLater.callid);
    const began = model.incomingCall({ from: '33100000004', to: '103' })!;
    const beganKey = `103/${began.id}`;

    await h.events.next((e) => e.type === 'source.degraded', { from: mark });
    await h.events.next((e) => e.type === 'source.up', { from: mark });
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === keys.ends, { from: mark });
    await h.events.next((e) => e.type === 'channel.created' && e.key === beganKey, { from: mark });
    const answered = await h.events.next((e) => e.type === 'channel.updated' && e.key === keys.answersLater, { from: mark });
    expect(answered.data.state).toBe('up');
    await converged(h);
    await sleep(100);
    expect(typesOf(h.events.since(mark), keys.stays)).toEqual([]);
    expect(typesOf(h.events.events, keys.ends)).toEqual(['channel.created', 'channel.hungup']);
    expect(typesOf(h.events.events, beganKey)).toEqual(['channel.created']);
    expect(h.sim.requests.filter('GET', '/callcontrol').length).toBeGreaterThanOrEqual(2);

    // Notifications flow again on the new socket.
    model.drop('103', began.id);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === beganKey);
  });

  it('a silently dropped connection is caught by the pings: degraded, then up again with the missed call', async () => {
    h = await startHarness({
      config: { health: { downAfter: 2 }, liveness: { pingInterval: '100ms', pongTimeout: '500ms' }, reconnect: { initialDelay: '20ms', maxDelay: '60ms' } },
    });
    await h.ready();
    const mark = h.events.mark();
    h.sim.setSilent(true); // socket open, nothing pushed, pings unanswered
    const missed = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    const degraded = await h.events.next((e) => e.type === 'source.degraded', { from: mark, timeout: 10_000 });
    expect(degraded.data.lastError).toBe('3CX websocket stopped answering pings');
    const down = await h.events.next((e) => e.type === 'source.down', { from: mark, timeout: 10_000 });
    h.sim.setSilent(false);
    await h.events.next((e) => e.type === 'source.up' && e.seq > down.seq, { timeout: 10_000 });
    await h.events.next((e) => e.type === 'channel.created' && e.key === `100/${missed.id}`, { from: mark });
  });

  it('a token endpoint refusing the credentials takes the source down; it comes back when 3CX does', async () => {
    // Failures in a row: the cut, the upgrade refused for the revoked token, the token refused.
    h = await startHarness({ config: { health: { downAfter: 3 }, reconnect: { initialDelay: '20ms', maxDelay: '60ms' } } });
    await h.ready();
    const mark = h.events.mark();
    h.sim.setTokenStatus(400);
    h.sim.tokens.revokeAll();
    h.sim.dropSockets();
    const down = await h.events.next((e) => e.type === 'source.down', { from: mark, timeout: 10_000 });
    expect(down.data.lastError).toBe('3CX refused the client credentials (HTTP 400)');
    h.sim.setTokenStatus(undefined);
    await h.events.next((e) => e.type === 'source.up' && e.seq > down.seq, { timeout: 10_000 });
    // No entity was touched while the source was failing.
    expect(h.events.since(mark).filter((e) => e.topic !== 'sources')).toEqual([]);
  });
});

describe('3cx source: failed reads', () => {
  it('an entity GET that fails (5xx) leads to a resync, so the change is not lost', async () => {
    h = await startHarness();
    await h.ready();
    h.sim.failNext(503, { path: /\/participants\/\d+$/ });
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    const key = `100/${participant.id}`;
    await h.events.next((e) => e.type === 'channel.created' && e.key === key);
    expect(h.sim.requests.filter('GET', '/callcontrol').length).toBeGreaterThanOrEqual(2);
    await waitFor(() => h!.source.status === 'up');
    expect(typesOf(h.events.events, key)).toEqual(['channel.created']);
  });

  it('a snapshot that does not parse changes nothing (no false hangup) and is retried', async () => {
    h = await startHarness({ config: { health: { downAfter: 5 } } });
    await h.ready();
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    const key = `100/${participant.id}`;
    await h.events.next((e) => e.type === 'channel.created' && e.key === key);
    const mark = h.events.mark();
    // A participant without its id: the whole snapshot is refused, not read as "no call".
    h.sim.failNext(200, { path: /^\/callcontrol$/, body: JSON.stringify([{ dn: '100', type: 'Wextension', devices: [], participants: [{ status: 'Connected' }] }]) });
    h.sim.dropSockets();
    const degraded = await h.events.next((e) => e.type === 'source.degraded', { from: mark });
    await h.events.next((e) => e.type === 'source.up' && e.seq > degraded.seq);
    await waitFor(() => h!.sim.requests.filter('GET', '/callcontrol').filter((r) => r.status === 200).length >= 3);
    await converged(h);
    expect(h.events.since(mark).filter((e) => e.topic !== 'sources')).toEqual([]);
  });

  it('a participant gone before its GET (404) is a removal, not an error', async () => {
    h = await startHarness();
    await h.ready();
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    h.sim.model.drop('100', participant.id); // Upsert then Remove, the GET meets a 404
    await h.source.settled();
    await sleep(50);
    await h.source.settled();
    expect(typesOf(h.events.events, `100/${participant.id}`).filter((t) => t === 'channel.created').length).toBeLessThanOrEqual(1);
    expect((await h.channels()).size).toBe(0);
    expect(h.source.status).toBe('up');
  });
});

describe('3cx source: periodic snapshot', () => {
  it('repairs a notification lost while connected, without touching what did not change', async () => {
    h = await startHarness({ config: { poll: { snapshot: '300ms' } } });
    await h.ready();
    const stays = h.sim.model.incomingCall({ from: '33100000001', to: '101' })!;
    await h.events.next((e) => e.type === 'channel.created' && e.key === `101/${stays.id}`);
    const mark = h.events.mark();
    const snapshots = h.sim.requests.count('GET', '/callcontrol');
    h.sim.ws.loseNotifications(1);
    const lost = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    await h.events.next((e) => e.type === 'channel.created' && e.key === `100/${lost.id}`, { from: mark });
    expect(h.sim.requests.count('GET', '/callcontrol')).toBeGreaterThan(snapshots);
    // Nothing read by an entity GET: the snapshot found it.
    expect(h.sim.requests.count('GET', `/callcontrol/100/participants/${lost.id}`)).toBe(0);
    await waitFor(() => h!.sim.requests.count('GET', '/callcontrol') >= snapshots + 3);
    await h.source.settled();
    expect(h.events.since(mark).map((e) => `${e.type} ${e.key}`)).toEqual([`channel.created 100/${lost.id}`]);
  });
});

describe('3cx source: hostile frames', () => {
  it('ignores and counts garbage, unknown events and entities, and keeps going', async () => {
    h = await startHarness();
    await h.ready();
    const mark = h.events.mark();
    const ws = h.sim.ws;
    ws.sendRaw('not json');
    ws.sendRaw('[1,2,3]');
    ws.sendRaw('{"sequence":1}');
    ws.sendRaw(JSON.stringify({ sequence: 2, event: { event_type: 0 } }));
    ws.sendRaw(JSON.stringify({ sequence: 3, event: { event_type: 2, entity: '/callcontrol/800/participants/5', attached_data: '1#' } }));
    ws.sendRaw(JSON.stringify({ sequence: 4, event: { event_type: 9, entity: '/callcontrol/100' } }));
    ws.sendRaw(JSON.stringify({ sequence: 5, event: { event_type: 0, entity: '/somewhere/else' } }));
    ws.sendRaw(JSON.stringify({ sequence: 6, event: { event_type: 0, entity: '/callcontrol/100/participants/not-a-number' } }));
    ws.sendRaw(JSON.stringify({ RequestID: 'x', Path: '/callcontrol', StatusCode: 200, Response: [] }));
    const participant = h.sim.model.incomingCall({ from: '33170200258', to: '100' })!;
    await h.events.next((e) => e.type === 'channel.created' && e.key === `100/${participant.id}`, { from: mark });
    expect(h.source.ignoredMessages).toEqual({ garbage: 4, unused_event: 1, unknown_event: 1, unknown_entity: 2, response: 1 });
    const metrics = await h.metrics.text();
    expect(metrics).toMatch(/callbridge_vendor_messages_ignored_total\{source="threecx-test",reason="garbage"\} 4/);
    expect(h.events.since(mark).filter((e) => e.topic !== 'channels')).toEqual([]);
    expect(h.source.status).toBe('up');
  });
});
