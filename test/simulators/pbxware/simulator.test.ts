/** The PBXware simulator over real HTTP: the seed's actions, shapes, refusals, dates and paging. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CDR_HEADERS, ERROR_TEXTS, formatPbxDate, phpSerialize, startPbxwareSimulator, type PbxwareSimulator } from '../../../src/simulators/pbxware/index.js';

let sim: PbxwareSimulator;
beforeAll(async () => {
  sim = await startPbxwareSimulator({ extraKeys: [{ key: 'acme-only-key-0123456789', servers: ['2'] }] });
});
afterAll(() => sim?.close());

async function call(params: Record<string, string>, options: { key?: string | null; path?: string; post?: boolean } = {}): Promise<{ status: number; body: unknown; text: string }> {
  const query = new URLSearchParams(params);
  if (options.key !== null) query.set('apikey', options.key ?? sim.apiKey);
  const base = new URL(options.path ?? '/', sim.url);
  const response = options.post
    ? await fetch(base, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query.toString() })
    : await fetch(`${base.href}?${query.toString()}`);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

describe('PBXware simulator: transport and refusals', () => {
  it('a missing or wrong key is HTTP 200 {"error":"Invalid API key."}; the key is never logged', async () => {
    expect(await call({ action: 'pbxware.tenant.list' }, { key: null })).toMatchObject({ status: 200, body: { error: 'Invalid API key.' } });
    expect(await call({ action: 'pbxware.tenant.list' }, { key: 'nope-0123456789' })).toMatchObject({ status: 200, body: { error: 'Invalid API key.' } });
    const logged = sim.requests.last('pbxware.tenant.list');
    expect(logged).toMatchObject({ withKey: true, keyAccepted: false });
    expect(JSON.stringify(sim.requests.entries)).not.toContain(sim.apiKey);
  });

  it('answers at / and /index.php, GET or POST form; other paths are 404', async () => {
    expect((await call({ action: 'pbxware.package.list' })).body).toEqual({ '1': 'Package 1', '2': 'Package 2', '3': 'Package 3' });
    expect((await call({ action: 'pbxware.package.list' }, { path: '/index.php', post: true })).body).toMatchObject({ '1': 'Package 1' });
    expect(sim.requests.last('pbxware.package.list')?.method).toBe('POST');
    expect((await call({ action: 'pbxware.package.list' }, { path: '/api.php' })).status).toBe(404);
  });

  it('unknown actions, call control included, are error objects', async () => {
    for (const action of ['pbxware.call.originate', 'pbxware.call.transfer', 'pbxware.nothing.here', '']) {
      expect((await call({ action, server: '2' })).body).toEqual({ error: ERROR_TEXTS.action });
    }
  });

  it('a key scoped to one tenant reaches only that tenant and cannot list tenants', async () => {
    const key = 'acme-only-key-0123456789';
    expect((await call({ action: 'pbxware.ext.list', server: '2' }, { key })).body).toHaveProperty('1');
    expect((await call({ action: 'pbxware.ext.list', server: '3' }, { key })).body).toEqual({ error: ERROR_TEXTS.keyServer });
    expect((await call({ action: 'pbxware.tenant.list' }, { key })).body).toEqual({ error: ERROR_TEXTS.keyAction });
  });

  it('apiformat=php answers PHP-serialized', async () => {
    const { text } = await call({ action: 'pbxware.package.list', apiformat: 'php' });
    expect(text).toBe('a:3:{i:1;s:9:"Package 1";i:2;s:9:"Package 2";i:3;s:9:"Package 3";}');
    expect(phpSerialize({ ok: true, n: 1.5, none: null })).toBe('a:3:{s:2:"ok";b:1;s:1:"n";d:1.5;s:4:"none";N;}');
  });

  it('scripted faults hit the next requests of their action only', async () => {
    sim.faults.arm({ kind: 'garbage', action: 'pbxware.ext.list' }).arm({ kind: 'errorBody', text: 'Busy.', action: 'pbxware.did.list' });
    expect((await call({ action: 'pbxware.tenant.list' })).body).toHaveProperty('2');
    const garbage = await call({ action: 'pbxware.ext.list', server: '2' });
    expect(garbage).toMatchObject({ status: 200, body: undefined });
    expect(garbage.text).toContain('<b>Warning</b>');
    expect((await call({ action: 'pbxware.did.list', server: '2' })).body).toEqual({ error: 'Busy.' });
    expect(sim.faults.pending).toBe(0);
  });
});

describe('PBXware simulator: tenants, extensions, packages', () => {
  it('tenant.list is keyed by server id with the documented fields (ext_length a number)', async () => {
    const { body } = await call({ action: 'pbxware.tenant.list' });
    expect(body).toEqual({
      '2': { name: 'acme.pbx.example', tenantcode: '344', package_id: '1', package: 'Package 1', ext_length: 3, country_id: '869', country_code: '1' },
      '3': { name: 'globex.pbx.example', tenantcode: '345', package_id: '2', package: 'Package 2', ext_length: 3, country_id: '869', country_code: '1' },
    });
  });

  it('ext.list needs a known server, is keyed by extension id, and `[]` when empty', async () => {
    expect((await call({ action: 'pbxware.ext.list' })).body).toEqual({ error: ERROR_TEXTS.serverRequired });
    expect((await call({ action: 'pbxware.ext.list', server: '42' })).body).toEqual({ error: ERROR_TEXTS.serverUnknown });
    const { body } = await call({ action: 'pbxware.ext.list', server: '2' });
    expect(Object.keys(body as object)).toEqual(['1', '2', '3']);
    expect((body as Record<string, unknown>)['3']).toMatchObject({ ext: '532', name: 'Reception', protocol: 'sip', status: 'disabled', ua_name: 'generic_sip' });
    expect(JSON.stringify(body)).not.toContain('s3cr3t');
    sim.model.addTenant({ serverId: '8', name: 'empty.pbx', tenantcode: '400' });
    expect((await call({ action: 'pbxware.ext.list', server: '8' })).body).toEqual([]);
  });

  it('ext.configuration takes id xor ext and shows the SIP options (username = tenant code + ext)', async () => {
    expect((await call({ action: 'pbxware.ext.configuration', server: '2' })).body).toEqual({ error: ERROR_TEXTS.extIdOrExt });
    expect((await call({ action: 'pbxware.ext.configuration', server: '2', id: '1', ext: '530' })).body).toEqual({ error: ERROR_TEXTS.extIdOrExt });
    const { body } = await call({ action: 'pbxware.ext.configuration', server: '2', ext: '530' });
    expect((body as Record<string, { options: unknown }>)['1']?.options).toMatchObject({ context: 't-344', username: '344530', callerid: 'User 530 <530>' });
    expect((await call({ action: 'pbxware.ext.configuration', server: '3', id: '1' })).body).toEqual({ error: ERROR_TEXTS.extUnknown });
  });

  it('packages: configuration (settings, or the seed\'s literal answer), add with validation, delete with a string id', async () => {
    expect((await call({ action: 'pbxware.package.configuration', id: '1' })).body).toMatchObject({ name: 'Package 1', extensions: '100', cfs: '10' });
    expect((await call({ action: 'pbxware.package.configuration', id: '99' })).body).toEqual({ error: ERROR_TEXTS.packageUnknown });
    const fields = { name: 'Small', call_recordings: '1', monitoring: '1', call_screening: '0', extensions: '10', voicemails: '10', queues: '1', cfs: '1', rgroups: '1', ivrs: '1' };
    expect((await call({ action: 'pbxware.package.add', ...fields, extensions: '12345' })).body).toEqual({ error: "Invalid value for field 'extensions'." });
    expect((await call({ action: 'pbxware.package.add', ...fields })).body).toEqual({ success: 'Tenant package: 4', id: 4 });
    expect((await call({ action: 'pbxware.package.delete', server: '10', id: '4' })).body).toEqual({ success: 'Tenant package ID: 4.', id: '4' });
    const literal = await startPbxwareSimulator({ packageConfiguration: 'seed' });
    try {
      const response = await fetch(`${literal.url}index.php?apikey=${literal.apiKey}&action=pbxware.package.configuration&id=1`);
      expect(await response.json()).toEqual({ success: 'Tenant package: 1', id: 1 });
    } finally {
      await literal.close();
    }
  });
});

describe('PBXware simulator: CDRs', () => {
  it('refuses ISO dates; pages with next_page/records/limit; rows aligned with the header', async () => {
    const now = Date.now();
    const cdrs = [0, 1, 2, 3, 4].map((i) => sim.model.addCdr({ server: '3', from: 'Bob Durand (300)', to: `3317020000${i}`, startedAt: now - (10 - i) * 60_000, durationSec: 60 + i }));
    const day = formatPbxDate(now);
    expect((await call({ action: 'pbxware.cdr.download', server: '3', start: '2026-06-01', end: '2026-06-02' })).body).toEqual({ error: ERROR_TEXTS.dateFormat });
    const window = { action: 'pbxware.cdr.download', server: '3', start: formatPbxDate(now - 86_400_000), starttime: '00:00:00', end: formatPbxDate(now + 86_400_000), endtime: '23:59:59' };
    const first = (await call({ ...window, limit: '2', page: '1' })).body as { next_page: boolean; records: number; limit: number; header: string[]; csv: unknown[][] };
    expect(first).toMatchObject({ success: 'Success.', next_page: true, records: 2, limit: 2, header: [...CDR_HEADERS.current] });
    const uniqueCol = first.header.indexOf('Unique ID');
    const timeCol = first.header.indexOf('Date/Time');
    expect(first.csv.map((row) => row[uniqueCol])).toEqual([cdrs[0]?.uniqueId, cdrs[1]?.uniqueId]);
    expect(first.csv[0]?.[timeCol]).toBe(Math.floor((cdrs[0]?.startedAt ?? 0) / 1000));
    const last = (await call({ ...window, limit: '2', page: '3' })).body as { next_page: boolean; records: number };
    expect(last).toMatchObject({ next_page: false, records: 1 });
    // `endtime` bounds the window to the second: the calls started 6 to 10 minutes ago.
    const cut = new Date(now - 7.5 * 60_000);
    const endtime = cut.toISOString().slice(11, 19);
    const bounded = (await call({ ...window, end: formatPbxDate(cut.getTime()), endtime })).body as { records: number; csv: unknown[][] };
    expect(bounded.csv.map((row) => row[uniqueCol])).toEqual(cdrs.slice(0, 3).map((c) => c.uniqueId));
    expect((await call({ action: 'pbxware.cdr.download', server: '3', start: 'Feb-31-2026', end: day })).body).toEqual({ error: ERROR_TEXTS.dateFormat });
  });

  it('the demo scenario writes CDRs as calls end', () => {
    const count = sim.model.cdrs.length;
    const scenario = sim.scenario({ seed: 3, callChance: 1, servers: ['2', '3'] });
    for (let i = 0; i < 20; i++) scenario.tick();
    const added = sim.model.cdrs.slice(count);
    expect(added).toHaveLength(20);
    expect(new Set(added.map((c) => c.status)).size).toBeGreaterThan(1);
    for (const cdr of added) expect(cdr.startedAt + cdr.durationSec * 1000).toBeLessThanOrEqual(Date.now());
  });
});
