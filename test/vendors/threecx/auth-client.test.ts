/** connect/token: the form sent, caching, refresh before expiry, single flight, refusal, and the 401 retry of reads. */
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { PollError } from '../../../src/pollers/poll-error.js';
import { startThreeCxSimulator, type ThreeCxSimulator } from '../../../src/simulators/threecx/index.js';
import { ThreeCxAuth, ThreeCxAuthRefusedError } from '../../../src/vendors/threecx/auth-client.js';
import { CallControlClient } from '../../../src/vendors/threecx/client.js';
import { DnListSchema } from '../../../src/vendors/threecx/parsers.js';

let sim: ThreeCxSimulator | undefined;
let pool: Pool | undefined;
afterEach(async () => {
  await pool?.close();
  await sim?.close();
  sim = undefined;
  pool = undefined;
});

async function setup(options: { secret?: string; now?: () => number; ttlMs?: number } = {}) {
  sim = await startThreeCxSimulator({ tokenTtlMs: options.ttlMs ?? 60_000 });
  pool = new Pool(sim.url);
  const auth = new ThreeCxAuth({
    url: sim.url,
    clientId: sim.clientId,
    clientSecret: options.secret ?? sim.clientSecret,
    dispatcher: pool,
    refreshMarginMs: 10_000,
    timeoutMs: 2_000,
    ...(options.now ? { now: options.now } : {}),
  });
  const logins = () => sim!.requests.count('POST', '/connect/token');
  return { sim, auth, logins };
}

describe('ThreeCxAuth', () => {
  it('POSTs the client-credentials form and reads access_token and expires_in', async () => {
    let clock = 1_000_000;
    const { sim, auth } = await setup({ now: () => clock });
    const lease = await auth.lease();
    expect(sim.requests.entries[0]).toMatchObject({
      method: 'POST',
      path: '/connect/token',
      body: { client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials' },
      status: 200,
    });
    expect(sim.tokens.issued).toEqual([lease.token]);
    // expires_in 60 s, margin 10 s.
    expect(lease.refreshAt).toBe(clock + 50_000);
    clock += 49_999;
    expect(await auth.token()).toBe(lease.token);
  });

  it('reuses the token, refreshes it `margin` before expiry, and after invalidate', async () => {
    let clock = 1_000_000;
    const { auth, logins } = await setup({ now: () => clock });
    const first = await auth.token();
    clock += 50_000; // inside the margin: refresh before 3CX would say 401
    const second = await auth.token();
    expect(second).not.toBe(first);
    expect(logins()).toBe(2);
    auth.invalidate(first); // stale: a newer token already replaced it
    expect(await auth.token()).toBe(second);
    auth.invalidate(second);
    expect(await auth.token()).not.toBe(second);
    expect(logins()).toBe(3);
  });

  it('refreshes at half-life when the margin is longer than the token lives', async () => {
    let clock = 1_000_000;
    const { auth } = await setup({ now: () => clock, ttlMs: 4_000 });
    const lease = await auth.lease();
    expect(lease.refreshAt).toBe(clock + 2_000);
  });

  it('asks once for a burst of callers (single flight)', async () => {
    const { auth, logins } = await setup();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => auth.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(logins()).toBe(1);
  });

  it('reports refused credentials without echoing the secret, and redacts it from vendor text', async () => {
    const secret = 'not-the-secret-0123456789';
    const { auth } = await setup({ secret });
    const err = await auth.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreeCxAuthRefusedError);
    expect((err as ThreeCxAuthRefusedError).status).toBe(400);
    expect(String((err as Error).message)).not.toContain(secret);
    expect(auth.redact(`client_secret=${secret}`)).toBe('client_secret=[redacted]');
  });

  it('accepts the multipart form the official example sends', async () => {
    const { sim } = await setup();
    const form = new FormData();
    form.set('client_id', sim.clientId);
    form.set('client_secret', sim.clientSecret);
    form.set('grant_type', 'client_credentials');
    const response = await fetch(`${sim.url}/connect/token`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'Bearer', expires_in: 60, access_token: expect.any(String) });
  });
});

describe('CallControlClient 401 handling', () => {
  it('drops a token 3CX refuses, gets a new one and retries the read once', async () => {
    const { sim, auth } = await setup();
    const client = new CallControlClient({ url: sim.url, dispatcher: pool as Pool, auth });
    const read = () => client.get('/callcontrol', DnListSchema, { timeoutMs: 2_000 });
    expect(await read()).toHaveLength(6);
    sim.tokens.revokeAll();
    expect(await read()).toHaveLength(6);
    expect(sim.requests.entries.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /connect/token 200',
      'GET /callcontrol 200',
      'GET /callcontrol 401',
      'POST /connect/token 200',
      'GET /callcontrol 200',
    ]);
  });

  it('gives up after one retry: a second 401 is an auth poll failure', async () => {
    const { sim, auth } = await setup();
    const client = new CallControlClient({ url: sim.url, dispatcher: pool as Pool, auth });
    const original = sim.tokens.issue.bind(sim.tokens);
    sim.tokens.issue = () => {
      const issued = original();
      sim!.tokens.revokeAll();
      return issued;
    };
    const err = await client.get('/callcontrol', DnListSchema, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollError);
    expect((err as PollError).reason).toBe('auth');
    expect(sim.requests.filter('GET', '/callcontrol').map((r) => r.status)).toEqual([401, 401]);
  });
});
