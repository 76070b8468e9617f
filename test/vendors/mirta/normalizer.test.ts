import { describe, expect, it } from 'vitest';
import { ENTITY_SCHEMAS } from '../../../src/protocol/entities.js';
import {
  normalizeAgents,
  normalizeBlfs,
  normalizeExtensions,
  normalizeFlows,
  normalizePeers,
  normalizeQueue,
  peerTenant,
  splitByTenant,
} from '../../../src/vendors/mirta/normalizer.js';
import { parseAgents, parseExtensions, parsePeers } from '../../../src/vendors/mirta/parsers.js';

const now = new Date('2026-11-23T10:15:00.000Z');
const ctx = { source: 'mirta-main', now };

describe('peers', () => {
  const rows = parsePeers(
    'node|Name|Host|Dyn|Forcerport|Comedia|ACL|Port|Status|Description|Realtime|\n' +
      'pbx21|100-DEMO/100-DEMO|203.0.113.10|D|Yes|Yes||5060|OK (23 ms)||Cached RT|\n' +
      'pbx21|101-DEMO/101-DEMO|203.0.113.11|D|Yes|Yes||5060|UNREACHABLE||Cached RT|\n' +
      'pbx21|108-DEMO/108-DEMO|(Unspecified)|D|Yes|Yes||0|UNKNOWN||Cached RT|\n' +
      'pbx21|110-DEMO/110-DEMO|203.0.113.20|D|Yes|Yes||5062|LAGGED (840 ms)||Cached RT|\n' +
      'pbx21|111-DEMO/111-DEMO|203.0.113.21|D|Yes|Yes||5060|Unmonitored||Cached RT|\n' +
      'pbx21|112-DEMO/112-DEMO|(Unspecified)|D|Yes|Yes||0|OK (3 ms)||Cached RT|\n' +
      'pbx21|113-DEMO/113-DEMO||D|Yes|Yes||0|UNKNOWN||Cached RT|\n' +
      'pbx21|114-DEMO/114-DEMO|203.0.113.24|D|Yes|Yes||5060|UNKNOWN||Cached RT|\n' +
      'pbx21|115-DEMO/115-DEMO|203.0.113.25|D|Yes|Yes||5060|LAGGED (900 ms)||Cached RT|\n',
  );
  const peers = normalizePeers(rows, ctx);

  it('maps status, latency and address per shared/vendors §1.10', () => {
    expect(peers.get('100-DEMO')).toMatchObject({ name: '100-DEMO', status: 'registered', latencyMs: 23, address: '203.0.113.10:5060' });
    expect(peers.get('101-DEMO')).toMatchObject({ status: 'unreachable', address: '203.0.113.11:5060' });
    expect(peers.get('101-DEMO')?.latencyMs).toBeUndefined();
    expect(peers.get('108-DEMO')).toMatchObject({ status: 'unregistered' });
    expect(peers.get('108-DEMO')?.address).toBeUndefined();
    expect(peers.get('110-DEMO')).toMatchObject({ status: 'registered', latencyMs: 840 });
    expect(peers.get('115-DEMO')).toMatchObject({ status: 'registered', latencyMs: 900, address: '203.0.113.25:5060' });
    // Unmonitored: registered without qualify, so no latency.
    expect(peers.get('111-DEMO')).toMatchObject({ status: 'registered', address: '203.0.113.21:5060' });
    expect(peers.get('111-DEMO')?.latencyMs).toBeUndefined();
    // `(Unspecified)` wins over whatever Status says; UNKNOWN with no host / port 0 is unregistered too.
    expect(peers.get('112-DEMO')).toMatchObject({ status: 'unregistered' });
    expect(peers.get('113-DEMO')).toMatchObject({ status: 'unregistered' });
    // UNKNOWN at a known address says nothing about registration.
    expect(peers.get('114-DEMO')).toMatchObject({ status: 'unknown' });
  });

  it('stamps source and observedAt and passes the schema', () => {
    for (const peer of peers.values()) {
      expect(peer).toMatchObject({ source: 'mirta-main', observedAt: now.toISOString() });
      expect(ENTITY_SCHEMAS.peers.safeParse(peer).success).toBe(true);
    }
  });

  it('splits admin rows per tenant and drops unmapped tenants', () => {
    const mixed = parsePeers(
      '[{"Name":"100-DEMO/100-DEMO"},{"Name":"200-GLOBEX/200-GLOBEX"},{"Name":"300-OTHER/300-OTHER"},{"Name":"100-XDEMO/100-XDEMO"}]',
    );
    const split = splitByTenant(mixed, peerTenant(['DEMO', 'GLOBEX']), ['DEMO', 'GLOBEX']);
    expect(split.get('DEMO')?.map((r) => r.name)).toEqual(['100-DEMO/100-DEMO']);
    expect(split.get('GLOBEX')?.map((r) => r.name)).toEqual(['200-GLOBEX/200-GLOBEX']);
  });
});

describe('blfs, flows, queues, agents, extensions', () => {
  it('maps BLF device states, extension, since and kind (flows are `FL<number>-<TENANT>`)', () => {
    const blfs = normalizeBlfs(
      [
        { st_extension: '100-DEMO', st_state: 'NOT_INUSE', st_timestamp: '1700000000' },
        { st_extension: '101-DEMO', st_state: 'RINGINUSE', st_timestamp: '' },
        { st_extension: 'FL700-DEMO', st_state: 'INVALID', st_timestamp: 'x' },
        { st_extension: '102-DEMO', st_state: 'WEIRD', st_timestamp: '' },
      ],
      { ...ctx, tenantCode: 'DEMO' },
    );
    expect(blfs.get('100-DEMO')).toMatchObject({ extension: '100', hint: '100-DEMO', state: 'idle', since: '2023-11-14T22:13:20.000Z', kind: 'device' });
    expect(blfs.get('101-DEMO')).toMatchObject({ state: 'ringing', kind: 'device' });
    expect(blfs.get('FL700-DEMO')).toMatchObject({ extension: 'FL700', state: 'unavailable', kind: 'flow' });
    expect(blfs.get('102-DEMO')).toMatchObject({ state: 'unknown', kind: 'device' });
    for (const blf of blfs.values()) expect(ENTITY_SCHEMAS.blfs.safeParse(blf).success).toBe(true);
  });

  it('maps flows, unknown states to UNAVAILABLE', () => {
    const flows = normalizeFlows(
      [
        { fl_number: '700', fl_name: 'Day/Night', fl_value: 'day', st_state: 'NOT_INUSE' },
        { fl_number: '701', fl_value: '', st_state: 'BUSY' },
      ],
      ctx,
    );
    expect(flows.get('700')).toMatchObject({ number: '700', state: 'NOT_INUSE', value: 'day', name: 'Day/Night' });
    expect(flows.get('701')).toMatchObject({ state: 'UNAVAILABLE' });
    expect(ENTITY_SCHEMAS.flows.safeParse(flows.get('700')).success).toBe(true);
  });

  it('maps a queue', () => {
    const queue = normalizeQueue({ id: '281', name: 'Sales' }, { callsinqueue: '2', agentsfree: '1', firstwaiting: '37' }, ctx);
    expect(queue).toMatchObject({ queue: '281', name: 'Sales', waiting: 2, agentsAvailable: 1, longestWaitSec: 37 });
  });

  it('maps agents per the §1.10 slots, keyed queue/agent', () => {
    const rows = parseAgents(
      JSON.stringify({
        '101-DEMO': { '0': 0, '1': 'available', '2': 'NOT_INUSE', '4': '', '5': '3', '6': '1700000000', '7': '', '8': '', '10': '101-DEMO', '11': '101-DEMO' },
        '102-DEMO': { '0': 1, '1': 'paused', '2': 'NOT_INUSE', '4': 'Lunch', '5': '', '6': '' },
        '103-DEMO': { '0': 0, '1': 'busy', '2': 'INUSE', '4': '', '5': '', '6': '' },
        '104-DEMO': { '0': 0, '1': 'unavailable', '2': 'UNAVAILABLE', '4': '', '5': '', '6': '' },
      }),
    );
    const agents = normalizeAgents('281', rows, { ...ctx, tenantCode: 'DEMO' });
    expect(agents.get('281/101-DEMO')).toMatchObject({
      queue: '281',
      agent: '101-DEMO',
      extension: '101',
      status: 'available',
      paused: false,
      callsTaken: 3,
      lastCallAt: '2023-11-14T22:13:20.000Z',
    });
    expect(agents.get('281/101-DEMO')?.pauseReason).toBeUndefined();
    expect(agents.get('281/102-DEMO')).toMatchObject({ status: 'paused', paused: true, pauseReason: 'Lunch', callsTaken: 0 });
    expect(agents.get('281/102-DEMO')?.lastCallAt).toBeUndefined();
    expect(agents.get('281/103-DEMO')).toMatchObject({ status: 'busy', paused: false });
    expect(agents.get('281/104-DEMO')).toMatchObject({ status: 'unavailable' });
    for (const agent of agents.values()) expect(ENTITY_SCHEMAS.agents.safeParse(agent).success).toBe(true);
    const plain = normalizeAgents('281', parseAgents('101-DEMO:paused|102-DEMO:INUSE|'), { ...ctx, tenantCode: 'DEMO' });
    expect(plain.get('281/101-DEMO')).toMatchObject({ paused: true, status: 'paused' });
    expect(plain.get('281/102-DEMO')).toMatchObject({ paused: false, status: 'busy' });
  });

  it('reads agent slots tolerantly: numbers as strings, missing optional slots, paused from slot 0 or slot 1', () => {
    const rows = parseAgents(
      JSON.stringify({
        '101-DEMO': { '0': '1', '1': 'available', '4': 'Break' },
        '102-DEMO': { '0': '0', '1': 'paused' },
        '103-DEMO': { '1': 'available', '5': 7, '6': 1700000000 },
        '104-DEMO': { '0': true, '1': 'busy' },
      }),
    );
    const agents = normalizeAgents('281', rows, { ...ctx, tenantCode: 'DEMO' });
    expect(agents.get('281/101-DEMO')).toMatchObject({ paused: true, status: 'paused', pauseReason: 'Break' });
    expect(agents.get('281/101-DEMO')?.callsTaken).toBeUndefined();
    expect(agents.get('281/102-DEMO')).toMatchObject({ paused: true, status: 'paused' });
    expect(agents.get('281/103-DEMO')).toMatchObject({ paused: false, status: 'available', callsTaken: 7, lastCallAt: '2023-11-14T22:13:20.000Z' });
    expect(agents.get('281/104-DEMO')).toMatchObject({ paused: true, status: 'paused' });
  });

  it('strips extension secrets: raw keeps the allow-list only', () => {
    const rows = parseExtensions(
      JSON.stringify([
        {
          ex_id: '1', ex_number: '100', ex_name: 'Reception', ex_tech: 'SIP', st_state: 'NOT_INUSE', ex_disabled: '0',
          password: 's3cret', ex_webpassword: 'w3b', ex_2fa_seed: 'JBSWY3DP', ex_lockpin: '1234', ex_vmpin: '9876',
          ex_email: 'alice@example.com', ex_callerid: '+33170200258', ex_secret_question: 'dog',
        },
        { ex_id: '2', ex_number: '101', ex_name: 'Alice', ex_tech: 'PJSIP', ex_disabled: '1' },
      ]),
    );
    const extensions = normalizeExtensions(rows, ctx);
    expect(extensions.get('100')).toMatchObject({ number: '100', name: 'Reception', tech: 'SIP', enabled: true });
    expect(extensions.get('101')).toMatchObject({ enabled: false });
    expect(extensions.get('100')?.raw).toEqual({ ex_id: '1', ex_number: '100', ex_name: 'Reception', ex_tech: 'SIP', ex_disabled: '0', st_state: 'NOT_INUSE' });
    expect(JSON.stringify([...extensions.values()])).not.toMatch(/s3cret|w3b|JBSWY3DP|1234|9876|alice@|dog|33170200258/);
  });
});

describe('unchanged rows (the previous entity stands in)', () => {
  const body = (status: string) =>
    JSON.stringify([
      { node: 'pbx21', Name: '100-DEMO/100-DEMO', Host: '203.0.113.10', Port: '5060', Status: 'OK (23 ms)' },
      { node: 'pbx21', Name: '101-DEMO/101-DEMO', Host: '203.0.113.11', Port: '5060', Status: status },
    ]);

  it('returns the very same peer object for an unchanged row and a new one for a changed row', () => {
    const first = normalizePeers(parsePeers(body('OK (5 ms)')), ctx);
    const later = { source: 'mirta-main', now: new Date('2026-11-23T10:15:05.000Z'), previous: first };
    const same = normalizePeers(parsePeers(body('OK (5 ms)')), later);
    expect(same.get('100-DEMO')).toBe(first.get('100-DEMO'));
    expect(same.get('101-DEMO')).toBe(first.get('101-DEMO'));
    const changed = normalizePeers(parsePeers(body('UNREACHABLE')), later);
    expect(changed.get('100-DEMO')).toBe(first.get('100-DEMO'));
    expect(changed.get('101-DEMO')).toMatchObject({ status: 'unreachable', observedAt: '2026-11-23T10:15:05.000Z' });
  });

  it('rebuilds an entity when a field outside the normalized ones changed (raw stays the vendor row)', () => {
    const first = normalizePeers(parsePeers(body('OK (5 ms)')), ctx);
    const edited = JSON.stringify([{ node: 'pbx21', Name: '100-DEMO/100-DEMO', Host: '203.0.113.10', Port: '5060', Status: 'OK (23 ms)', Description: 'lobby' }]);
    const next = normalizePeers(parsePeers(edited), { ...ctx, previous: first });
    expect(next.get('100-DEMO')).not.toBe(first.get('100-DEMO'));
    expect(next.get('100-DEMO')?.raw).toMatchObject({ description: 'lobby' });
  });

  it('never reuses an agent across queues, whose slots can be identical', () => {
    const rows = parseAgents('{"SIP/100-DEMO":{"0":"0","1":"1","2":"not_inuse"}}');
    const tenantCtx = { ...ctx, tenantCode: 'DEMO' };
    const inSales = normalizeAgents('sales', rows, tenantCtx);
    const inSupport = normalizeAgents('support', rows, { ...tenantCtx, previous: inSales });
    expect(inSupport.get('support/SIP/100-DEMO')).toMatchObject({ queue: 'support' });
    expect(inSupport.get('support/SIP/100-DEMO')).not.toBe(inSales.get('sales/SIP/100-DEMO'));
    const again = normalizeAgents('support', rows, { ...tenantCtx, previous: inSupport });
    expect(again.get('support/SIP/100-DEMO')).toBe(inSupport.get('support/SIP/100-DEMO'));
  });
});
