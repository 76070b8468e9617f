/** The simulated 3CX web server answers as shared/vendors/README.md §6 and §7.6 say. */
import { afterEach, describe, expect, it } from 'vitest';
import { startThreeCxSimulator, type ThreeCxSimulator, type ThreeCxSimulatorOptions } from '../../../src/simulators/threecx/index.js';
import { sleep } from '../../support/wait-for.js';

let sim: ThreeCxSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim!.url}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
}

async function token(form: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${sim!.url}/connect/token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as unknown, headers: response.headers };
}

async function start(options: ThreeCxSimulatorOptions = {}): Promise<string> {
  sim = await startThreeCxSimulator(options);
  const answer = await token({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials' });
  return (answer.body as { access_token: string }).access_token;
}

describe('3cx simulator: /connect/token', () => {
  it('client credentials -> {access_token, token_type: Bearer, expires_in}', async () => {
    await start({ tokenTtlMs: 90_000 });
    const answer = await token({ client_id: sim!.clientId, client_secret: sim!.clientSecret, grant_type: 'client_credentials' });
    expect(answer).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 90, access_token: expect.stringMatching(/^[\w-]{40,}$/) } });
  });

  it('bad secret or client 400 invalid_client, other grants 400 unsupported_grant_type, forced status', async () => {
    await start();
    expect(await token({ client_id: sim!.clientId, client_secret: 'nope', grant_type: 'client_credentials' })).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect(await token({ client_id: 'other', client_secret: sim!.clientSecret, grant_type: 'client_credentials' })).toMatchObject({ status: 400 });
    expect(await token({ client_id: sim!.clientId, client_secret: sim!.clientSecret, grant_type: 'password' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    sim!.setTokenStatus(503);
    expect(await token({ client_id: sim!.clientId, client_secret: sim!.clientSecret, grant_type: 'client_credentials' })).toMatchObject({ status: 503, body: { error: 'server_error' } });
  });
});

describe('3cx simulator: /callcontrol reads', () => {
  it('401 with WWW-Authenticate without a valid bearer, and once the token expired', async () => {
    const bearer = await start({ tokenTtlMs: 150 });
    expect((await call('GET', '/callcontrol', { token: bearer })).status).toBe(200);
    const missing = await call('GET', '/callcontrol');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    await sleep(200);
    expect((await call('GET', '/callcontrol', { token: bearer })).status).toBe(401);
  });

  it('GET /callcontrol lists every DN with its devices and participants', async () => {
    const bearer = await start();
    const caller = sim!.model.incomingCall({ from: '33170200258', to: '101', name: 'ACME' })!;
    const tree = (await call('GET', '/callcontrol', { token: bearer })).body as { dn: string; type: string; devices: unknown[]; participants: unknown[] }[];
    expect(tree.map((dn) => dn.dn)).toEqual(['100', '101', '102', '103', '104', '800']);
    const dn101 = tree.find((dn) => dn.dn === '101');
    expect(dn101).toMatchObject({
      type: 'Wextension',
      devices: [
        { dn: '101', device_id: 'sip:101@192.0.2.11:5060', user_agent: '3CX Web Client' },
        { dn: '101', device_id: 'sip:101@198.51.100.7:49152', user_agent: '3CX Android 20.0.3' },
      ],
      participants: [
        {
          id: caller.id,
          status: 'Ringing',
          party_caller_name: 'ACME',
          party_dn: '10000',
          party_caller_id: '33170200258',
          party_dn_type: 'Wexternalline',
          device_id: 'sip:101@192.0.2.11:5060',
          direct_control: false,
          callid: caller.callid,
          legid: expect.any(Number),
          dn: '101',
        },
      ],
    });
  });

  it('entity paths: DN, devices, device (id encoded), participants, participant; 404 otherwise', async () => {
    const bearer = await start();
    const caller = sim!.model.incomingCall({ from: '33170200258', to: '100' })!;
    expect((await call('GET', '/callcontrol/100', { token: bearer })).body).toMatchObject({ dn: '100', participants: [{ id: caller.id }] });
    expect((await call('GET', '/callcontrol/100/devices', { token: bearer })).body).toEqual([expect.objectContaining({ device_id: 'sip:100@192.0.2.10:5062' })]);
    expect((await call('GET', '/callcontrol/100/devices/sip%3A100%40192.0.2.10%3A5062', { token: bearer })).body).toMatchObject({ user_agent: 'Yealink SIP-T54W 96.86.0.70' });
    expect((await call('GET', '/callcontrol/100/participants', { token: bearer })).body).toHaveLength(1);
    expect((await call('GET', `/callcontrol/100/participants/${caller.id}`, { token: bearer })).body).toMatchObject({ id: caller.id, status: 'Ringing' });
    for (const path of ['/callcontrol/999', `/callcontrol/101/participants/${caller.id}`, '/callcontrol/100/devices/nope', '/callcontrol/100/whatever']) {
      expect((await call('GET', path, { token: bearer })).status).toBe(404);
    }
  });

  it('injected faults answer first, then it is normal again', async () => {
    const bearer = await start();
    sim!.failNext(502, { count: 2 });
    expect((await call('GET', '/callcontrol', { token: bearer })).status).toBe(502);
    expect((await call('GET', '/callcontrol/100', { token: bearer })).status).toBe(502);
    expect((await call('GET', '/callcontrol', { token: bearer })).status).toBe(200);
    sim!.failNext(200, { path: /^\/callcontrol$/, body: '{"truncated":' });
    const corrupt = await fetch(`${sim!.url}/callcontrol`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(await corrupt.text()).toBe('{"truncated":');
    expect(sim!.requests.filter('GET', '/callcontrol').map((r) => r.status)).toEqual([502, 200, 200]);
  });
});

describe('3cx simulator: actions', () => {
  it('makecall (DN and device) -> {finalstatus, reason, reasontext, result: participant}; answered after answerMs', async () => {
    const bearer = await start({ answerMs: 20 });
    const viaDevice = await call('POST', '/callcontrol/100/devices/sip%3A100%40192.0.2.10%3A5062/makecall', { token: bearer, body: { destination: '101' } });
    expect(viaDevice).toMatchObject({
      status: 200,
      body: { finalstatus: 'Success', reason: 'None', reasontext: '', result: { dn: '100', status: 'Dialing', party_dn: '101', party_caller_name: 'Bruno Petit', device_id: 'sip:100@192.0.2.10:5062' } },
    });
    const { callid } = (viaDevice.body as { result: { callid: number } }).result;
    expect(sim!.model.callParticipants(callid).map((p) => `${p.dn}:${p.status}`)).toEqual(['100:Dialing', '101:Ringing']);
    await sleep(80);
    expect(sim!.model.callParticipants(callid).map((p) => p.status)).toEqual(['Connected', 'Connected']);
    const routePoint = await call('POST', '/callcontrol/800/makecall', { token: bearer, body: { destination: '33170200258' } });
    expect(routePoint.body).toMatchObject({ finalstatus: 'Success', result: { dn: '800', direct_control: true, device_id: null } });
    const offline = await call('POST', '/callcontrol/104/makecall', { token: bearer, body: { destination: '100' } });
    expect(offline).toMatchObject({ status: 200, body: { finalstatus: 'Failed', reason: 'NoDevice', reasontext: 'DN 104 has no registered device', result: null } });
  });

  it('participant actions: answer, divert, transferto, drop, attach_participant_data; 404 for unknown ids and actions', async () => {
    const bearer = await start({ answerMs: -1 });
    const model = sim!.model;
    const ringing = model.incomingCall({ from: '33170200258', to: '100' })!;
    const divert = await call('POST', `/callcontrol/100/participants/${ringing.id}/divert`, { token: bearer, body: { destination: '102' } });
    expect(divert.body).toMatchObject({ finalstatus: 'Success', result: { id: ringing.id } });
    const moved = model.callParticipants(ringing.callid);
    expect(moved.map((p) => `${p.dn}:${p.status}:${p.party_caller_id}`)).toEqual(['102:Ringing:33170200258']);
    const answered = await call('POST', `/callcontrol/102/participants/${moved[0]!.id}/answer`, { token: bearer, body: {} });
    expect(answered.body).toMatchObject({ finalstatus: 'Success' });
    expect(model.callParticipants(ringing.callid)[0]?.status).toBe('Connected');
    const transfer = await call('POST', `/callcontrol/102/participants/${moved[0]!.id}/transferto`, { token: bearer, body: { destination: '103' } });
    expect(transfer.body).toMatchObject({ finalstatus: 'Success' });
    expect(model.callParticipants(ringing.callid).map((p) => `${p.dn}:${p.status}`)).toEqual(['103:Ringing']);
    const target = model.callParticipants(ringing.callid)[0]!;
    const attach = await call('POST', `/callcontrol/103/participants/${target.id}/attach_participant_data`, { token: bearer, body: { attached_data: { crm: 42 } } });
    expect(attach.body).toMatchObject({ finalstatus: 'Success' });
    expect(target.attached).toEqual({ crm: '42' });
    const notConnected = await call('POST', `/callcontrol/103/participants/${target.id}/transferto`, { token: bearer, body: { destination: '100' } });
    expect(notConnected.body).toMatchObject({ finalstatus: 'Failed', reasontext: 'Participant is not connected' });
    expect((await call('POST', `/callcontrol/103/participants/${target.id}/drop`, { token: bearer, body: {} })).body).toMatchObject({ finalstatus: 'Success' });
    expect(model.participants()).toEqual([]);
    expect((await call('POST', `/callcontrol/103/participants/${target.id}/drop`, { token: bearer, body: {} })).status).toBe(404);
    const other = model.incomingCall({ from: '1', to: '100' })!;
    expect((await call('POST', `/callcontrol/100/participants/${other.id}/explode`, { token: bearer, body: {} })).status).toBe(404);
    expect((await call('GET', `/callcontrol/100/participants/${other.id}/drop`, { token: bearer })).status).toBe(405);
  });
});
