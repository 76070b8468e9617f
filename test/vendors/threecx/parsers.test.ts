/** Frame and entity-path parsing: what is followed, what is ignored and why; never a throw. */
import { describe, expect, it } from 'vitest';
import { channelKey, parseEntityPath, splitChannelKey } from '../../../src/vendors/threecx/entity-path.js';
import { CallControlResultSchema, DnListSchema, parseFrame } from '../../../src/vendors/threecx/parsers.js';
import { callControlWsUrl } from '../../../src/vendors/threecx/config.js';

describe('parseFrame', () => {
  it('reads Upsert and Remove notifications', () => {
    expect(parseFrame(JSON.stringify({ sequence: 12, event: { event_type: 0, entity: '/callcontrol/100/participants/7', attached_data: null } }))).toEqual({
      kind: 'notification',
      type: 'upsert',
      entity: '/callcontrol/100/participants/7',
      sequence: 12,
    });
    expect(parseFrame(JSON.stringify({ event: { event_type: 1, entity: '/callcontrol/100' } }))).toMatchObject({ kind: 'notification', type: 'remove' });
  });

  it('ignores what it does not follow, with a reason', () => {
    const reason = (text: string) => {
      const frame = parseFrame(text);
      return frame.kind === 'ignored' ? frame.reason : frame.kind;
    };
    expect(reason('{')).toBe('garbage');
    expect(reason('null')).toBe('garbage');
    expect(reason(JSON.stringify({ event: { event_type: '0', entity: '/callcontrol/1' } }))).toBe('garbage');
    expect(reason(JSON.stringify({ event: { event_type: 2, entity: '/callcontrol/800/participants/1', attached_data: '12#' } }))).toBe('unused_event');
    expect(reason(JSON.stringify({ event: { event_type: 3, entity: '/callcontrol/800/participants/1' } }))).toBe('unused_event');
    expect(reason(JSON.stringify({ event: { event_type: 4, entity: '/callcontrol/800' } }))).toBe('response');
    expect(reason(JSON.stringify({ event: { event_type: 77, entity: '/callcontrol/800' } }))).toBe('unknown_event');
    expect(reason(JSON.stringify({ request_id: 'a', status_code: 200 }))).toBe('response');
  });
});

describe('parseEntityPath', () => {
  it('names DNs, devices and participants, decoding segments', () => {
    expect(parseEntityPath('/callcontrol/100')).toEqual({ kind: 'dn', dn: '100' });
    expect(parseEntityPath('/callcontrol/100/participants')).toEqual({ kind: 'participants', dn: '100' });
    expect(parseEntityPath('/callcontrol/100/participants/7')).toEqual({ kind: 'participant', dn: '100', id: '7' });
    expect(parseEntityPath('/callcontrol/100/devices/sip%3A100%40192.0.2.10%3A5062')).toEqual({ kind: 'device', dn: '100', deviceId: 'sip:100@192.0.2.10:5062' });
    expect(parseEntityPath('/pbx/callcontrol/100/devices')).toEqual({ kind: 'devices', dn: '100' });
  });

  it('refuses anything else', () => {
    for (const path of ['/callcontrol', '/callcontrol/ws', '/other/100', '/callcontrol/100/participants/x', '/callcontrol/100/stream', '/callcontrol/100/participants/7/stream', '/callcontrol/%E0%A4%A']) {
      expect(parseEntityPath(path)).toBeUndefined();
    }
  });

  it('channel keys carry the DN and the participant id', () => {
    expect(channelKey('100', 7)).toBe('100/7');
    expect(splitChannelKey('100/7')).toEqual({ dn: '100', id: '7' });
    expect(splitChannelKey('7')).toBeUndefined();
    expect(splitChannelKey('SIP/1001-0000002a')).toBeUndefined();
  });
});

describe('bodies', () => {
  it('a snapshot with a participant lacking its id is refused whole; odd descriptive fields are dropped', () => {
    expect(DnListSchema.safeParse([{ dn: '100', participants: [{ status: 'Connected' }] }]).success).toBe(false);
    const parsed = DnListSchema.parse([{ dn: '100', type: null, devices: null, participants: [{ id: '7', status: 42, callid: 'x', party_dn: null }] }]);
    expect(parsed).toEqual([{ dn: '100', type: undefined, devices: [], participants: [expect.objectContaining({ id: 7, status: undefined, callid: undefined, party_dn: undefined })] }]);
  });

  it('finalstatus in both spellings', () => {
    expect(CallControlResultSchema.parse({ finalstatus: 1 }).finalstatus).toBe('Success');
    expect(CallControlResultSchema.parse({ finalstatus: -1 }).finalstatus).toBe('Failed');
    expect(CallControlResultSchema.parse({ finalstatus: 'rejected' }).finalstatus).toBe('Rejected');
    expect(CallControlResultSchema.parse({ finalstatus: 'Weird' }).finalstatus).toBe('Unknown');
  });

  it('derives the websocket URL from the PBX URL', () => {
    expect(callControlWsUrl('https://pbx.example.com')).toBe('wss://pbx.example.com/callcontrol/ws');
    expect(callControlWsUrl('http://127.0.0.1:5000/pbx/')).toBe('ws://127.0.0.1:5000/pbx/callcontrol/ws');
  });
});
