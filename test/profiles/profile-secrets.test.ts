/**
 * Profile secrets are write-only (protocol §7): through creates, reads, lists, changes, refused
 * bodies, a running source with good and bad credentials, and deletes, no secret appears in an
 * answer, a log line, an event, /metrics or /readyz. Answers show `••••` and at most 4 characters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { availableProfileTypes } from '../../src/profiles/profile-types.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { waitFor } from '../support/wait-for.js';
import { TOKENS, dataOf, startProfileBridge, type ApiAnswer, type ProfileBridge } from './support/profile-bridge.js';
import { SAMPLES } from './support/samples.js';

describe('profile secrets', () => {
  let sim: MirtaSimulator | undefined;
  let t: ProfileBridge | undefined;
  let client: BridgeClient | undefined;
  afterEach(async () => {
    client?.close();
    await t?.close();
    await sim?.close();
  });

  it('never leave the bridge once sent', async () => {
    sim = await startMirtaSimulator();
    t = await startProfileBridge();
    client = await connectClient(t.url, TOKENS.admin);
    await client.call('subscribe', { tenant: 'acme' });
    const answers: ApiAnswer[] = [];
    const call = async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
      const answer = await (t as ProfileBridge).api(method, path, { body });
      answers.push(answer);
      return answer;
    };
    const rotated = 'rotated-secret-value-6b1f0e';
    const wrongKey = 'wrong-mirta-key-a8c3d2e1f0';
    const secrets = [rotated, wrongKey, sim.keys.admin];

    for (const type of availableProfileTypes()) {
      const sample = SAMPLES[type];
      secrets.push(sample.secret.value);
      const created = await call('POST', '/v1/tenants/acme/pbxs', { _type: type, ...sample.body });
      expect(created.status, created.text).toBe(201);
      const id = String(dataOf(created).id);
      expect(dataOf(created)[sample.secret.field]).toMatch(/^••••.{0,4}$/);
      await call('GET', `/v1/tenants/acme/pbxs/${id}`);
      await call('PATCH', `/v1/tenants/acme/pbxs/${id}`, { ...dataOf(created), name: 'masked secret sent back' });
      // Refused bodies that carry a secret: the message names the field, never the value.
      expect((await call('PATCH', `/v1/tenants/acme/pbxs/${id}`, { [sample.secret.field]: rotated, url: 42, rest: 42 })).status).toBe(400);
      expect((await call('PATCH', `/v1/tenants/acme/pbxs/${id}`, { [sample.secret.field]: { nested: rotated } })).status).toBe(400);
      expect((await call('POST', '/v1/tenants/acme/pbxs', { _type: type, ...sample.body, [sample.secret.field]: 12345678901234 })).status).toBe(400);
      expect((await call('PATCH', `/v1/tenants/acme/pbxs/${id}`, { [sample.secret.field]: rotated })).status).toBe(200);
      await call('DELETE', `/v1/tenants/acme/pbxs/${id}`);
    }

    // A running source: good credentials, then bad ones (auth errors in the logs), then deleted.
    const running = await call('POST', '/v1/tenants/acme/pbxs', {
      _type: 'MirtaPbxConnectionProfile',
      id: 'acme-mirta',
      url: sim.url,
      key: sim.keys.admin,
      admin: true,
      tenants: { acme: 'DEMO' },
      poll: { peers: '100ms', channels: '50ms', extensions: '200ms' },
      enabled: true,
    });
    expect(running.status, running.text).toBe(201);
    await waitFor(() => t?.bridge.sources.get('acme-mirta')?.status === 'up', { timeout: 10_000 });
    await call('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { key: wrongKey });
    await waitFor(() => t?.bridge.sources.get('acme-mirta')?.status === 'down', { timeout: 10_000 });
    await call('GET', '/v1/tenants/acme/pbxs');
    await call('DELETE', '/v1/tenants/acme/pbxs/acme-mirta');

    const seen = {
      answers: answers.map((answer) => answer.text).join('\n'),
      logs: t.logs.text(),
      events: JSON.stringify(client.events),
      metrics: await (await fetch(`${t.url}/metrics`)).text(),
      readyz: await (await fetch(`${t.url}/readyz`)).text(),
    };
    // The checks look at real material: masks in the answers, the source's life in the logs.
    expect(seen.answers).toContain('••••');
    expect(seen.logs).toContain('profile changed');
    expect(seen.logs).toContain('mirta poll failed');
    expect(seen.events).toContain('acme-mirta');
    for (const [where, text] of Object.entries(seen)) {
      for (const secret of secrets) expect(text.includes(secret), `a secret leaked into ${where}`).toBe(false);
    }
  }, 30_000);
});
