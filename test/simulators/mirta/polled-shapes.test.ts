import { afterEach, describe, expect, it } from 'vitest';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { adminApi, api, json, startSim, tenantApi } from './harness.js';

const PEER_KEYS = ['node', 'Name', 'Host', 'Dyn', 'Forcerport', 'Comedia', 'ACL', 'Port', 'Status', 'Description', 'Realtime'];
const FLOW_KEYS = [
  'fl_id', 'fl_te_id', 'fl_name', 'fl_comment', 'fl_number', 'fl_value', 'fl_value_for_unavailable',
  'fl_value_for_inuse', 'fl_value_for_notinuse', 'fl_value_for_ringing', 'fl_variable_name', 'fl_monitor_type',
  'fl_monitor_type_id', 'fl_monitor_parameter', 'st_extension', 'st_state', 'st_timestamp', 'st_peername',
];
/** shared/vendors §1.10: CoreShowChannels in AMI order after `node`; `BridgedChannel` is the simulator's extra. */
const CHANNEL_KEYS = [
  'node', 'Channel', 'ChannelState', 'ChannelStateDesc', 'CallerIDNum', 'CallerIDName', 'ConnectedLineNum',
  'ConnectedLineName', 'Language', 'AccountCode', 'Context', 'Exten', 'Priority', 'Uniqueid', 'Linkedid',
  'Application', 'ApplicationData', 'Duration', 'BridgeId', 'BridgedChannel',
];

type Row = Record<string, string>;

describe('MiRTA simulator: PEERS, COUNTPEERS, BLFS, FLOWS, CHANNELS', () => {
  let sim: MirtaSimulator;
  afterEach(() => sim?.close());

  it('PEERS json: the 11 observed keys in order, statuses as sip show peers prints them', async () => {
    sim = await startSim();
    const answer = await tenantApi(sim, { reqtype: 'PEERS', format: 'json' });
    // PHP's json_encode escapes slashes; parsers must not care.
    expect(answer.text).toContain('"Name":"100-DEMO\\/100-DEMO"');
    const rows = json<Row[]>(answer);
    expect(rows).toHaveLength(14);
    for (const row of rows) expect(Object.keys(row)).toEqual(PEER_KEYS);
    const byName = new Map(rows.map((row) => [row.Name, row]));
    expect(byName.get('100-DEMO/100-DEMO')).toEqual({
      node: 'pbx21', Name: '100-DEMO/100-DEMO', Host: '203.0.113.10', Dyn: 'D', Forcerport: 'Yes', Comedia: 'Yes',
      ACL: '', Port: '5060', Status: 'OK (23 ms)', Description: '', Realtime: 'Cached RT',
    });
    expect(byName.get('108-DEMO/108-DEMO')).toMatchObject({ Host: '(Unspecified)', Port: '0', Status: 'UNKNOWN' });
    expect(byName.get('110-DEMO/110-DEMO')?.Status).toBe('LAGGED (840 ms)');
    expect(byName.get('110-DEMO/110-DEMO')).toMatchObject({ Host: '203.0.113.20', Port: '5060' });
    expect(byName.get('111-DEMO/111-DEMO')).toMatchObject({ Host: '203.0.113.21', Status: 'Unmonitored' });
  });

  it('PEERS plain: header row and rows, pipe-delimited with a trailing pipe; admin without tenant lists all', async () => {
    sim = await startSim();
    sim.model.setPeerStatus('203-GLOBEX', 'unreachable');
    const answer = await adminApi(sim, { reqtype: 'PEERS' });
    const lines = answer.text.trimEnd().split('\n');
    expect(lines[0]).toBe(`${PEER_KEYS.join('|')}|`);
    expect(lines).toHaveLength(1 + 14 + 5);
    expect(lines).toContain('pbx22|203-GLOBEX/203-GLOBEX|192.0.2.43|D|Yes|Yes||5060|UNREACHABLE||Cached RT|');
    for (const line of lines) expect(line.endsWith('|')).toBe(true);
  });

  it('PEERS follows the model: latency, removal', async () => {
    sim = await startSim();
    sim.model.setPeerStatus('101-DEMO', 'registered', { latencyMs: 77 });
    sim.model.removePeer('102-DEMO');
    const rows = json<Row[]>(await tenantApi(sim, { reqtype: 'PEERS', format: 'json' }));
    expect(rows.find((r) => r.Name?.startsWith('101-'))?.Status).toBe('OK (77 ms)');
    expect(rows.some((r) => r.Name?.startsWith('102-'))).toBe(false);
  });

  it('COUNTPEERS: integers per node plus total, registered peers only', async () => {
    sim = await startSim();
    const counts = json<Record<string, number>>(await adminApi(sim, { reqtype: 'COUNTPEERS', format: 'json' }));
    expect(counts).toEqual({ pbx21: 13, pbx22: 5, total: 18 });
    expect((await tenantApi(sim, { reqtype: 'COUNTPEERS' }, 'GLOBEX')).text).toBe('pbx22:5|total:5|');
  });

  it('BLFS: st_extension/st_state/st_timestamp, device states follow calls and registration, flows included', async () => {
    let now = Date.parse('2024-05-17T10:00:00Z');
    sim = await startSim({ clock: () => now });
    now += 5_000;
    sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const rows = json<Row[]>(await tenantApi(sim, { reqtype: 'BLFS', format: 'json' }));
    for (const row of rows) expect(Object.keys(row)).toEqual(['st_extension', 'st_state', 'st_timestamp']);
    const state = new Map(rows.map((r) => [r.st_extension, r]));
    expect(state.get('100-DEMO')).toEqual({ st_extension: '100-DEMO', st_state: 'INUSE', st_timestamp: '1715940005' });
    expect(state.get('101-DEMO')?.st_state).toBe('RINGING');
    expect(state.get('102-DEMO')).toMatchObject({ st_state: 'NOT_INUSE', st_timestamp: '1715940000' });
    expect(state.get('108-DEMO')?.st_state).toBe('UNAVAILABLE');
    expect(state.get('FL700-DEMO')?.st_state).toBe('NOT_INUSE');
    const plain = await tenantApi(sim, { reqtype: 'BLFS' });
    expect(plain.text.split('\n')[0]).toBe('st_extension|st_state|st_timestamp|');
  });

  it('FLOWS: 18 keys in the observed order', async () => {
    sim = await startSim();
    const rows = json<Row[]>(await tenantApi(sim, { reqtype: 'FLOWS', format: 'json' }));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(Object.keys(row)).toEqual(FLOW_KEYS);
    expect(rows[0]).toMatchObject({ fl_number: '700', fl_name: 'Day/Night', fl_value: 'day', st_state: 'NOT_INUSE', st_extension: 'FL700-DEMO' });
    expect(json<Row[]>(await tenantApi(sim, { reqtype: 'FLOWS', format: 'json' }, 'GLOBEX'))).toHaveLength(1);
  });

  it('CHANNELS: 0 bytes when idle, then the legs of a model call with the contract columns', async () => {
    sim = await startSim();
    const idle = await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' });
    expect(idle).toMatchObject({ status: 200, text: '' });
    const { aLeg, bLeg } = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const rows = json<Row[]>(await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' }));
    expect(rows.map((r) => r.Channel)).toEqual([aLeg, bLeg]);
    for (const row of rows) expect(Object.keys(row)).toEqual(CHANNEL_KEYS);
    expect(aLeg).toMatch(/^SIP\/100-DEMO-[0-9a-f]{8}$/);
    expect(rows[0]).toMatchObject({
      ChannelStateDesc: 'Ring', ChannelState: '4', CallerIDNum: '100', Exten: '101', Duration: '00:00:00', AccountCode: 'DEMO', Language: 'en',
    });
    expect(rows[1]).toMatchObject({ ChannelStateDesc: 'Ringing', ChannelState: '5', BridgedChannel: '' });
    expect(rows[0]?.Linkedid).toBe(rows[1]?.Linkedid);
    sim.model.answerCall(aLeg);
    const up = json<Row[]>(await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' }));
    expect(up.map((r) => r.ChannelStateDesc)).toEqual(['Up', 'Up']);
    expect(up.map((r) => r.ChannelState)).toEqual(['6', '6']);
    expect(up[0]?.BridgedChannel).toBe(bLeg);
    expect(up[1]?.BridgedChannel).toBe(aLeg);
    expect(up[0]?.BridgeId).toBe(up[1]?.BridgeId);
    sim.model.holdChannel(bLeg ?? '');
    const held = json<Row[]>(await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' }));
    expect(held[1]?.ApplicationData).toBe('hold');
    const plain = await tenantApi(sim, { reqtype: 'CHANNELS' });
    expect(plain.text.split('\n')[0]).toBe(`${CHANNEL_KEYS.join('|')}|`);
  });

  it('CHANNELS: inbound calls come from the trunk context, and nodename / tenant scope filter rows', async () => {
    sim = await startSim();
    sim.model.startCall({ tenant: 'DEMO', from: '+33612345678', to: '102', inbound: true });
    sim.model.startCall({ tenant: 'GLOBEX', from: '200', to: '201' });
    const all = json<Row[]>(await adminApi(sim, { reqtype: 'CHANNELS', format: 'json' }));
    expect(all).toHaveLength(4);
    expect(all[0]).toMatchObject({ Channel: expect.stringMatching(/^SIP\/trunk-DEMO-/), Context: 'from-trunk', CallerIDNum: '+33612345678', AccountCode: 'DEMO' });
    // The callee leg is an ordinary phone leg showing its own number: direction is the bridge's job.
    expect(all[1]).toMatchObject({ Channel: expect.stringMatching(/^SIP\/102-DEMO-/), Context: 'authenticated', CallerIDNum: '102', ConnectedLineNum: '+33612345678' });
    const pbx22 = json<Row[]>(await adminApi(sim, { reqtype: 'CHANNELS', nodename: 'pbx22', format: 'json' }));
    expect(pbx22.every((r) => r.node === 'pbx22' && r.Channel?.includes('-GLOBEX-'))).toBe(true);
    expect(pbx22).toHaveLength(2);
    const demo = json<Row[]>(await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' }));
    expect(demo.every((r) => r.AccountCode === 'DEMO')).toBe(true);
    expect((await adminApi(sim, { reqtype: 'CHANNELS', nodename: 'nowhere' })).text).toBe('');
  });

  it('CHANNELS key case is switchable to lower case', async () => {
    sim = await startSim({ channelKeyCase: 'lower' });
    sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const rows = json<Row[]>(await tenantApi(sim, { reqtype: 'CHANNELS', format: 'json' }));
    expect(Object.keys(rows[0] ?? {})).toEqual(CHANNEL_KEYS.map((k) => k.toLowerCase()));
    expect(rows[0]).toMatchObject({ channelstate: '4', language: 'en', accountcode: 'DEMO' });
    const plain = await tenantApi(sim, { reqtype: 'CHANNELS' });
    expect(plain.text.split('\n')[0]).toBe(`${CHANNEL_KEYS.map((k) => k.toLowerCase()).join('|')}|`);
  });

  it('serves both default paths, answers 404 elsewhere, dispatches reqtype case-insensitively', async () => {
    sim = await startSim();
    expect(sim.urls.map((u) => new URL(u).pathname)).toEqual(['/pbx/proxyapi.php', '/mirtapbx/proxyapi.php']);
    const demo = await api(sim, { reqtype: 'countpeers', key: sim.keys.admin }, sim.urls[1]);
    expect(demo.text).toBe('pbx21:13|pbx22:5|total:18|');
    const elsewhere = await api(sim, { reqtype: 'PEERS', key: sim.keys.admin }, sim.url.replace('/pbx/', '/other/'));
    expect(elsewhere.status).toBe(404);
    expect((await adminApi(sim, { reqtype: 'NOSUCHTHING', tenant: 'DEMO' })).text).toBe('');
  });

  it('answers 0 bytes to xml/csv and wraps JSON in a JSONP callback', async () => {
    sim = await startSim();
    expect((await tenantApi(sim, { reqtype: 'PEERS', format: 'xml' })).text).toBe('');
    expect((await tenantApi(sim, { reqtype: 'INFO', info: 'extensions', format: 'csv' })).text).toBe('');
    const jsonp = await tenantApi(sim, { reqtype: 'FLOWS', format: 'json', callback: 'onFlows' });
    expect(jsonp.contentType).toBe('application/json');
    const match = /^onFlows\((.*)\)$/s.exec(jsonp.text);
    expect(JSON.parse(match?.[1] ?? 'null')).toHaveLength(3);
    // callback without format=json is ignored (HELP: "requires format json").
    const plain = await tenantApi(sim, { reqtype: 'FLOWS', callback: 'onFlows' });
    expect(plain.text.startsWith('fl_id|')).toBe(true);
  });

  it('HELP: the vendor text, with a tenant', async () => {
    sim = await startSim();
    const help = await tenantApi(sim, { reqtype: 'HELP' });
    expect(help.contentType).toBe('text/html; charset=UTF-8');
    expect(help.text).toContain('Parameters:\n  reqtype - Request type');
    expect(help.text).toContain('SETFLOW      - Set Flow status or variable');
  });
});
