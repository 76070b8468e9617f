/** PBXware bodies -> validated data -> entities: the shapes of seed 000 and vendors README §4. */
import { describe, expect, it } from 'vitest';
import {
  KEY_REFUSED_MESSAGE,
  pbxDateTime,
  pbxwareErrorFromBody,
  pbxwareNormalizer as n,
  pbxwareParsers as p,
  tenantInfos,
  vendorErrorText,
  wallClockToEpoch,
  isNoRecordsError,
  cdrTimeToEpoch,
} from '../../../src/vendors/pbxware/index.js';

const base = { source: 'pbx', observedAt: '2026-06-01T10:00:00.000Z' };

describe('PBXware error bodies', () => {
  it('an `error` key is a refusal whatever the status; only key refusals are auth', () => {
    expect(vendorErrorText({ error: 'Invalid API key.' })).toBe('Invalid API key.');
    expect(vendorErrorText({ success: 'Success.' })).toBeUndefined();
    expect(vendorErrorText([])).toBeUndefined();
    expect(pbxwareErrorFromBody('Invalid API key.', 'pbxware.ext.list')).toMatchObject({ reason: 'auth', message: KEY_REFUSED_MESSAGE });
    expect(pbxwareErrorFromBody('API key is not allowed to use this action.', 'pbxware.tenant.list').reason).toBe('auth');
    expect(pbxwareErrorFromBody('Extension is already reserved.', 'pbxware.ext.list')).toMatchObject({
      reason: 'vendor',
      message: 'PBXware refused pbxware.ext.list: Extension is already reserved.',
    });
    expect(pbxwareErrorFromBody('bad query apikey=[redacted]', 'pbxware.ext.list').reason).toBe('vendor');
    expect(isNoRecordsError(pbxwareErrorFromBody('No records found.', 'pbxware.cdr.download'))).toBe(true);
    expect(isNoRecordsError(pbxwareErrorFromBody('Database error.', 'pbxware.cdr.download'))).toBe(false);
  });
});

describe('PBXware list parsers', () => {
  it('tenant.list: keyed by server id; `[]` is empty; anything else is a parse failure', () => {
    const tenants = p.parseTenantList({ '7': { name: 't1.dot.com', tenantcode: '344', package_id: '1', package: 'Package 1', ext_length: 3, country_id: '869', country_code: '1' } });
    expect(tenants.get('7')).toMatchObject({ name: 't1.dot.com', tenantcode: '344', ext_length: '3' });
    expect(p.parseTenantList([]).size).toBe(0);
    expect(() => p.parseTenantList({ acme: { name: 'x' } })).toThrow(expect.objectContaining({ reason: 'parse' }));
    expect(() => p.parseTenantList('<b>Warning</b>')).toThrow(expect.objectContaining({ reason: 'parse' }));
  });

  it('ext.list -> extensions keyed by number; status is the admin flag; raw is an allow-list', () => {
    const rows = p.parseExtList({
      '1': { name: 'User 530', email: 'u530@example.com', protocol: 'sip', ext: '530', location: 'local', ua_id: '50', status: 'enabled', department: '4,6' },
      '2': { name: '', protocol: 'pjsip', ext: 531, status: 'disabled' },
    });
    const exts = n.extensionsFromList(rows, base);
    expect(exts.get('530')).toMatchObject({ ...base, number: '530', name: 'User 530', tech: 'sip', enabled: true, extensionId: '1' });
    expect(exts.get('531')).toMatchObject({ number: '531', tech: 'pjsip', enabled: false });
    expect(exts.get('531')).not.toHaveProperty('name');
    expect(JSON.stringify(exts.get('530')?.raw)).not.toContain('example.com');
    expect(() => p.parseExtList({ '1': { name: 'no number' } })).toThrow(expect.objectContaining({ reason: 'parse' }));
  });

  it('package.configuration: the seed\'s acknowledgement, or the settings (wrapped under the id or not)', () => {
    expect(p.parsePackageConfiguration({ success: 'Tenant package: 6', id: 6 })).toEqual({ kind: 'ack' });
    const settings = { name: 'Package 1', extensions: '100', queues: 10, call_recordings: '1', call_screening: 0 };
    expect(p.parsePackageConfiguration(settings)).toMatchObject({ kind: 'settings', settings: { extensions: '100', queues: '10' } });
    expect(p.parsePackageConfiguration({ '1': settings })).toMatchObject({ kind: 'settings', settings: { name: 'Package 1' } });
    expect(() => p.parsePackageConfiguration([1, 2])).toThrow(expect.objectContaining({ reason: 'parse' }));
  });

  it('tenant infos: server id check, package name and limits', () => {
    const tenants = p.parseTenantList({ '2': { name: 'acme.pbx', tenantcode: '344', package_id: '1', ext_length: 3 } });
    const configurations = new Map([['1', p.parsePackageConfiguration({ name: 'P1', extensions: '100', cfs: '5', call_recordings: '1', monitoring: '0' })]]);
    const infos = tenantInfos({ acme: '2', ghost: '9' }, tenants, new Map([['1', 'Package 1']]), configurations, base.observedAt);
    expect(infos.get('acme')).toEqual({
      serverId: '2',
      known: true,
      name: 'acme.pbx',
      tenantCode: '344',
      extLength: 3,
      package: { id: '1', name: 'Package 1', limits: { extensions: 100, conferences: 5 }, features: { callRecordings: true, monitoring: false } },
      checkedAt: base.observedAt,
    });
    expect(infos.get('ghost')).toEqual({ serverId: '9', known: false, checkedAt: base.observedAt });
  });
});

describe('PBXware CDR pages', () => {
  const header = ['From', 'To', 'Date/Time', 'Total Duration', 'Rating Duration', 'Rating Cost', 'Status', 'Unique ID', 'Recording Path', 'Recording Available', 'Location Type', 'MOS'];

  it('rows aligned with the header become call records; next_page is read loosely', () => {
    const page = p.parseCdrPage({
      success: 'Success.',
      next_page: 'true',
      limit: 99,
      records: 2,
      header,
      csv: [
        ['Phil (2001)', '33170200258', 1750000000, '83', '80', '0.00', 'Answered', '1750000000.12', '', 'False', 'Outbound', ''],
        ['33612345678', 'Reception (2000)', '1750000100', '0', '0', '0.00', 'Not Answered', '1750000100.13', '', 'False', 'Local', null],
      ],
    });
    expect(page.nextPage).toBe(true);
    const { records, skipped } = n.cdrRecords(page, 'UTC');
    expect(skipped).toBe(0);
    expect(records[0]?.fields).toMatchObject({
      uniqueId: '1750000000.12',
      startedAt: '2025-06-15T15:06:40.000Z',
      endedAt: '2025-06-15T15:08:03.000Z',
      durationSec: 83,
      billsec: 80,
      from: '2001',
      fromName: 'Phil',
      to: '33170200258',
      disposition: 'answered',
      locationType: 'Outbound',
    });
    expect(records[1]?.fields).toMatchObject({ from: '33612345678', to: '2000', toName: 'Reception', disposition: 'no_answer' });
    expect(records[0]?.key).toMatch(/^1750000000\.12\/[0-9a-f]{8}$/);
    // The same row always gets the same key; another leg of the same call another one.
    expect(n.cdrRecords(page, 'UTC').records[0]?.key).toBe(records[0]?.key);
  });

  it('finds columns by name (the timestamp is at index 2 or 3 depending on the version)', () => {
    const moved = ['Location Type', 'From', 'To', 'Date/Time', 'Total Duration', 'Status', 'Unique ID'];
    const page = p.parseCdrPage({ success: 'Success.', next_page: false, header: moved, csv: [['Local', '530', '531', '1750000000', '5', 'Busy', 'u1']] });
    expect(n.cdrRecords(page, 'UTC').records[0]?.fields).toMatchObject({ uniqueId: 'u1', startedAt: '2025-06-15T15:06:40.000Z', disposition: 'busy' });
    expect(() => n.cdrColumns(['From', 'To', 'Status'])).toThrow(expect.objectContaining({ reason: 'parse' }));
  });

  it('skips rows without an id or a time rather than stopping every later CDR; empty pages need no header', () => {
    const page = p.parseCdrPage({ success: 'Success.', header, csv: [['a', 'b', 'not a time', '1', '1', '0', 'Answered', 'u2', '', '', '', '']] });
    expect(n.cdrRecords(page, 'UTC')).toEqual({ records: [], skipped: 1 });
    expect(p.parseCdrPage({ success: 'Success.', next_page: false, records: 0 })).toEqual({ header: [], rows: [], nextPage: false });
    expect(() => p.parseCdrPage({ next_page: true })).toThrow(expect.objectContaining({ reason: 'parse' }));
    expect(() => p.parseCdrPage({ success: 'Success.', csv: [['x']] })).toThrow(expect.objectContaining({ reason: 'parse' }));
  });
});

describe('PBXware dates', () => {
  it('Mon-DD-YYYY and HH:MM:SS in the PBX zone, both ways, across a DST change', () => {
    expect(pbxDateTime(Date.UTC(2026, 5, 1, 10, 15, 2), 'UTC')).toEqual({ date: 'Jun-01-2026', time: '10:15:02' });
    expect(pbxDateTime(Date.UTC(2026, 8, 9, 23, 30, 0), 'Europe/Paris')).toEqual({ date: 'Sep-10-2026', time: '01:30:00' });
    expect(wallClockToEpoch({ year: 2026, month: 3, day: 29, hour: 4, minute: 0, second: 0 }, 'Europe/Paris')).toBe(Date.UTC(2026, 2, 29, 2, 0, 0));
    expect(wallClockToEpoch({ year: 2026, month: 1, day: 15, hour: 12, minute: 0, second: 0 }, 'America/New_York')).toBe(Date.UTC(2026, 0, 15, 17, 0, 0));
    expect(cdrTimeToEpoch('2026-01-15 12:00:00', 'America/New_York')).toBe(Date.UTC(2026, 0, 15, 17, 0, 0));
    expect(cdrTimeToEpoch('1750000000', 'UTC')).toBe(1_750_000_000_000);
    expect(cdrTimeToEpoch('yesterday', 'UTC')).toBeUndefined();
  });
});
