/**
 * What the profile API refuses, and how: 401 without a valid token, 400 for a malformed tenant
 * or body (the message names the field), 403 for a tenant the token does not hold or a missing
 * `profiles:admin` scope, 404 for another tenant's profile, 409 for ids taken and for the config
 * file's sources. Every refusal is the error envelope, and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileErrorEnvelopeSchema } from '../../src/profiles/profile-envelope.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { TOKENS, dataOf, startProfileBridge, type ApiAnswer, type ProfileBridge } from './support/profile-bridge.js';
import { SAMPLES } from './support/samples.js';

const kazoo = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  _type: 'KazooPbxConnectionProfile',
  ...SAMPLES.KazooPbxConnectionProfile.body,
  ...overrides,
});

function expectError(answer: ApiAnswer, status: number, message?: RegExp): void {
  expect(answer.status, answer.text).toBe(status);
  expect(ProfileErrorEnvelopeSchema.safeParse(answer.body).success, answer.text).toBe(true);
  expect(answer.body).toMatchObject({ status: 'error', error: status });
  if (message) expect(answer.body.message).toMatch(message);
}

describe('PBX profile API refusals', () => {
  let sim: MirtaSimulator;
  let t: ProfileBridge;
  let existing: string;
  beforeAll(async () => {
    sim = await startMirtaSimulator();
    t = await startProfileBridge({
      sources: [
        { id: 'file-mirta', vendor: 'mirta', url: sim.url, key: sim.keys.admin, admin: true, tenants: { acme: 'DEMO' } },
        { id: 'globex-xivo', vendor: 'xivo', url: 'http://127.0.0.1:9', username: 'u', password: 'globex-xivo-password', tenant: 'globex', poll: { cel: '1m', queues: 0, extensions: 0 } },
      ],
    });
    const created = await t.api('POST', '/v1/tenants/acme/pbxs', { body: kazoo({ id: 'kazoo-acme', name: 'Acme Kazoo' }) });
    expect(created.status, created.text).toBe(201);
    existing = String(dataOf(created).id);
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  const routes = (): Array<[string, string, unknown?]> => [
    ['POST', '/v1/tenants/acme/pbxs', kazoo()],
    ['GET', '/v1/tenants/acme/pbxs'],
    ['GET', `/v1/tenants/acme/pbxs/${existing}`],
    ['PATCH', `/v1/tenants/acme/pbxs/${existing}`, { name: 'x' }],
    ['DELETE', `/v1/tenants/acme/pbxs/${existing}`],
  ];

  it('answers 401 without a token or with an unknown one, on every route', async () => {
    expect.assertions(routes().length * 2 * 4);
    for (const [method, path, body] of routes()) {
      for (const token of [null, 'not-a-token-0123456789abcdef']) {
        const answer = await t.api(method, path, { token, body });
        expectError(answer, 401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
  });

  it('answers 403 for a tenant the token does not hold (as for one that does not exist) and without profiles:admin', async () => {
    for (const [method, path, body] of routes()) {
      const notHeld = await t.api(method, path.replace('/acme/', '/globex/'), { token: TOKENS.profiles, body });
      const nowhere = await t.api(method, path.replace('/acme/', '/nosuch/'), { token: TOKENS.profiles, body });
      expectError(notHeld, 403, /tenant "globex"/);
      expectError(nowhere, 403, /tenant "nosuch"/);
      expect(notHeld.body.message?.replace('globex', 'T')).toBe(nowhere.body.message?.replace('nosuch', 'T'));
      expectError(await t.api(method, path, { token: TOKENS.commandsAdmin, body }), 403, /profiles:admin/);
    }
    expect((await t.api('GET', `/v1/tenants/acme/pbxs/${existing}`)).status).toBe(200);
  });

  it('answers 400 for a malformed tenant', async () => {
    expectError(await t.api('GET', '/v1/tenants/a%20b/pbxs'), 400, /^tenant: /);
  });

  it('answers 400 naming the field for invalid bodies', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[1, 2], /^\(root\): expected a JSON object/],
      [{ name: 'no type' }, /^_type: required/],
      [{ _type: 'AsteriskConnectionProfile' }, /^_type: unknown profile type "AsteriskConnectionProfile"/],
      [{ _type: 42 }, /^_type: unknown profile type a number/],
      [kazoo({ apiKey: undefined }), /^apiKey: /],
      [kazoo({ rest: 42 }), /^rest: /],
      [kazoo({ accountId: 'not-hex' }), /^accountId: a Kazoo id/],
      [kazoo({ colour: 'blue' }), /colour/],
      [kazoo({ tenant: 'globex' }), /^tenant: a profile serves the tenant of its path \("acme"\)/],
      [kazoo({ vendor: 'mirta' }), /^vendor: /],
      [kazoo({ id: 'has space' }), /^id: /],
      [kazoo({ enabled: 'yes' }), /^enabled: /],
      [kazoo({ apiKey: '••••1234' }), /^apiKey: a masked value/],
      [kazoo({ poll: { agents: 'soon' } }), /^poll\.agents: /],
      [{ _type: 'MirtaPbxConnectionProfile', ...SAMPLES.MirtaPbxConnectionProfile.body, tenants: { acme: 'ACME', globex: 'GLOBEX' } }, /^tenants: a profile serves only .*"globex"/],
      [{ _type: 'MirtaPbxConnectionProfile', url: 'http://127.0.0.1:9/pbx/proxyapi.php', key: 'k' }, /^tenants: /],
      [{ _type: 'XivoConnectionProfile', ...SAMPLES.XivoConnectionProfile.body, dataDir: '/etc' }, /^dataDir: set by the bridge's configuration/],
    ];
    for (const [body, message] of cases) {
      expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { body }), 400, message);
    }
    expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { rawBody: '{"_type": ' }), 400, /^body: not valid JSON/);
    expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { rawBody: '{"_type":"KazooPbxConnectionProfile","__proto__":{"x":1}}' }), 400);
    expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { rawBody: '<xml/>', contentType: 'application/xml' }), 400, /content-type/);
    // Nothing was created by any of them.
    const list = (await t.api('GET', '/v1/tenants/acme/pbxs')).body.data as Array<{ id: string }>;
    expect(list.map((p) => p.id)).toEqual([existing]);
  });

  it('refuses a PATCH that changes _type or id, or makes the profile invalid, and keeps the profile as it was', async () => {
    const before = dataOf(await t.api('GET', `/v1/tenants/acme/pbxs/${existing}`));
    expectError(await t.api('PATCH', `/v1/tenants/acme/pbxs/${existing}`, { body: { _type: 'XivoConnectionProfile' } }), 400, /^_type: cannot change/);
    expectError(await t.api('PATCH', `/v1/tenants/acme/pbxs/${existing}`, { body: { id: 'other' } }), 400, /^id: cannot change/);
    expectError(await t.api('PATCH', `/v1/tenants/acme/pbxs/${existing}`, { body: { websocket: 'http://nope' } }), 400, /^websocket: /);
    expectError(await t.api('PATCH', `/v1/tenants/acme/pbxs/${existing}`, { body: { apiKey: null } }), 400, /^apiKey: /);
    expectError(await t.api('PATCH', `/v1/tenants/acme/pbxs/${existing}`, { body: 'enabled' }), 400, /^\(root\)/);
    expect(dataOf(await t.api('GET', `/v1/tenants/acme/pbxs/${existing}`))).toEqual(before);
  });

  it('answers 404 for another tenant\'s profile, even to a token that holds both tenants', async () => {
    expectError(await t.api('GET', `/v1/tenants/globex/pbxs/${existing}`), 404);
    expectError(await t.api('PATCH', `/v1/tenants/globex/pbxs/${existing}`, { body: { name: 'stolen' } }), 404);
    expectError(await t.api('DELETE', `/v1/tenants/globex/pbxs/${existing}`), 404);
    expectError(await t.api('GET', '/v1/tenants/acme/pbxs/no-such-profile'), 404, /no PBX profile "no-such-profile" for tenant "acme"/);
    expect(dataOf(await t.api('GET', `/v1/tenants/acme/pbxs/${existing}`)).name).toBe('Acme Kazoo');
  });

  it('answers 409 for taken ids and never touches a config-file source', async () => {
    expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { body: kazoo({ id: existing }) }), 409, /already has a PBX profile/);
    expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { body: kazoo({ id: 'file-mirta' }) }), 409, /config file; the API cannot replace or shadow it/);
    expectError(await t.api('PATCH', '/v1/tenants/acme/pbxs/file-mirta', { body: { enabled: false } }), 409, /config file: the API cannot change or delete it/);
    expectError(await t.api('DELETE', '/v1/tenants/acme/pbxs/file-mirta'), 409, /config file/);
    expectError(await t.api('GET', '/v1/tenants/acme/pbxs/file-mirta'), 404, /config file/);
    // Another tenant's ids (a file source of globex, a profile of acme) are just "taken".
    const viaGlobex = await t.api('POST', '/v1/tenants/globex/pbxs', { body: kazoo({ id: existing }) });
    expectError(viaGlobex, 409, /^id: "kazoo-acme" is already taken$/);
    expectError(await t.api('POST', '/v1/tenants/acme/pbxs', { body: kazoo({ id: 'globex-xivo' }) }), 409, /^id: "globex-xivo" is already taken$/);
    expectError(await t.api('GET', '/v1/tenants/acme/pbxs/globex-xivo'), 404, /^no PBX profile "globex-xivo" for tenant "acme"$/);

    expect(t.bridge.sourceManager.get('file-mirta')).toMatchObject({ origin: 'config', tenants: ['acme'] });
    expect(t.bridge.sourceManager.get('globex-xivo')).toMatchObject({ origin: 'config' });
  });
});
