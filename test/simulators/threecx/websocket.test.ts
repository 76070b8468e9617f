/** The simulated `/callcontrol/ws`: bearer upgrade, numbered entity notifications, expiry, silence, faults. */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startThreeCxSimulator, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../../src/simulators/threecx/index.js';
import { sleep, waitFor } from '../../support/wait-for.js';

let sim: ThreeCxSimulator | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await sim?.close();
  sim = undefined;
});

interface Frame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

async function start(options: ThreeCxSimulatorOptions = {}): Promise<string> {
  sim = await startThreeCxSimulator(options);
  const response = await fetch(`${sim.url}/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

interface Opened {
  ws: WebSocket;
  /** Every text frame, as received. */
  raw: string[];
  /** The frames parsed as notifications. */
  frames: () => Frame[];
}

/** Opens the socket; resolves with it and what it receives, or rejects with the upgrade error. */
function open(token: string | undefined, path = '/callcontrol/ws'): Promise<Opened> {
  const ws = new WebSocket(`${sim!.url.replace('http', 'ws')}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  sockets.push(ws);
  const raw: string[] = [];
  ws.on('message', (data) => raw.push(data.toString()));
  const frames = () => raw.map((text) => JSON.parse(text) as Frame);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, raw, frames }));
    ws.on('error', reject);
  });
}

describe('3cx simulator: websocket', () => {
  it('refuses an upgrade without a valid bearer (401) or on another path (404)', async () => {
    await start();
    await expect(open(undefined)).rejects.toThrow(/Unexpected server response: 401/);
    await expect(open('made-up-token')).rejects.toThrow(/401/);
    await expect(open('made-up-token', '/callcontrol/other')).rejects.toThrow(/404/);
    expect(sim!.requests.filter('GET', '/callcontrol/ws').map((r) => [r.hadToken, r.status])).toEqual([
      [false, 401],
      [true, 401],
    ]);
  });

  it('pushes Upsert / Remove of entity paths with a growing sequence, nothing else', async () => {
    const token = await start({ answerMs: -1 });
    const { frames } = await open(token);
    const made = sim!.model.makeCall({ from: '102', to: '103' });
    if (!made.ok) throw new Error('makeCall failed');
    const ringing = sim!.model.callParticipants(made.participant.callid).find((p) => p.dn === '103')!;
    sim!.model.answerCall(made.participant.callid);
    sim!.model.drop('102', made.participant.id);
    sim!.model.unregisterDevice('101', 'sip:101@198.51.100.7:49152');
    await waitFor(() => frames().length === 7);
    const a = `/callcontrol/102/participants/${made.participant.id}`;
    const b = `/callcontrol/103/participants/${ringing.id}`;
    expect(frames().map((f) => [f.sequence, f.event.event_type, f.event.entity])).toEqual([
      [1, 0, a],
      [2, 0, b],
      [3, 0, a],
      [4, 0, b],
      [5, 1, a],
      [6, 1, b],
      [7, 1, '/callcontrol/101/devices/sip%3A101%40198.51.100.7%3A49152'],
    ]);
    expect(frames().every((f) => f.event.attached_data === null)).toBe(true);
  });

  it('loses notifications on demand, leaving a gap in the sequence', async () => {
    const token = await start();
    const { frames } = await open(token);
    sim!.ws.loseNotifications(1);
    const lost = sim!.model.incomingCall({ from: '33170200258', to: '100' })!;
    const kept = sim!.model.incomingCall({ from: '33170200259', to: '101' })!;
    await waitFor(() => frames().length === 1);
    expect(frames().map((f) => [f.sequence, f.event.entity])).toEqual([[2, `/callcontrol/101/participants/${kept.id}`]]);
    expect(lost.id).toBeLessThan(kept.id);
  });

  it('closes a session when its token expires', async () => {
    const token = await start({ tokenTtlMs: 200 });
    const { ws } = await open(token);
    const code = await new Promise<number>((resolve) => ws.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(1008);
  });

  it('answers pings unless silent; silent also withholds notifications', async () => {
    const token = await start();
    const { ws, raw } = await open(token);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.ping();
    await waitFor(() => pongs === 1);
    sim!.setSilent(true);
    ws.ping();
    sim!.model.incomingCall({ from: '33170200258', to: '100' });
    await sleep(150);
    expect(pongs).toBe(1);
    expect(raw).toEqual([]);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    sim!.setSilent(false);
    ws.ping();
    await waitFor(() => pongs === 2);
  });

  it('dropSockets kills every socket; sendRaw reaches every socket; requests over the socket get a 501', async () => {
    const token = await start();
    const first = await open(token);
    const second = await open(token);
    expect(sim!.ws.sessionCount).toBe(2);
    sim!.ws.sendRaw('garbage');
    await waitFor(() => first.raw.includes('garbage') && second.raw.includes('garbage'));
    first.ws.send(JSON.stringify({ RequestID: 'r1', Path: '/callcontrol', RequestData: {} }));
    await waitFor(() => first.raw.length === 2);
    expect(JSON.parse(first.raw[1] as string)).toEqual({ RequestID: 'r1', Path: '/callcontrol', StatusCode: 501, Response: null });
    const closed = Promise.all([first.ws, second.ws].map((ws) => new Promise((resolve) => ws.once('close', resolve))));
    sim!.dropSockets();
    await closed;
    expect(sim!.ws.sessionCount).toBe(0);
  });
});
