/**
 * The scripted faults the fault suite relies on, seen from the wire: each simulator answers an
 * armed fault as described (status, `Retry-After`, body), answers normally again once it is
 * cleared, and restarts on the same port with its state. Blackhole frame faults duplicate and
 * reverse event frames, never replies.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startKazooSimulator, type KazooSimulator } from '../../src/simulators/kazoo/index.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { startWebAppelSimulator, type WebAppelSimulator } from '../../src/simulators/webappel/index.js';
import { startXivoSimulator, type XivoSimulator } from '../../src/simulators/xivo/index.js';
import { sleep, waitFor } from '../support/wait-for.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Resolves with how a request ended: an answer, or the error code of a refused/broken connection. */
async function outcome(url: string): Promise<string> {
  return get(url).then(
    (answer) => `HTTP ${answer.status}`,
    (err: unknown) => String((err as { code?: unknown }).code ?? 'error'),
  );
}

describe('MiRTA simulator faults', () => {
  let sim: MirtaSimulator;
  const peers = () => `${sim.url}?reqtype=PEERS&format=json&key=${sim.keys.admin}`;

  it('http503 carries Retry-After; a storm lasts until cleared', async () => {
    sim = await startMirtaSimulator();
    closers.push(() => sim.close());
    sim.faults.arm({ kind: 'http503', times: Infinity, retryAfterSec: 2 });
    for (let i = 0; i < 3; i++) {
      const answer = await get(peers());
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('2');
    }
    sim.faults.clear();
    expect((await get(peers())).text.startsWith('[')).toBe(true);
  });

  it('restart: refused while down, then the same port and the same model', async () => {
    sim = await startMirtaSimulator();
    closers.push(() => sim.close());
    const call = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const restarting = sim.restart({ downMs: 300 });
    await sleep(100);
    expect(await outcome(peers())).toBe('ECONNREFUSED');
    await restarting;
    const channels = JSON.parse((await get(`${sim.url}?reqtype=CHANNELS&format=json&key=${sim.keys.admin}`)).text) as { Channel: string }[];
    expect(channels.map((row) => row.Channel)).toContain(call.aLeg);
  });
});

describe('Kazoo simulator faults', () => {
  let sim: KazooSimulator;
  const start = async () => {
    sim = await startKazooSimulator();
    closers.push(() => sim.close());
    const login = await fetch(`${sim.restUrl}/v2/api_auth`, { method: 'PUT', body: JSON.stringify({ data: { api_key: sim.apiKey } }) });
    return String(((await login.json()) as { auth_token: string }).auth_token);
  };

  it('crossbar faults hit the matching paths only, as envelopes, pages or cut bodies', async () => {
    const token = await start();
    const auth = { 'x-auth-token': token };
    const agents = `${sim.restUrl}/v2/accounts/${sim.accountId}/agents`;
    const channels = `${sim.restUrl}/v2/accounts/${sim.accountId}/channels`;
    sim.faults.arm({ kind: 'http429', path: '/agents', retryAfterSec: 3 });
    expect((await get(channels, auth)).status).toBe(200);
    const limited = await get(agents, auth);
    expect(limited).toMatchObject({ status: 429, headers: { 'retry-after': '3' } });
    expect(JSON.parse(limited.text)).toMatchObject({ status: 'error', error: '429' });

    const full = (await get(agents, auth)).text;
    sim.faults.arm({ kind: 'http503' }).arm({ kind: 'auth401' }).arm({ kind: 'garbage' }).arm({ kind: 'truncated' });
    const unavailable = await get(agents, auth);
    expect(unavailable.status).toBe(503);
    expect(unavailable.text).toContain('No server is available');
    expect(JSON.parse((await get(agents, auth)).text)).toMatchObject({ error: '401', message: 'invalid credentials' });
    const garbage = await get(agents, auth);
    expect(garbage.status).toBe(200);
    expect(() => JSON.parse(garbage.text)).toThrow();
    const cut = await get(agents, auth);
    expect(cut.status).toBe(200);
    expect(() => JSON.parse(cut.text)).toThrow();
    expect(cut.text.length).toBeLessThan(full.length);
    expect(sim.faults.pending).toBe(0);
  });

  it('blackhole frame faults duplicate and reverse events, and a restart keeps the port and the calls', async () => {
    const token = await start();
    const open = async () => {
      const ws = new WebSocket(sim.websocketUrl);
      closers.push(() => ws.terminate());
      const frames: Record<string, unknown>[] = [];
      ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Record<string, unknown>));
      ws.on('error', () => undefined);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const requestId = randomUUID();
      ws.send(JSON.stringify({ action: 'subscribe', request_id: requestId, auth_token: token, data: { account_id: sim.accountId, binding: 'call.CHANNEL_CREATE.*' } }));
      await waitFor(() => frames.some((f) => f.request_id === requestId));
      return { ws, frames, events: () => frames.filter((f) => f.action === 'event').map((f) => (f.data as { call_id: string }).call_id) };
    };
    const client = await open();
    const device = sim.deviceIds[0] ?? '';
    sim.blackhole.faults.duplicate = true;
    const first = sim.model.startCall({ from: device, to: '33170200258' });
    await waitFor(() => client.events().length === 4);
    expect(client.events()).toEqual([first.a.uuid, first.a.uuid, first.b.uuid, first.b.uuid]);

    sim.blackhole.faults.clear();
    sim.blackhole.faults.reorder = { window: 4, maxHoldMs: 10_000 };
    const second = sim.model.startCall({ from: device, to: '33170200259' });
    const third = sim.model.startCall({ from: device, to: '33170200260' });
    await waitFor(() => client.events().length === 8);
    expect(client.events().slice(4)).toEqual([third.b.uuid, third.a.uuid, second.b.uuid, second.a.uuid]);
    sim.model.startCall({ from: device, to: '33170200261' });
    await sleep(50);
    expect(client.events()).toHaveLength(8); // held until the window fills or the fault clears
    sim.blackhole.faults.clear();
    await waitFor(() => client.events().length === 10);

    await sim.restart({ downMs: 200, only: 'blackhole' });
    await waitFor(() => client.ws.readyState === WebSocket.CLOSED);
    // The same URL accepts again, and the calls are still there.
    await open();
    const channels = await get(`${sim.restUrl}/v2/accounts/${sim.accountId}/channels`, { 'x-auth-token': token });
    expect(JSON.parse(channels.text).data).toHaveLength(8);
  });
});

describe('WebAppel simulator faults', () => {
  let sim: WebAppelSimulator;
  const listing = () => `${sim.url}?methode=appel_listing&email=${encodeURIComponent(sim.email)}&pass=${sim.pass}&id_popup=77`;

  it('429 with Retry-After, the refused-login text, truncated answers, resets; restart keeps callbacks', async () => {
    sim = await startWebAppelSimulator({ timings: { callingAfterMs: 0, connectedAfterMs: 0, endedAfterMs: 0 } });
    closers.push(() => sim.close());
    await get(`${sim.url}?methode=appel&email=${encodeURIComponent(sim.email)}&pass=${sim.pass}&id_popup=77&e164=33170200258&nbressais=1&rec=0&dureemaxi=60`);
    const full = (await get(listing())).text;
    expect(full).toMatch(/^8;/);
    sim.faults.arm('http429', { methode: 'appel_listing', retryAfterSec: 4 });
    sim.faults.arm('authError', { methode: 'appel_listing' });
    sim.faults.arm('truncated', { methode: 'appel_listing' });
    sim.faults.arm('reset', { methode: 'appel_listing' });
    expect(await get(listing())).toMatchObject({ status: 429, headers: { 'retry-after': '4' } });
    expect((await get(listing())).text).toBe('KO: identifiants incorrects');
    expect((await get(listing())).text).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(await outcome(listing())).toMatch(/SOCKET|ECONNRESET/);
    expect((await get(listing())).text).toBe(full);

    const restarting = sim.restart({ downMs: 200 });
    await sleep(50);
    expect(await outcome(listing())).toBe('ECONNREFUSED');
    await restarting;
    expect((await get(listing())).text).toBe(full);
  });
});

describe('XiVO simulator faults', () => {
  let sim: XivoSimulator;
  let auth: Record<string, string>;
  const cel = () => `${sim.url}/service/ipbx/json.php/restricted/call_management/cel/?act=searchid&idbeg=0`;
  const queues = () => `${sim.url}/callcenter/json.php/restricted/settings/queues/?act=list`;

  it('faults by path, with Retry-After, the Basic challenge, garbage and cut JSON; failNext still works', async () => {
    sim = await startXivoSimulator();
    closers.push(() => sim.close());
    auth = { authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}` };
    sim.model.completedCalls(1);
    const full = (await get(cel(), auth)).text;
    sim.faults.arm({ kind: 'http429', path: 'call_management/cel', retryAfterSec: 5 });
    expect((await get(queues(), auth)).status).toBe(200);
    expect(await get(cel(), auth)).toMatchObject({ status: 429, headers: { 'retry-after': '5' } });
    sim.faults.arm({ kind: 'auth401' }).arm({ kind: 'garbage' }).arm({ kind: 'truncated' });
    expect(await get(cel(), auth)).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Basic realm="Access Restricted"' } });
    const garbage = (await get(cel(), auth)).text;
    expect(() => JSON.parse(garbage)).toThrow();
    expect((await get(cel(), auth)).text).toBe(full.slice(0, Math.floor(full.length / 2)));
    sim.failNext(502, 2);
    expect((await get(cel(), auth)).status).toBe(502);
    expect((await get(cel(), auth)).status).toBe(502);
    expect((await get(cel(), auth)).text).toBe(full);
  });

  it('restart: refused while down, then the same CEL table on the same port', async () => {
    sim = await startXivoSimulator();
    closers.push(() => sim.close());
    auth = { authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}` };
    sim.model.completedCalls(1);
    const restarting = sim.restart({ downMs: 200 });
    await sleep(50);
    expect(await outcome(cel())).toBe('ECONNREFUSED');
    await restarting;
    expect(JSON.parse((await get(cel(), auth)).text)).toHaveLength(15);
  });
});
