import { describe, expect, it } from 'vitest';
import { ENTITY_SCHEMAS, type Channel } from '../../../src/protocol/entities.js';
import { channelPeer, channelState, channelTenant, durationSeconds, normalizeChannels, splitByTenant } from '../../../src/vendors/mirta/normalizer.js';
import { parseChannels } from '../../../src/vendors/mirta/parsers.js';

const now = new Date('2026-11-23T10:15:00.000Z');
const ctx = { source: 'mirta-main', now, tenantCodes: ['DEMO', 'GLOBEX'] };
type Fields = Record<string, string>;

const row = (fields: Fields) => parseChannels(JSON.stringify([{ node: 'pbx21', ...fields }]))[0]!;
const normalize = (rows: Fields[], previous: ReadonlyMap<string, unknown> = new Map()) =>
  normalizeChannels(parseChannels(JSON.stringify(rows)), previous, ctx);

/** One leg as the §1.10 contract has it (AMI key case), defaults for the uninteresting fields. */
function leg(fields: Fields): Fields {
  return {
    node: 'pbx21', ChannelState: '6', ChannelStateDesc: 'Up', CallerIDName: '', ConnectedLineName: '', Language: 'en',
    AccountCode: 'DEMO', Context: 'authenticated', Priority: '1', Application: 'Dial', ApplicationData: '', Duration: '00:00:10',
    BridgeId: '', ...fields,
  };
}

describe('channel states and names', () => {
  it('maps the numeric ChannelState first (0 Down, 3 Dialing, 4 Ring, 5 Ringing, 6 Up, 7 Busy), then the description', () => {
    expect(channelState(row({ Channel: 'x', ChannelState: '0' }))).toBe('down');
    expect(channelState(row({ Channel: 'x', ChannelState: '3' }))).toBe('dialing');
    expect(channelState(row({ Channel: 'x', ChannelState: '4' }))).toBe('ringing');
    expect(channelState(row({ Channel: 'x', ChannelState: '5' }))).toBe('ringing');
    expect(channelState(row({ Channel: 'x', ChannelState: '6' }))).toBe('up');
    expect(channelState(row({ Channel: 'x', ChannelState: '7' }))).toBe('up');
    // A number as a JSON number, a state sent as text, and the description alone.
    expect(parseChannels('[{"Channel":"x","ChannelState":5}]').map(channelState)).toEqual(['ringing']);
    expect(channelState(row({ Channel: 'x', ChannelState: 'Ringing' }))).toBe('ringing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Dialing' }))).toBe('dialing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'OffHook' }))).toBe('dialing');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Rsrvd' }))).toBe('down');
    expect(channelState(row({ Channel: 'x', ChannelStateDesc: 'Weird' }))).toBe('down');
    expect(channelState(row({ Channel: 'x', ChannelState: '6', Application: 'Hold' }))).toBe('held');
    expect(channelState(row({ Channel: 'x', ChannelState: '6', ChannelStateDesc: 'Up', ApplicationData: 'hold' }))).toBe('held');
  });

  it('reads peers from channel names and durations', () => {
    expect(channelPeer('SIP/100-DEMO-0000002a')).toBe('100-DEMO');
    expect(channelPeer('PJSIP/trunk-DEMO-000000ff')).toBe('trunk-DEMO');
    expect(channelPeer('Local/100@from-internal-0000;1')).toBeUndefined();
    expect(durationSeconds('00:01:05')).toBe(65);
    expect(durationSeconds('42')).toBe(42);
    expect(durationSeconds('garbage')).toBe(0);
  });

  it('splits admin rows by the peer tenant code, then AccountCode (the tenant code)', () => {
    const rows = parseChannels(
      JSON.stringify([
        { Channel: 'SIP/100-DEMO-00000001', AccountCode: 'DEMO' },
        { Channel: 'SIP/200-GLOBEX-00000002', AccountCode: 'GLOBEX' },
        { Channel: 'SIP/provider-00000005', AccountCode: 'globex' },
        { Channel: 'Local/100@ctx-0000;1', AccountCode: 'GLOBEX' },
        { Channel: 'SIP/9-OTHER-00000003', AccountCode: 'OTHER' },
      ]),
    );
    const split = splitByTenant(rows, channelTenant(['DEMO', 'GLOBEX']), ['DEMO', 'GLOBEX']);
    expect(split.get('DEMO')).toHaveLength(1);
    expect(split.get('GLOBEX')).toHaveLength(3);
  });
});

describe('channel entities', () => {
  it('keeps startedAt from the first sighting and answeredAt from the first poll seen up', () => {
    const ringing = leg({
      Channel: 'SIP/100-DEMO-0000002a', ChannelState: '4', ChannelStateDesc: 'Ring', CallerIDNum: '100', CallerIDName: 'Reception',
      ConnectedLineNum: '', Exten: '33170200258', Duration: '00:00:05', Uniqueid: 'pbx21-1.42', Linkedid: 'pbx21-1.42',
    });
    const first = normalize([ringing]);
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
      uniqueId: 'pbx21-1.42',
      linkedId: 'pbx21-1.42',
      node: 'pbx21',
    });
    expect(channel.answeredAt).toBeUndefined();
    expect(ENTITY_SCHEMAS.channels.safeParse(channel).success).toBe(true);

    const later = new Date(now.getTime() + 3_400);
    const up = { ...ringing, ChannelState: '6', ChannelStateDesc: 'Up', Duration: '00:00:09', BridgedChannel: 'SIP/trunk-DEMO-0000002b' };
    const second = normalizeChannels(parseChannels(JSON.stringify([up])), first, { ...ctx, now: later });
    const answered = second.get('SIP/100-DEMO-0000002a')!;
    expect(answered.startedAt).toBe(channel.startedAt);
    expect(answered.answeredAt).toBe(later.toISOString());
    expect(answered.linkedKey).toBe('SIP/trunk-DEMO-0000002b');
    const third = normalizeChannels(parseChannels(JSON.stringify([up])), second, { ...ctx, now: new Date(later.getTime() + 1000) });
    expect(third.get('SIP/100-DEMO-0000002a')?.answeredAt).toBe(later.toISOString());
  });

  it('pairs bridged legs by BridgeId when BridgedChannel is not sent', () => {
    const channels = normalize([
      leg({ Channel: 'SIP/100-DEMO-00000001', BridgeId: 'b-1', Uniqueid: 'u1', Linkedid: 'u1' }),
      leg({ Channel: 'SIP/101-DEMO-00000002', BridgeId: 'b-1', Uniqueid: 'u2', Linkedid: 'u1' }),
      leg({ Channel: 'SIP/102-DEMO-00000003', BridgeId: '', Uniqueid: 'u3', Linkedid: 'u3' }),
    ]);
    expect(channels.get('SIP/100-DEMO-00000001')?.linkedKey).toBe('SIP/101-DEMO-00000002');
    expect(channels.get('SIP/101-DEMO-00000002')?.linkedKey).toBe('SIP/100-DEMO-00000001');
    expect(channels.get('SIP/102-DEMO-00000003')?.linkedKey).toBeUndefined();
  });
});

describe('direction and parties per call, not per leg', () => {
  // One tenant's CHANNELS answer with three calls, legs interleaved as a poll may return them.
  const inboundTrunk = leg({
    Channel: 'SIP/trunk-DEMO-0000002a', CallerIDNum: '+33612345678', CallerIDName: 'Jean Dupont', ConnectedLineNum: '102',
    ConnectedLineName: 'Bruno Keller', Context: 'from-trunk', Exten: '102', Uniqueid: 'pbx21-1700000000.42', Linkedid: 'pbx21-1700000000.42',
    BridgeId: 'b-in', Duration: '00:01:00',
  });
  const inboundCallee = leg({
    Channel: 'SIP/102-DEMO-0000002b', CallerIDNum: '102', CallerIDName: 'Bruno Keller', ConnectedLineNum: '+33612345678',
    ConnectedLineName: 'Jean Dupont', Exten: '102', Application: 'AppDial', ApplicationData: '(Outgoing Line)',
    Uniqueid: 'pbx21-1700000000.43', Linkedid: 'pbx21-1700000000.42', BridgeId: 'b-in', Duration: '00:00:58',
  });
  const outboundCaller = leg({
    Channel: 'SIP/101-DEMO-0000002c', ChannelState: '4', ChannelStateDesc: 'Ring', CallerIDNum: '101', CallerIDName: 'Alice Martin',
    ConnectedLineNum: '0612345678', Exten: '0612345678', ApplicationData: 'SIP/trunk-DEMO/0612345678,30',
    Uniqueid: 'pbx21-1700000000.44', Linkedid: 'pbx21-1700000000.44',
  });
  const outboundTrunk = leg({
    // A chan_sip trunk peer's own context may read `from-trunk` even on the outgoing leg.
    Channel: 'SIP/trunk-DEMO-0000002d', ChannelState: '5', ChannelStateDesc: 'Ringing', CallerIDNum: '0612345678',
    ConnectedLineNum: '101', ConnectedLineName: 'Alice Martin', Context: 'from-trunk', Exten: '0612345678', Application: 'AppDial',
    Uniqueid: 'pbx21-1700000000.45', Linkedid: 'pbx21-1700000000.44',
  });
  const internalCaller = leg({
    Channel: 'SIP/100-DEMO-0000002e', CallerIDNum: '100', CallerIDName: 'Reception', ConnectedLineNum: '103',
    ConnectedLineName: 'Chloé Dubois', Exten: '103', Uniqueid: 'pbx21-1700000000.46', Linkedid: 'pbx21-1700000000.46', BridgeId: 'b-int',
  });
  const internalCallee = leg({
    Channel: 'PJSIP/103-DEMO-0000002f', CallerIDNum: '103', CallerIDName: 'Chloé Dubois', ConnectedLineNum: '100',
    ConnectedLineName: 'Reception', Exten: '103', Application: 'AppDial', Uniqueid: 'pbx21-1700000000.47', Linkedid: 'pbx21-1700000000.46',
    BridgeId: 'b-int',
  });
  const rows = [inboundTrunk, outboundCaller, inboundCallee, internalCaller, outboundTrunk, internalCallee];

  function check(channels: Map<string, Channel>, legs: Fields[], expected: Partial<Channel>): void {
    for (const fields of legs) {
      const channel = channels.get(fields.Channel ?? '');
      expect(channel, fields.Channel).toMatchObject(expected);
      expect(ENTITY_SCHEMAS.channels.safeParse(channel).success).toBe(true);
    }
  }

  it('an inbound call: both legs inbound, the outside caller as caller, the dialled extension as callee', () => {
    const channels = normalize(rows);
    check(channels, [inboundTrunk, inboundCallee], { direction: 'inbound', callerNumber: '+33612345678', callerName: 'Jean Dupont', calleeNumber: '102' });
    // The callee's own leg: a wallboard cell for 102 shows the outside party, not 102 itself.
    expect(channels.get('SIP/102-DEMO-0000002b')).toMatchObject({ peer: '102-DEMO', linkedKey: 'SIP/trunk-DEMO-0000002a' });
  });

  it('an outbound call: both legs outbound, the extension as caller, the external number as callee', () => {
    const channels = normalize(rows);
    check(channels, [outboundCaller, outboundTrunk], { direction: 'outbound', callerNumber: '101', callerName: 'Alice Martin', calleeNumber: '0612345678' });
    expect(channels.get('SIP/trunk-DEMO-0000002d')).toMatchObject({ state: 'ringing', peer: 'trunk-DEMO' });
  });

  it('an internal call: both legs internal, caller and callee the same on each leg', () => {
    const channels = normalize(rows);
    check(channels, [internalCaller, internalCallee], { direction: 'internal', callerNumber: '100', callerName: 'Reception', calleeNumber: '103' });
  });

  it('reads all-lower-case keys the same way', () => {
    const lower = rows.map((fields) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v])));
    const strip = (map: Map<string, Channel>) => [...map.values()].map(({ raw: _raw, ...rest }) => rest);
    expect(strip(normalize(lower))).toEqual(strip(normalize(rows)));
  });

  it('a click-to-call first leg (the source phone shown the destination) names the phone as caller', () => {
    const channels = normalize([
      leg({
        Channel: 'SIP/101-DEMO-00000030', ChannelState: '5', ChannelStateDesc: 'Ringing', CallerIDNum: '0612345678', CallerIDName: '0612345678',
        ConnectedLineNum: '0612345678', Exten: '0612345678', Application: '', Uniqueid: 'u30', Linkedid: 'u30',
      }),
    ]);
    const channel = channels.get('SIP/101-DEMO-00000030');
    expect(channel).toMatchObject({ direction: 'outbound', callerNumber: '101', calleeNumber: '0612345678' });
    expect(channel?.callerName).toBeUndefined();
  });

  it('without Linkedid each leg is its own call: a trunk context is inbound, a short exten internal', () => {
    const channels = normalize([
      { Channel: 'SIP/trunk-DEMO-00000001', Context: 'from-trunk', Exten: '600', CallerIDNum: '0612345678' },
      { Channel: 'SIP/100-DEMO-00000002', Context: 'authenticated', Exten: '101', CallerIDNum: '100' },
    ]);
    expect(channels.get('SIP/trunk-DEMO-00000001')).toMatchObject({ direction: 'inbound', callerNumber: '0612345678', calleeNumber: '600' });
    expect(channels.get('SIP/100-DEMO-00000002')).toMatchObject({ direction: 'internal', callerNumber: '100', calleeNumber: '101' });
  });

  it('without a leg whose Uniqueid is the Linkedid, the oldest leg originates the call', () => {
    const channels = normalize([
      leg({ Channel: 'SIP/104-DEMO-00000040', CallerIDNum: '104', ConnectedLineNum: '+41441234567', Exten: '104', Uniqueid: 'u41', Linkedid: 'gone', Duration: '00:00:20' }),
      leg({ Channel: 'SIP/trunk-DEMO-00000041', CallerIDNum: '+41441234567', ConnectedLineNum: '104', Context: 'from-trunk', Exten: '600', Uniqueid: 'u40', Linkedid: 'gone', Duration: '00:02:00' }),
    ]);
    expect(channels.get('SIP/104-DEMO-00000040')).toMatchObject({ direction: 'inbound', callerNumber: '+41441234567', calleeNumber: '104' });
  });
});
