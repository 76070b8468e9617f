/** api_auth: caching, refresh before expiry, single flight, refusal, and the 401 retry of crossbar reads. */
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startKazooSimulator, type KazooSimulator } from '../../../src/simulators/kazoo/index.js';
import { KazooAuth, KazooAuthRefusedError, tokenExpiry } from '../../../src/vendors/kazoo/auth-client.js';
import { CrossbarClient } from '../../../src/vendors/kazoo/crossbar-client.js';
import { AgentListingSchema } from '../../../src/vendors/kazoo/wire.js';
import { PollError } from '../../../src/pollers/poll-error.js';

let sim: KazooSimulator | undefined;
let pool: Pool | undefined;
afterEach(async () => {
  await pool?.close();
  await sim?.close();
  sim = undefined;
  pool = undefined;
});

async function setup(apiKey?: string, now?: () => number) {
  sim = await startKazooSimulator({ tokenTtlMs: 60_000 });
  pool = new Pool(sim.restUrl);
  const auth = new KazooAuth({
    rest: sim.restUrl,
    apiKey: apiKey ?? sim.apiKey,
    dispatcher: pool,
    refreshMarginMs: 10_000,
    timeoutMs: 2_000,
    ...(now ? { now } : {}),
  });
  const logins = () => sim!.requests.filter((r) => r.path === '/v2/api_auth').length;
  return { sim, auth, logins };
}

describe('KazooAuth', () => {
  it('sends PUT /v2/api_auth {data:{api_key}} and reads the top-level auth_token', async () => {
    const { sim, auth } = await setup();
    const token = await auth.token();
    expect(sim.requests[0]).toMatchObject({ method: 'PUT', path: '/v2/api_auth', body: { data: { api_key: sim.apiKey } }, status: 201 });
    expect(sim.tokens.issued).toEqual([token]);
    expect(tokenExpiry(token)).toBeGreaterThan(Date.now() / 1000);
  });

  it('reuses the token, refreshes it `margin` before exp, and after invalidate', async () => {
    let clock = Date.now();
    const { auth, logins } = await setup(undefined, () => clock);
    const first = await auth.token();
    const exp = (tokenExpiry(first) as number) * 1000;
    clock = exp - 10_001;
    expect(await auth.token()).toBe(first);
    expect(logins()).toBe(1);
    clock = exp - 9_000; // inside the margin: refresh before crossbar would say 401
    const second = await auth.token();
    expect(second).not.toBe(first);
    expect(logins()).toBe(2);
    auth.invalidate(first); // stale: a newer token already replaced it
    expect(await auth.token()).toBe(second);
    auth.invalidate(second);
    expect(await auth.token()).not.toBe(second);
    expect(logins()).toBe(3);
  });

  it('logs in once for a burst of callers (single flight)', async () => {
    const { auth, logins } = await setup();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => auth.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(logins()).toBe(1);
  });

  it('reports a refused key without echoing it', async () => {
    const { auth } = await setup('0'.repeat(64));
    const err = await auth.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KazooAuthRefusedError);
    expect((err as KazooAuthRefusedError).status).toBe(404);
    expect(String((err as Error).message)).not.toContain('0'.repeat(64));
    expect(auth.redact(`bad identifier ["${'0'.repeat(64)}"]`)).toBe('bad identifier ["[redacted]"]');
  });
});

describe('CrossbarClient 401 handling', () => {
  it('drops a token crossbar refuses, logs in again and retries the read once', async () => {
    const { sim, auth } = await setup();
    const crossbar = new CrossbarClient({ rest: sim.restUrl, accountId: sim.accountId, dispatcher: pool as Pool, auth });
    const read = () => crossbar.request({ method: 'GET', path: '/agents', kind: 'poll', schema: AgentListingSchema, timeoutMs: 2_000 });
    expect(await read()).toHaveLength(3);
    sim.tokens.revokeAll(); // e.g. crossbar restarted, or the token expired early
    expect(await read()).toHaveLength(3);
    expect(sim.requests.map((r) => `${r.method} ${r.path.split('/').pop()} ${r.status}`)).toEqual([
      'PUT api_auth 201',
      'GET agents 200',
      'GET agents 401',
      'PUT api_auth 201',
      'GET agents 200',
    ]);
  });

  it('gives up after one retry: a second 401 is an auth poll failure', async () => {
    const { sim } = await setup();
    // An auth client whose every token is already dead.
    const dead = new KazooAuth({ rest: sim.restUrl, apiKey: sim.apiKey, dispatcher: pool as Pool, refreshMarginMs: 0, timeoutMs: 2_000 });
    const crossbar = new CrossbarClient({ rest: sim.restUrl, accountId: sim.accountId, dispatcher: pool as Pool, auth: dead });
    const original = sim.tokens.issue.bind(sim.tokens);
    sim.tokens.issue = (accountId: string) => {
      const token = original(accountId);
      sim!.tokens.revokeAll();
      return token;
    };
    const err = await crossbar.request({ method: 'GET', path: '/agents', kind: 'poll', schema: AgentListingSchema, timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollError);
    expect((err as PollError).reason).toBe('auth');
    expect(sim.requests.filter((r) => r.status === 401)).toHaveLength(2);
  });
});
