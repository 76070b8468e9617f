import { describe, expect, it } from 'vitest';
import { PollError } from '../../../src/pollers/poll-error.js';
import {
  parseAgents,
  parseBlfs,
  parseChannels,
  parseExtensions,
  parseFlows,
  parsePeers,
  parseQueueInfo,
  parseQueueList,
} from '../../../src/vendors/mirta/parsers.js';
import { parseCommandReply } from '../../../src/vendors/mirta/command-reply.js';

const AUTH = 'Too bad... you mistaken the security api key.\n';

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof PollError ? err.reason : 'not-a-poll-error';
  }
  return undefined;
}

describe('PEERS', () => {
  const json =
    '[{"node":"pbx21","Name":"100-DEMO\\/100-DEMO","Host":"203.0.113.10","Dyn":"D","Forcerport":"Yes","Comedia":"Yes",' +
    '"ACL":"","Port":"5060","Status":"OK (23 ms)","Description":"","Realtime":"Cached RT"},' +
    '{"node":"pbx21","Name":"108-DEMO\\/108-DEMO","Host":"(Unspecified)","Dyn":"D","Forcerport":"Yes","Comedia":"Yes",' +
    '"ACL":"","Port":"0","Status":"UNKNOWN","Description":"","Realtime":"Cached RT"}]';
  const plain =
    'node|Name|Host|Dyn|Forcerport|Comedia|ACL|Port|Status|Description|Realtime|\n' +
    'pbx21|100-DEMO/100-DEMO|203.0.113.10|D|Yes|Yes||5060|OK (23 ms)||Cached RT|\n' +
    'pbx21|108-DEMO/108-DEMO|(Unspecified)|D|Yes|Yes||0|UNKNOWN||Cached RT|\n';

  it('reads JSON and plain into the same rows with lower-case names', () => {
    const fromJson = parsePeers(json);
    expect(fromJson).toHaveLength(2);
    expect(fromJson[0]).toMatchObject({ name: '100-DEMO/100-DEMO', host: '203.0.113.10', port: '5060', status: 'OK (23 ms)' });
    expect(parsePeers(plain)).toEqual(fromJson);
  });

  it('matches field names case-insensitively and drops positional duplicates', () => {
    const rows = parsePeers('[{"0":"pbx21","NODE":"pbx21","1":"x","name":"101-DEMO/101-DEMO","STATUS":"UNREACHABLE"}]');
    expect(rows).toEqual([{ node: 'pbx21', name: '101-DEMO/101-DEMO', status: 'UNREACHABLE' }]);
  });

  it('keeps fields named like Object.prototype members (constructor, toString) as data', () => {
    const rows = parsePeers('[{"name":"103-DEMO/103-DEMO","constructor":"x","toString":"y","Constructor":"z"}]');
    expect(rows).toEqual([{ name: '103-DEMO/103-DEMO', constructor: 'x', tostring: 'y' }]);
    expect(parsePeers('name|constructor|\n104-DEMO/104-DEMO|c|\n')).toEqual([{ name: '104-DEMO/104-DEMO', constructor: 'c' }]);
  });

  it('maps positional-only rows by the documented column order', () => {
    const rows = parsePeers('[{"0":"pbx21","1":"102-DEMO/102-DEMO","2":"1.2.3.4","3":"D","4":"","5":"","6":"","7":"5060","8":"OK (5 ms)"}]');
    expect(rows[0]).toMatchObject({ name: '102-DEMO/102-DEMO', host: '1.2.3.4', status: 'OK (5 ms)' });
  });

  it('treats a single object as a one-row list', () => {
    expect(parsePeers('{"Name":"100-DEMO/100-DEMO","Status":"OK (1 ms)"}')).toHaveLength(1);
  });

  it.each(['', '   \n', ']', 'null', '[]'])('reads %j as no rows', (body) => {
    expect(parsePeers(body)).toEqual([]);
  });

  it('fails with auth, vendor and parse reasons on non-data bodies', () => {
    expect(reasonOf(() => parsePeers(AUTH))).toBe('auth');
    expect(reasonOf(() => parsePeers('Wrong or missing tenant'))).toBe('vendor');
    expect(reasonOf(() => parsePeers('No id specified'))).toBe('vendor');
    expect(reasonOf(() => parsePeers('<br />\n<b>Warning</b>: mysqli_connect(): Connection refused'))).toBe('parse');
    expect(reasonOf(() => parsePeers('{"Name": "100-DEMO'))).toBe('parse');
    expect(reasonOf(() => parsePeers('[1, 2, 3]'))).toBe('parse');
    expect(reasonOf(() => parsePeers('{"Response":"Error","Message":"Permission denied"}'))).toBe('vendor');
  });

  it('never quotes an unknown body in the error message', () => {
    const secret = 'key=abcdef0123456789 <html>';
    try {
      parsePeers(secret);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('abcdef');
    }
  });

  it('ignores a JSONP wrapper as garbage (callbridge never asks for one)', () => {
    expect(reasonOf(() => parsePeers('cb([{"Name":"100-DEMO/100-DEMO"}])'))).toBe('parse');
  });
});

describe('CHANNELS', () => {
  it('reads AMI CamelCase and all-lower-case keys alike', () => {
    const camel = parseChannels('[{"node":"pbx21","Channel":"SIP/100-DEMO-0000002a","ChannelStateDesc":"Up","Duration":"00:01:05"}]');
    const lower = parseChannels('[{"node":"pbx21","channel":"SIP/100-DEMO-0000002a","channelstatedesc":"Up","duration":"00:01:05"}]');
    expect(camel).toEqual(lower);
    expect(camel[0]?.channel).toBe('SIP/100-DEMO-0000002a');
  });

  it('reads the plain table (values with colons stay intact)', () => {
    const rows = parseChannels(
      'node|Channel|ChannelState|ChannelStateDesc|Duration|\npbx21|SIP/100-DEMO-0000002a|6|Up|00:00:07|\n',
    );
    expect(rows).toEqual([{ node: 'pbx21', channel: 'SIP/100-DEMO-0000002a', channelstate: '6', channelstatedesc: 'Up', duration: '00:00:07' }]);
  });

  it('reads positional-only rows in the §1.10 column order', () => {
    const values = ['pbx21', 'SIP/100-DEMO-0000002a', '6', 'Up', '100', 'Reception', '101', 'Alice', 'en', 'DEMO', 'authenticated', '101', '1',
      'pbx21-1.42', 'pbx21-1.42', 'Dial', 'SIP/101-DEMO', '00:00:07', 'b1', ''];
    const [row] = parseChannels(JSON.stringify([Object.fromEntries(values.map((v, i) => [String(i), v]))]));
    expect(row).toMatchObject({ channel: 'SIP/100-DEMO-0000002a', channelstate: '6', language: 'en', accountcode: 'DEMO', exten: '101', linkedid: 'pbx21-1.42', bridgeid: 'b1' });
  });

  it('drops rows without a channel name', () => {
    expect(parseChannels('[{"Channel":""},{"Channel":"SIP/1-DEMO-00000001"}]')).toHaveLength(1);
  });
});

describe('BLFS and FLOWS', () => {
  it('reads BLFS JSON, plain and key:value plain', () => {
    const json = parseBlfs('[{"st_extension":"100-DEMO","st_state":"INUSE","st_timestamp":"1700000000"}]');
    const plain = parseBlfs('st_extension|st_state|st_timestamp|\n100-DEMO|INUSE|1700000000|\n');
    const kv = parseBlfs('0:100-DEMO|st_extension:100-DEMO|1:INUSE|st_state:INUSE|st_timestamp:1700000000|\n');
    expect(plain).toEqual(json);
    expect(kv).toEqual(json);
  });

  it('reads FLOWS rows', () => {
    const rows = parseFlows('[{"fl_id":"1","fl_name":"Day\\/Night","fl_number":"700","fl_value":"day","st_state":"NOT_INUSE"}]');
    expect(rows[0]).toMatchObject({ fl_number: '700', fl_name: 'Day/Night', st_state: 'NOT_INUSE' });
  });
});

describe('INFO queues / queue / agents', () => {
  it('reads the queue list in JSON and plain (labels with commas)', () => {
    expect(parseQueueList('{"281":"Sales","282":"Support, Level 1"}')).toEqual([
      { id: '281', name: 'Sales' },
      { id: '282', name: 'Support, Level 1' },
    ]);
    expect(parseQueueList('281: Sales|282: Support, Level 1|')).toEqual([
      { id: '281', name: 'Sales' },
      { id: '282', name: 'Support, Level 1' },
    ]);
    expect(parseQueueList('')).toEqual([]);
  });

  it('reads one queue in JSON (object or one-element array) and plain', () => {
    const json = parseQueueInfo('{"AGENTSFREE":"2","CALLSINQUEUE":"1","FIRSTWAITING":"14"}');
    expect(json).toEqual({ agentsfree: '2', callsinqueue: '1', firstwaiting: '14' });
    expect(parseQueueInfo('[{"AGENTSFREE":"2","CALLSINQUEUE":"1","FIRSTWAITING":"14"}]')).toEqual(json);
    expect(parseQueueInfo('AGENTSFREE:2|CALLSINQUEUE:1|FIRSTWAITING:14|')).toEqual(json);
    expect(parseQueueInfo('')).toBeUndefined();
  });

  it('reads agents: sparse positional JSON (§1.10 slots, number slot 0), plain, and null for an unknown queue', () => {
    const rows = parseAgents(
      '{"101-DEMO":{"0":1,"1":"paused","2":"NOT_INUSE","4":"Lunch","5":"3","6":"1700000000","7":"","8":"","10":"101-DEMO","11":"101-DEMO"}}',
    );
    expect(rows).toEqual([
      { agent: '101-DEMO', slots: { '0': '1', '1': 'paused', '2': 'NOT_INUSE', '4': 'Lunch', '5': '3', '6': '1700000000', '7': '', '8': '', '10': '101-DEMO', '11': '101-DEMO' } },
    ]);
    // Numbers as strings or as numbers, and missing optional slots, read the same.
    expect(parseAgents('{"102-DEMO":{"0":"0","1":"available","5":4}}')).toEqual([{ agent: '102-DEMO', slots: { '0': '0', '1': 'available', '5': '4' } }]);
    expect(parseAgents('101-DEMO:available|102-DEMO:paused|')).toEqual([
      { agent: '101-DEMO', slots: { '1': 'available' } },
      { agent: '102-DEMO', slots: { '1': 'paused' } },
    ]);
    expect(parseAgents('null')).toEqual([]);
    expect(reasonOf(() => parseAgents(AUTH))).toBe('auth');
  });
});

describe('INFO extensions', () => {
  it('drops secrets at parse time in both formats', () => {
    const json = parseExtensions(
      '[{"ex_id":"1","ex_number":"100","ex_name":"Reception","ex_tech":"SIP","password":"s3cret","ex_webpassword":"w3b",' +
        '"ex_2fa_secret":"JBSWY3DP","ex_lockpin":"1234","ex_email":"a@b.c","ex_disabled":"0"}]',
    );
    expect(json).toEqual([{ ex_id: '1', ex_number: '100', ex_name: 'Reception', ex_tech: 'SIP', ex_disabled: '0' }]);
    const plain = parseExtensions('Number|Name|Tech|State|Username|Password|\n100|Reception|SIP|NOT_INUSE|100-DEMO|s3cret|\n');
    expect(plain).toEqual([{ number: '100', name: 'Reception', tech: 'SIP', state: 'NOT_INUSE', username: '100-DEMO' }]);
    expect(JSON.stringify([json, plain])).not.toMatch(/s3cret|w3b|JBSWY3DP|1234|a@b\.c/);
  });
});

describe('command replies', () => {
  it('reads DIAL in plain and JSON', () => {
    expect(parseCommandReply('Success|Originate successfully queued|15a4cfe6429054|')).toEqual({
      kind: 'success',
      message: 'Originate successfully queued',
      id: '15a4cfe6429054',
    });
    expect(parseCommandReply('{"Response":"Success","Message":"Originate successfully queued","ID":"15c5ec7352f0d7"}')).toEqual({
      kind: 'success',
      message: 'Originate successfully queued',
      id: '15c5ec7352f0d7',
    });
  });

  it('reads refusals, auth text, empty and other text', () => {
    expect(parseCommandReply('{"Response":"Error","Message":"Extension does not exist.","ID":"x"}')).toEqual({
      kind: 'error',
      message: 'Extension does not exist.',
    });
    expect(parseCommandReply('Error|No such channel|')).toEqual({ kind: 'error', message: 'No such channel' });
    expect(parseCommandReply('Success|Channel Hungup|')).toEqual({ kind: 'success', message: 'Channel Hungup' });
    expect(parseCommandReply(AUTH)).toEqual({ kind: 'auth' });
    expect(parseCommandReply('')).toEqual({ kind: 'empty' });
    expect(parseCommandReply('No extension specified')).toEqual({ kind: 'other', message: 'No extension specified' });
    expect(parseCommandReply('<html><body>oops</body></html>')).toEqual({ kind: 'other', message: 'unexpected answer' });
    expect(parseCommandReply('{broken')).toEqual({ kind: 'other', message: 'unparseable answer' });
  });
});
