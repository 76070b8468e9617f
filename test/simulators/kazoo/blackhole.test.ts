/** The simulated blackhole speaks Kazoo 4.3's websocket protocol (shared/vendors/README.md §2.2, §7.2). */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startKazooSimulator, type KazooSimulator, type KazooSimulatorOptions } from '../../../src/simulators/kazoo/index.js';
import { sleep, waitFor } from '../../support/wait-for.js';

let sim: KazooSimulator | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) {
    // terminate() on a refused (still CONNECTING) socket reports an error event.
    ws.on('error', () => undefined);
    ws.terminate();
  }
  await sim?.close();
  sim = undefined;
});

interface Client {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  request(message: Record<string, unknown>): Promise<Record<string, unknown>>;
}

async function token(account: 'main' | 'other' = 'main'): Promise<string> {
  const apiKey = account === 'main' ? sim!.apiKey : sim!.otherApiKey;
  const response = await fetch(`${sim!.restUrl}/v2/api_auth`, { method: 'PUT', body: JSON.stringify({ data: { api_key: apiKey } }) });
  return String(((await response.json()) as { auth_token: string }).auth_token);
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(sim!.websocketUrl);
  sockets.push(ws);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Record<string, unknown>));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    async request(message) {
      const requestId = randomUUID();
      ws.send(JSON.stringify({ ...message, request_id: requestId }));
      let reply: Record<string, unknown> | undefined;
      await waitFor(() => (reply = frames.find((f) => f.request_id === requestId)) !== undefined, { timeout: 400 });
      return reply as Record<string, unknown>;
    },
  };
}

async function start(options: KazooSimulatorOptions = {}) {
  sim = await startKazooSimulator(options);
  return { token: await token(), account: sim.accountId };
}

const errors = (reply: Record<string, unknown>) => (reply.data as { errors: string[] }).errors;

describe('kazoo simulator: blackhole handshake and auth', () => {
  it('rejects a Sec-WebSocket-Protocol with HTTP 400', async () => {
    await start();
    const ws = new WebSocket(sim!.websocketUrl, ['v1']);
    sockets.push(ws);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(400);
  });

  it('needs a token until the session authenticated once; quotes a bad one', async () => {
    const { token: good, account } = await start();
    const client = await connect();
    expect(errors(await client.request({ action: 'ping' }))).toEqual(['authentication token required']);
    expect(errors(await client.request({ action: 'ping', auth_token: 42 }))).toEqual(['invalid authentication token format']);
    expect(errors(await client.request({ action: 'ping', auth_token: 'bogus' }))).toEqual(['failed to authenticate token bogus']);
    const ok = await client.request({ action: 'subscribe', auth_token: good, data: { account_id: account, binding: 'call.CHANNEL_CREATE.*' } });
    expect(ok).toMatchObject({ action: 'reply', status: 'success', data: { subscribed: ['call.CHANNEL_CREATE.*'] } });
    // Authenticated now: later messages may leave the token out.
    expect((await client.request({ action: 'ping' })).data).toEqual({ response: 'pong' });
  });
});

describe('kazoo simulator: blackhole subscriptions', () => {
  it('validates bindings and accounts with the exact error strings', async () => {
    const { token: good, account } = await start();
    const client = await connect();
    const sub = (data: unknown) => client.request({ action: 'subscribe', auth_token: good, data });
    expect(errors(await sub({ account_id: account, bindings: ['call.CHANNEL_CREATE.*'] }))).toEqual(['missing required keys : binding']);
    expect(errors(await sub({ binding: 'call.CHANNEL_CREATE.*' }))).toEqual(['missing required keys : account_id']);
    expect(errors(await client.request({ action: 'subscribe', auth_token: good }))).toEqual(['missing required keys in data object']);
    expect(errors(await sub({ account_id: account, binding: 'call.CHANNEL_EXPLODE.*' }))).toEqual(['event CHANNEL_EXPLODE not supported']);
    expect(errors(await sub({ account_id: account, binding: 'call.CHANNEL_CREATE' }))).toEqual(['invalid format for call subscription : call.CHANNEL_CREATE']);
    expect(errors(await sub({ account_id: account, binding: 'weather.today' }))).toEqual(['no available subscriptions to requested binding']);
    expect(errors(await sub({ account_id: sim!.otherAccountId, binding: 'call.*.*' }))).toEqual(['unauthorized account id']);
    expect(errors(await sub({ account_id: '*', binding: 'call.*.*' }))).toEqual(['unauthorized wildcard account id']);
    expect((await sub({ account_id: account, binding: 'object.doc_created.user' })).status).toBe('success');
  });

  it('accepts plural bindings in 5.x flavour, with the newer reply shape', async () => {
    const { token: good, account } = await start({ flavor: '5.x' });
    const client = await connect();
    const reply = await client.request({ action: 'subscribe', auth_token: good, data: { account_id: account, bindings: ['call.CHANNEL_CREATE.*', 'call.CHANNEL_DESTROY.*'] } });
    expect(reply.data).toEqual({ subscribed: 'call.CHANNEL_CREATE.*', subscriptions: ['call.CHANNEL_CREATE.*', 'call.CHANNEL_DESTROY.*'] });
  });

  it('sends events only for subscribed bindings and accounts, framed as blackhole does; honours unsubscribe', async () => {
    const { token: good, account } = await start();
    const client = await connect();
    await client.request({ action: 'subscribe', auth_token: good, data: { account_id: account, binding: 'call.CHANNEL_CREATE.*' } });
    await client.request({ action: 'subscribe', data: { account_id: account, binding: 'call.CHANNEL_DESTROY.*' } });
    const model = sim!.model;
    model.startCall({ accountId: sim!.otherAccountId, from: '2001', to: '1' });
    const { a, b } = model.startCall({ from: sim!.deviceIds[0] as string, to: '33170200258' });
    model.answer(a.uuid); // ANSWER / BRIDGE: not subscribed
    await waitFor(() => client.frames.filter((f) => f.action === 'event').length === 2);
    const created = client.frames.find((f) => f.action === 'event' && (f.data as { call_id: string }).call_id === a.uuid);
    expect(created).toMatchObject({
      subscribed_key: 'call.CHANNEL_CREATE.*',
      subscription_key: `call.${account}.CHANNEL_CREATE.*`,
      name: 'CHANNEL_CREATE',
      routing_key: `call.${account}.CHANNEL_CREATE.${a.uuid}`,
      data: { call_id: a.uuid, call_direction: 'inbound', custom_channel_vars: { account_id: account }, event_name: 'CHANNEL_CREATE' },
    });
    const reply = await client.request({ action: 'unsubscribe', data: { account_id: account, binding: 'call.CHANNEL_DESTROY.*' } });
    expect(reply.data).toEqual({ unsubscribed: ['call.CHANNEL_DESTROY.*'], subscribed: ['call.CHANNEL_CREATE.*'] });
    model.hangup(b.uuid);
    await sleep(50);
    expect(client.frames.filter((f) => f.name === 'CHANNEL_DESTROY')).toHaveLength(0);
  });
});

describe('kazoo simulator: blackhole failure modes', () => {
  it('silent mode stops answering without closing; dropSockets kills every socket', async () => {
    const { token: good, account } = await start();
    const client = await connect();
    await client.request({ action: 'subscribe', auth_token: good, data: { account_id: account, binding: 'call.*.*' } });
    sim!.setSilent(true);
    await expect(client.request({ action: 'ping' })).rejects.toThrow();
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    sim!.setSilent(false);
    expect((await client.request({ action: 'ping' })).data).toEqual({ response: 'pong' });
    const closed = new Promise((resolve) => client.ws.once('close', resolve));
    sim!.dropSockets();
    await closed;
    expect(sim!.blackhole.sessionCount).toBe(0);
  });

  it('closes idle sockets after the idle timeout', async () => {
    await start({ idleTimeoutMs: 100 });
    const client = await connect();
    const code = await new Promise<number>((resolve) => client.ws.once('close', (c) => resolve(c)));
    expect(code).toBe(1000);
  });

  it('caps connections per IP with 429 when configured', async () => {
    await start({ maxConnectionsPerIp: 1 });
    await connect();
    const ws = new WebSocket(sim!.websocketUrl);
    sockets.push(ws);
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(429);
  });
});
