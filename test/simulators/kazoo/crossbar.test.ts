/** The simulated crossbar answers as shared/vendors/README.md §2.1, §2.4–2.6 and §7.2 say. */
import { afterEach, describe, expect, it } from 'vitest';
import { startKazooSimulator, type KazooSimulator, type KazooSimulatorOptions } from '../../../src/simulators/kazoo/index.js';
import { GREGORIAN_UNIX_OFFSET_SEC } from '../../../src/simulators/kazoo/payloads.js';
import { sleep, waitFor } from '../../support/wait-for.js';

let sim: KazooSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['x-auth-token'] = options.token;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim!.restUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function start(options: KazooSimulatorOptions = {}): Promise<{ token: string; base: string }> {
  sim = await startKazooSimulator(options);
  const auth = await call('PUT', '/v2/api_auth', { body: { data: { api_key: sim.apiKey } } });
  return { token: String(auth.body.auth_token), base: `/v2/accounts/${sim.accountId}` };
}

describe('kazoo simulator: api_auth', () => {
  it('201 with a top-level auth_token and data.account_id', async () => {
    const { token } = await start();
    const auth = await call('PUT', '/v2/api_auth', { body: { data: { api_key: sim!.apiKey } } });
    expect(auth.status).toBe(201);
    expect(auth.body).toMatchObject({ status: 'success', auth_token: expect.any(String), data: { account_id: sim!.accountId } });
    expect(auth.body.data).not.toHaveProperty('auth_token');
    expect(token.split('.')).toHaveLength(3);
  });

  it('empty key 401 invalid credentials, unknown key 404 bad identifier, 429 on abuse', async () => {
    await start({ apiAuthPerSecond: 3 });
    const empty = await call('PUT', '/v2/api_auth', { body: { data: { api_key: '' } } });
    expect(empty).toMatchObject({ status: 401, body: { status: 'error', error: '401', message: 'invalid credentials', auth_token: '' } });
    expect(empty.body).toEqual(expect.objectContaining({ request_id: expect.any(String), node: expect.any(String), timestamp: expect.any(String), data: {} }));
    const unknown = await call('PUT', '/v2/api_auth', { body: { data: { api_key: 'nope' } } });
    expect(unknown).toMatchObject({ status: 404, body: { error: '404', message: 'bad identifier', data: ['nope'] } });
    const third = await call('PUT', '/v2/api_auth', { body: { data: { api_key: sim!.apiKey } } });
    const fourth = await call('PUT', '/v2/api_auth', { body: { data: { api_key: sim!.apiKey } } });
    expect([third.status, fourth.status]).toContain(429);
  });

  it('accepts X-Auth-Token, ?auth_token= and Bearer; expired or missing tokens get 401', async () => {
    const { token, base } = await start({ tokenTtlMs: 150 });
    expect((await call('GET', `${base}/channels`, { token })).status).toBe(200);
    expect((await call('GET', `${base}/channels?auth_token=${token}`)).status).toBe(200);
    expect((await call('GET', `${base}/channels`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(await call('GET', `${base}/channels`)).toMatchObject({ status: 401, body: { message: 'invalid credentials' } });
    await sleep(200);
    expect(await call('GET', `${base}/channels`, { token })).toMatchObject({ status: 401, body: { error: '401', status: 'error' } });
  });
});

describe('kazoo simulator: channels', () => {
  it('lists live legs with Gregorian timestamps; one by uuid; 404 bad identifier otherwise', async () => {
    const { token, base } = await start();
    const { a, b } = sim!.model.startCall({ from: sim!.deviceIds[0] as string, to: '33170200258' });
    sim!.model.answer(a.uuid);
    const list = await call('GET', `${base}/channels`, { token });
    expect(list.body.auth_token).toBe(token); // crossbar echoes the token: never log bodies
    const items = list.body.data as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    const item = items.find((i) => i.uuid === a.uuid);
    expect(item).toMatchObject({ direction: 'inbound', answered: true, other_leg: b.uuid, username: 'user_1001', destination: '33170200258', authorizing_type: 'device' });
    expect(Number(item?.timestamp) - GREGORIAN_UNIX_OFFSET_SEC).toBeCloseTo(Date.now() / 1000, -1);
    expect((await call('GET', `${base}/channels/${b.uuid}`, { token })).body.data).toMatchObject({ uuid: b.uuid, direction: 'outbound' });
    expect(await call('GET', `${base}/channels/nope`, { token })).toMatchObject({ status: 404, body: { message: 'bad identifier' } });
    const other = await call('GET', `/v2/accounts/${sim!.otherAccountId}/channels`, { token });
    expect(other.status).toBe(403);
  });

  it('hangup 202 "hangup initiated"; transfer needs a target and a bridged leg; unknown action 400', async () => {
    const { token, base } = await start();
    const model = sim!.model;
    const { a } = model.startCall({ from: sim!.deviceIds[0] as string, to: '1002' });
    const noTarget = await call('POST', `${base}/channels/${a.uuid}`, { token, body: { data: { action: 'transfer' } } });
    expect(noTarget).toMatchObject({ status: 400, body: { message: 'invalid data', data: { target: { required: { message: 'No target destination specified' } } } } });
    const lone = model.quickcallLeg({ accountId: sim!.accountId, device: model.devices.get(sim!.deviceIds[1] as string)!, number: '1003', cav: {} });
    const unbridged = await call('POST', `${base}/channels/${lone.uuid}`, { token, body: { data: { action: 'transfer', target: '1004' } } });
    expect(unbridged.body.data).toEqual({ other_leg_call_id: { required: { message: 'Channel is not bridged' } } });
    expect((await call('POST', `${base}/channels/${a.uuid}`, { token, body: { data: { action: 'dance' } } })).status).toBe(400);
    const transfer = await call('POST', `${base}/channels/${a.uuid}`, { token, body: { data: { action: 'transfer', target: '1004' } } });
    expect(transfer).toMatchObject({ status: 202, body: { data: 'transfer initiated' } });
    const hangup = await call('POST', `${base}/channels/${lone.uuid}`, { token, body: { data: { action: 'hangup' } } });
    expect(hangup).toMatchObject({ status: 202, body: { status: 'accepted', data: 'hangup initiated' } });
    await waitFor(() => !model.legs.has(lone.uuid) && !model.legs.has(a.uuid));
  });

  it('with metaflows off, actions answer 202 and nothing happens', async () => {
    const { token, base } = await start({ metaflows: false });
    const { a } = sim!.model.startCall({ from: sim!.deviceIds[0] as string, to: '1002' });
    expect((await call('POST', `${base}/channels/${a.uuid}`, { token, body: { data: { action: 'hangup' } } })).status).toBe(202);
    await sleep(50);
    expect(sim!.model.legs.has(a.uuid)).toBe(true);
  });
});

describe('kazoo simulator: quickcall', () => {
  it('POST 202 with the originate request, then both legs with the CAVs echoed', async () => {
    const { token, base } = await start({ quickcallAnswerMs: 10 });
    const events: { name: string; data: Record<string, unknown> }[] = [];
    sim!.model.onEvent((e) => events.push(e));
    const device = sim!.deviceIds[0] as string;
    const answer = await call('POST', `${base}/devices/${device}/quickcall/33170200258`, {
      token,
      body: { data: { custom_application_vars: { callbridge_command_id: 'c1' } } },
    });
    expect(answer.status).toBe(202);
    const data = answer.body.data as { endpoints: { outbound_call_id: string }[]; application_name: string; application_data: unknown };
    expect(data).toMatchObject({ application_name: 'transfer', application_data: { route: '33170200258' } });
    const callId = data.endpoints[0]?.outbound_call_id ?? '';
    expect(callId).toMatch(/-quickcall$/);
    await waitFor(() => events.filter((e) => e.name === 'CHANNEL_BRIDGE').length === 2);
    expect(events.map((e) => e.name)).toEqual(['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_BRIDGE']);
    // The device leg is the callee, the dialled number the caller.
    expect(events[0]?.data).toMatchObject({ call_id: callId, callee_id_number: '1001', caller_id_number: '33170200258' });
    for (const event of events) expect(event.data.custom_application_vars).toEqual({ callbridge_command_id: 'c1' });
  });

  it('GET answers 202 at once; POST to an unreachable device 500s; unknown ids 404; timeout >= 3', async () => {
    const { token, base } = await start({ quickcallAnswerMs: -1 });
    const device = sim!.deviceIds[1] as string;
    expect((await call('GET', `${base}/devices/${device}/quickcall/1003?callbridge_command_id=c2`, { token })).status).toBe(202);
    await waitFor(() => [...sim!.model.legs.values()].some((leg) => leg.cav.callbridge_command_id === 'c2'));
    sim!.model.devices.get(device)!.reachable = false;
    const dead = await call('POST', `${base}/devices/${device}/quickcall/1003`, { token });
    expect(dead).toMatchObject({ status: 500, body: { message: 'quickcall initiation failed', data: { error_message: 'DESTINATION_OUT_OF_ORDER' } } });
    expect((await call('POST', `${base}/devices/${'0'.repeat(32)}/quickcall/1003`, { token })).status).toBe(404);
    expect((await call('POST', `${base}/users/${sim!.userIds[0]}/quickcall/1003`, { token, body: { data: { timeout: 2 } } })).status).toBe(400);
  });
});

describe('kazoo simulator: ACDC agents', () => {
  it('pause needs an integer timeout >= 0; status update sent; visible in agents/status', async () => {
    const { token, base } = await start();
    const agent = sim!.userIds[0] as string;
    const missing = await call('POST', `${base}/agents/${agent}/status`, { token, body: { data: { status: 'pause' } } });
    expect(missing).toMatchObject({ status: 400, body: { data: { timeout: { type: { message: 'value must be an integer greater than or equal to 0' } } } } });
    const negative = await call('POST', `${base}/agents/${agent}/status`, { token, body: { data: { status: 'pause', timeout: -1 } } });
    expect(negative.status).toBe(400);
    expect((await call('POST', `${base}/agents/${agent}/status`, { token, body: { data: { status: 'nap' } } })).status).toBe(400);
    const ok = await call('POST', `${base}/agents/${agent}/status`, { token, body: { data: { status: 'pause', timeout: 0 } } });
    expect(ok).toMatchObject({ status: 200, body: { data: 'status update sent' } });
    await waitFor(async () => {
      const statuses = (await call('GET', `${base}/agents/status`, { token })).body.data as Record<string, { status: string }>;
      return statuses[agent]?.status === 'paused';
    });
    const listing = (await call('GET', `${base}/agents`, { token })).body.data as { id: string; queues: string[] }[];
    expect(listing.find((a) => a.id === agent)?.queues).toEqual([sim!.queueIds[0], sim!.queueIds[1]]);
    await call('POST', `${base}/agents/${agent}/status`, { token, body: { data: { status: 'resume' } } });
    await waitFor(() => sim!.model.users.get(agent)?.status === 'ready');
  });

  it('a pause with a timeout ends by itself', async () => {
    const { token, base } = await start();
    const agent = sim!.userIds[1] as string;
    await call('POST', `${base}/agents/${agent}/status`, { token, body: { data: { status: 'pause', timeout: '1' } } });
    await waitFor(() => sim!.model.users.get(agent)?.status === 'paused');
    await waitFor(() => sim!.model.users.get(agent)?.status === 'ready', { timeout: 2_000 });
  });
});
