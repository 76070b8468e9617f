/**
 * PBX profiles over REST, round trip per `_type`: POST (201, Location, envelope, disabled),
 * GET one and the list, PATCH (a name, a vendor field, a masked secret that stays, a new secret),
 * DELETE. Profile types whose vendor is not installed answer 400 naming `_type`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileEnvelopeSchema, ProfileErrorEnvelopeSchema, ProfileListEnvelopeSchema } from '../../src/profiles/profile-envelope.js';
import { PROFILE_TYPE_NAMES, PROFILE_TYPES, availableProfileTypes } from '../../src/profiles/profile-types.js';
import { dataOf, startProfileBridge, type ProfileBridge } from './support/profile-bridge.js';
import { SAMPLES } from './support/samples.js';

const available = new Set(availableProfileTypes());
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('PBX profile CRUD', () => {
  let t: ProfileBridge;
  beforeAll(async () => {
    t = await startProfileBridge();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has the four vendors of the core installed at least', () => {
    expect([...available]).toEqual(
      expect.arrayContaining(['MirtaPbxConnectionProfile', 'KazooPbxConnectionProfile', 'XivoConnectionProfile', 'WebAppelConnectionProfile']),
    );
  });

  for (const type of PROFILE_TYPE_NAMES) {
    const sample = SAMPLES[type];
    it.runIf(available.has(type))(`${type}: create, read, list, change, delete`, async () => {
      const created = await t.api('POST', '/v1/tenants/acme/pbxs', { body: { _type: type, name: `${type} at acme`, ...sample.body } });
      expect(created.status, created.text).toBe(201);
      expect(ProfileEnvelopeSchema.safeParse(created.body).success).toBe(true);
      expect(created.body).toMatchObject({ status: 'success', timestamp: expect.stringMatching(ISO) });
      const profile = dataOf(created);
      const id = String(profile.id);
      expect(id).toMatch(/^pbx-[0-9a-f]{10}$/);
      expect(created.headers.get('location')).toBe(`/v1/tenants/acme/pbxs/${id}`);
      expect(profile).toMatchObject({ _type: type, name: `${type} at acme`, tenant: 'acme', enabled: false, sourceStatus: 'stopped' });
      // The secret is write-only: a fixed mask and its last 4 characters.
      expect(profile[sample.secret.field]).toBe(`••••${sample.secret.value.slice(-4)}`);
      for (const [field, value] of Object.entries(sample.body)) {
        if (field !== sample.secret.field) expect(profile[field]).toEqual(value);
      }

      const read = await t.api('GET', created.headers.get('location') ?? '');
      expect(read.status).toBe(200);
      expect(dataOf(read)).toEqual(profile);
      const list = await t.api('GET', '/v1/tenants/acme/pbxs');
      expect(ProfileListEnvelopeSchema.safeParse(list.body).success).toBe(true);
      expect((list.body.data as Array<{ id: string }>).map((p) => p.id)).toContain(id);

      // Sending back what was read (masked secret included) with two changes keeps the secret.
      const changed = await t.api('PATCH', `/v1/tenants/acme/pbxs/${id}`, {
        body: { ...profile, name: 'renamed', limits: { concurrency: 3 } },
      });
      expect(changed.status, changed.text).toBe(200);
      expect(dataOf(changed)).toMatchObject({ name: 'renamed', limits: { concurrency: 3 }, [sample.secret.field]: profile[sample.secret.field] });
      expect(String(dataOf(changed).updatedAt) >= String(profile.updatedAt)).toBe(true);
      expect(dataOf(changed).createdAt).toBe(profile.createdAt);

      const rotated = await t.api('PATCH', `/v1/tenants/acme/pbxs/${id}`, {
        body: { [sample.secret.field]: 'a-rotated-secret-value-Z9Y8' },
        contentType: 'application/merge-patch+json',
      });
      expect(rotated.status, rotated.text).toBe(200);
      expect(dataOf(rotated)[sample.secret.field]).toBe('••••Z9Y8');
      expect(dataOf(rotated).limits).toEqual({ concurrency: 3 });

      // `null` removes a field (RFC 7396): limits back to the vendor's defaults.
      const reset = await t.api('PATCH', `/v1/tenants/acme/pbxs/${id}`, { body: { limits: null } });
      expect(reset.status).toBe(200);
      expect(dataOf(reset)).not.toHaveProperty('limits');

      const deleted = await t.api('DELETE', `/v1/tenants/acme/pbxs/${id}`);
      expect(deleted.status).toBe(200);
      expect(dataOf(deleted)).toMatchObject({ id, sourceStatus: 'stopped' });
      const gone = await t.api('GET', `/v1/tenants/acme/pbxs/${id}`);
      expect(gone.status).toBe(404);
      expect(ProfileErrorEnvelopeSchema.safeParse(gone.body).success).toBe(true);
      const after = await t.api('GET', '/v1/tenants/acme/pbxs');
      expect((after.body.data as Array<{ id: string }>).map((p) => p.id)).not.toContain(id);
    });

    it.runIf(!available.has(type))(`${type}: its vendor is not installed, so 400 naming _type`, async () => {
      const refused = await t.api('POST', '/v1/tenants/acme/pbxs', { body: { _type: type, ...sample.body } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ status: 'error', error: 400 });
      expect(refused.body.message).toMatch(/^_type: /);
      expect(refused.body.message).toContain(PROFILE_TYPES[type].vendor);
    });
  }

  it('takes a chosen id, and lists only the tenant\'s own profiles', async () => {
    const acme = await t.api('POST', '/v1/tenants/acme/pbxs', { body: { _type: 'XivoConnectionProfile', id: 'xivo-acme', ...SAMPLES.XivoConnectionProfile.body } });
    expect(acme.status, acme.text).toBe(201);
    expect(dataOf(acme)).toMatchObject({ id: 'xivo-acme', name: 'xivo-acme' });
    const globex = await t.api('POST', '/v1/tenants/globex/pbxs', {
      body: { _type: 'XivoConnectionProfile', name: 'Globex XiVO', ...SAMPLES.XivoConnectionProfile.body },
    });
    expect(globex.status).toBe(201);
    expect(dataOf(globex).tenant).toBe('globex');
    const acmeList = (await t.api('GET', '/v1/tenants/acme/pbxs')).body.data as Array<{ id: string; tenant: string }>;
    const globexList = (await t.api('GET', '/v1/tenants/globex/pbxs')).body.data as Array<{ id: string; tenant: string }>;
    expect(acmeList.map((p) => p.id)).toContain('xivo-acme');
    expect(acmeList.every((p) => p.tenant === 'acme')).toBe(true);
    expect(globexList.map((p) => p.id)).toEqual([dataOf(globex).id]);
    await t.api('DELETE', '/v1/tenants/acme/pbxs/xivo-acme');
    await t.api('DELETE', `/v1/tenants/globex/pbxs/${String(dataOf(globex).id)}`);
  });
});
