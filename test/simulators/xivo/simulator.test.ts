import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXivoSimulator, type XivoSimulator } from '../../../src/simulators/xivo/index.js';

const CEL = '/service/ipbx/json.php/restricted/call_management/cel/';

describe('XiVO simulator', () => {
  let sim: XivoSimulator;
  let auth: string;
  beforeAll(async () => {
    sim = await startXivoSimulator({ denied: ['settings/agents'] });
    auth = `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}`;
  });
  afterAll(() => sim?.close());

  it('401 with the realm without credentials, 403 for a denied section', async () => {
    const r = await fetch(`${sim.url}${CEL}?act=searchid&idbeg=0`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="Access Restricted"');
    const f = await fetch(`${sim.url}/callcenter/json.php/restricted/settings/agents/?act=list`, { headers: { authorization: auth } });
    expect(f.status).toBe(403);
  });

  it('CEL: 204 when none, 400 without idbeg, rows id > N ascending, strings, capped', async () => {
    expect((await fetch(`${sim.url}${CEL}?act=searchid&idbeg=0`, { headers: { authorization: auth } })).status).toBe(204);
    expect((await fetch(`${sim.url}${CEL}?act=searchid`, { headers: { authorization: auth } })).status).toBe(400);
    const call = sim.model.startCall({ from: '1001', to: '1002' });
    sim.model.answer(call.linkedid);
    sim.model.hangup(call.linkedid);
    const r = await fetch(`${sim.url}${CEL}?act=searchid&idbeg=1&limit=3`, { headers: { authorization: auth } });
    const rows = (await r.json()) as Record<string, unknown>[];
    expect(rows.map((row) => row.id)).toEqual(['2', '3', '4']);
    for (const row of rows) for (const value of Object.values(row)) expect(typeof value).toBe('string');
    expect(rows[0]?.eventtime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    const all = (await (await fetch(`${sim.url}${CEL}?act=searchid&idbeg=0&limit=99999`, { headers: { authorization: auth } })).json()) as Record<string, string>[];
    expect(all.map((row) => row.eventtype)).toEqual([
      'CHAN_START', 'APP_START', 'CHAN_START', 'ANSWER', 'ANSWER', 'BRIDGE_ENTER', 'BRIDGE_ENTER',
      'BRIDGE_EXIT', 'BRIDGE_EXIT', 'HANGUP', 'CHAN_END', 'APP_END', 'HANGUP', 'CHAN_END', 'LINKEDID_END',
    ]);
    expect(new Set(all.map((row) => row.linkedid))).toEqual(new Set([call.linkedid]));
  });

  it('queue list and 404 on an unknown view id', async () => {
    const q = await fetch(`${sim.url}/callcenter/json.php/restricted/settings/queues/?act=list`, { headers: { authorization: auth } });
    expect(((await q.json()) as unknown[]).length).toBe(2);
    const v = await fetch(`${sim.url}/callcenter/json.php/restricted/settings/queues/?act=view&id=99`, { headers: { authorization: auth } });
    expect(v.status).toBe(404);
  });
});
