import { describe, expect, it } from 'vitest';
import { ENTITY_SCHEMAS } from '../../../src/protocol/entities.js';
import {
  channelPeer,
  channelState,
  channelTenant,
  durationSeconds,
  normalizeAgents,
  normalizeBlfs,
  normalizeChannels,
  normalizeExtensions,
  normalizeFlows,
  normalizePeers,
  normalizeQueue,
  peerTenant,
  splitByTenant,
} from '../../../src/vendors/mirta/normalizer.js';
import { parseAgents, parseChannels, parseExtensions, parsePeers } from '../../../src/vendors/mirta/parsers.js';

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
      'pbx21|112-DEMO/112-DEMO|(Unspecified)|D|Yes|Yes||0|OK (3 ms)||Cached RT|\n',
  );
  const peers = normalizePeers(rows, ctx);

  it('maps status, latency and address per the doc', () => {
    expect(peers.get('100-DEMO')).toMatchObject({ name: '100-DEMO', status: 'registered', latencyMs: 23, address: '203.0.113.10:5060' });
    expect(peers.get('101-DEMO')).toMatchObject({ status: 'unreachable', address: '203.0.113.11:5060' });
    expect(peers.get('101-DEMO')?.latencyMs).toBeUndefined();
    expect(peers.get('108-DEMO')).toMatchObject({ status: 'unregistered' });
    expect(peers.get('108-DEMO')?.address).toBeUndefined();
    expect(peers.get('110-DEMO')).toMatchObject({ status: 'registered', latencyMs: 840 });
    expect(peers.get('111-DEMO')).toMatchObject({ status: 'unknown' });
    // `(Unspecified)` wins over whatever Status says.
    expect(peers.get('112-DEMO')).toMatchObject({ status: 'unregistered' });
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

describe('channels', () => {
  const row = (fields: Record<string, string>) => parseChannels(JSON.stringify([{ node: 'pbx21', ...fields }]))[0]!;

  it('maps states by description, then by number, and hold markers', () => {
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Ring' }))).toBe('ringing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Ringing' }))).toBe('ringing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Dialing' }))).toBe('dialing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'OffHook' }))).toBe('dialing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Up' }))).toBe('up');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Busy' }))).toBe('up');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Rsrvd' }))).toBe('down');
    expect(channelState(row({ Channel: 'x', ChannelState: '5' }))).toBe('ringing');
    expect(channelState(row({ Channel: 'x', ChannelState: '6', Application: 'Hold' }))).toBe('held');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Up', ApplicationData: 'hold' }))).toBe('held');
  });

  it('reads peers from channel names and durations', () => {
    expect(channelPeer('SIP/100-DEMO-0000002a')).toBe('100-DEMO');
    expect(channelPeer('PJSIP/trunk-DEMO-000000ff')).toBe('trunk-DEMO');
    expect(channelPeer('Local/100@from-internal-0000;1')).toBeUndefined();
    expect(durationSeconds('00:01:05')).toBe(65);
    expect(durationSeconds('42')).toBe(42);
    expect(durationSeconds('garbage')).toBe(0);
  });

  it('fills caller/callee/peer/linkedKey/direction and keeps startedAt/answeredAt from the previous entity', () => {
    const ringing = row({
      Channel: 'SIP/100-DEMO-0000002a',
      Context: 'authenticated',
      Exten: '33170200258',
      ChannelStateDesc: 'Ring',
      CallerIDNum: '100',
      CallerIDName: 'Reception',
      ConnectedLineNum: '',
      Duration: '00:00:05',
      AccountCode: 'DEMO',
    });
    const first = normalizeChannels([ringing], new Map(), { ...ctx, tenantCodes: ['DEMO'] });
    const channel = first.get('SIP/100-DEMO-0000002a')!;
    expect(channel).toMatchObject({
      channel: 'SIP/100-DEMO-0000002a',
      state: 'ringing',
      peer: '100-DEMO',
      callerNumber: '100',
      callerName: 'Reception',
      calleeNumber: '33170200258',
      direction: 'outbound',
      startedAt: '2026-11-23T10:14:55.000Z',
    });
    expect(channel.answeredAt).toBeUndefined();
    expect(ENTITY_SCHEMAS.channels.safeParse(channel).success).toBe(true);

    const later = new Date(now.getTime() + 3_400);
    const up = { ...ringing, channelstatedesc: 'Up', duration: '00:00:09', bridgedchannel: 'SIP/trunk-DEMO-0000002b' };
    const second = normalizeChannels([up], first, { source: 'mirta-main', now: later, tenantCodes: ['DEMO'] });
    const answered = second.get('SIP/100-DEMO-0000002a')!;
    expect(answered.startedAt).toBe(channel.startedAt);
    expect(answered.answeredAt).toBe(later.toISOString());
    expect(answered.linkedKey).toBe('SIP/trunk-DEMO-0000002b');

    const third = normalizeChannels([up], second, { source: 'mirta-main', now: new Date(later.getTime() + 1000), tenantCodes: ['DEMO'] });
    expect(third.get('SIP/100-DEMO-0000002a')?.answeredAt).toBe(later.toISOString());
  });

  it('calls trunk contexts inbound and short extens internal', () => {
    const inbound = normalizeChannels([row({ Channel: 'SIP/trunk-DEMO-00000001', Context: 'from-trunk', Exten: '600' })], new Map(), {
      ...ctx,
      tenantCodes: ['DEMO'],
    });
    expect(inbound.get('SIP/trunk-DEMO-00000001')?.direction).toBe('inbound');
    const internal = normalizeChannels([row({ Channel: 'SIP/100-DEMO-00000002', Context: 'authenticated', Exten: '101' })], new Map(), {
      ...ctx,
      tenantCodes: ['DEMO'],
    });
    expect(internal.get('SIP/100-DEMO-00000002')?.direction).toBe('internal');
  });

  it('splits admin rows by the peer tenant code, then AccountCode', () => {
    const rows = parseChannels(
      JSON.stringify([
        { Channel: 'SIP/100-DEMO-00000001' },
        { Channel: 'SIP/200-GLOBEX-00000002' },
        { Channel: 'Local/100@ctx-0000;1', AccountCode: 'GLOBEX' },
        { Channel: 'SIP/9-OTHER-00000003', AccountCode: 'OTHER' },
      ]),
    );
    const split = splitByTenant(rows, channelTenant(['DEMO', 'GLOBEX']), ['DEMO', 'GLOBEX']);
    expect(split.get('DEMO')).toHaveLength(1);
    expect(split.get('GLOBEX')).toHaveLength(2);
  });
});

describe('blfs, flows, queues, agents, extensions', () => {
  it('maps BLF device states, extension and since', () => {
    const blfs = normalizeBlfs(
      [
        { st_extension: '100-DEMO', st_state: 'NOT_INUSE', st_timestamp: '1700000000' },
        { st_extension: '101-DEMO', st_state: 'RINGINUSE', st_timestamp: '' },
        { st_extension: 'FL700-DEMO', st_state: 'INVALID', st_timestamp: 'x' },
        { st_extension: '102-DEMO', st_state: 'WEIRD', st_timestamp: '' },
      ],
      { ...ctx, tenantCode: 'DEMO' },
    );
    expect(blfs.get('100-DEMO')).toMatchObject({ extension: '100', hint: '100-DEMO', state: 'idle', since: '2023-11-14T22:13:20.000Z' });
    expect(blfs.get('101-DEMO')?.state).toBe('ringing');
    expect(blfs.get('FL700-DEMO')).toMatchObject({ extension: 'FL700', state: 'unavailable' });
    expect(blfs.get('102-DEMO')?.state).toBe('unknown');
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

  it('maps agents per the slot table, keyed queue/agent', () => {
    const rows = parseAgents(
      JSON.stringify({
        '101-DEMO': { '0': 3, '1': 'available', '2': 'NOT_INUSE', '4': '', '5': '1700000000', '6': '', '10': '101-DEMO', '11': '101-DEMO' },
        '102-DEMO': { '0': 0, '1': 'paused', '2': 'NOT_INUSE', '4': 'Lunch', '5': '', '6': '1' },
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
    expect(agents.get('281/102-DEMO')).toMatchObject({ status: 'paused', paused: true, pauseReason: 'Lunch' });
    expect(agents.get('281/103-DEMO')).toMatchObject({ status: 'busy', paused: false });
    expect(agents.get('281/104-DEMO')).toMatchObject({ status: 'unavailable' });
    for (const agent of agents.values()) expect(ENTITY_SCHEMAS.agents.safeParse(agent).success).toBe(true);
    const plain = normalizeAgents('281', parseAgents('101-DEMO:paused|102-DEMO:INUSE|'), { ...ctx, tenantCode: 'DEMO' });
    expect(plain.get('281/101-DEMO')).toMatchObject({ paused: true, status: 'paused' });
    expect(plain.get('281/102-DEMO')).toMatchObject({ paused: false, status: 'busy' });
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
