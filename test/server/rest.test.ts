/** REST routes (protocol §5): auth, state, commands, health, readiness, metrics, errors. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import type { CommandAck, CommandRequestOptions, CommandService } from '../../src/commands/command-service.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { BridgeMetrics } from '../../src/observability/metrics.js';
import { createServer } from '../../src/server/create-server.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';
import { createLogger } from '../../src/util/logger.js';
import { connectClient } from '../support/bridge-client.js';
import { waitFor } from '../support/wait-for.js';
import { TOKENS, blf, fakeSource, queue, startServer, type Harness } from './harness.js';
import { memoryBus } from '../support/memory-bus.js';

class ScriptedCommands implements CommandService {
  readonly calls: Array<{ principal: Principal; body: unknown; options: CommandRequestOptions | undefined }> = [];
  next: CommandAck | Error = { ok: true, result: { callId: 'c-9' } };
  async execute(principal: Principal, body: unknown, options?: CommandRequestOptions): Promise<CommandAck> {
    this.calls.push({ principal, body, options });
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('REST', () => {
  let h: Harness;
  const commands = new ScriptedCommands();
  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${h.url}${path}`, { headers });
  const post = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${h.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  beforeAll(async () => {
    h = await startServer({ commands, sources: [fakeSource('pbx-1', ['acme'], 'up'), fakeSource('pbx-2', ['globex'], null)] });
    await h.publish('acme', [blf('100'), queue('q1', 4)]);
    await h.publish('globex', [blf('200')]);
  });
  afterAll(() => h.close());

  describe('auth', () => {
    const bad: Array<[string, Record<string, string>]> = [
      ['no header', {}],
      ['an unknown token', auth('nope-nope-nope-nope-nope')],
      ['a non-bearer scheme', { authorization: `Basic ${TOKENS.acme}` }],
      ['a bare token', { authorization: TOKENS.acme }],
    ];
    it.each(bad)('answers 401 unauthorized to %s', async (_name, headers) => {
      const res = await get('/v1/tenants/acme/state', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: 'unauthorized', retryable: false } });
    });
  });

  describe('GET /v1/tenants/:tenant/state', () => {
    it('returns the cursor and the snapshot, without raw', async () => {
      const res = await get('/v1/tenants/acme/state?topics=blfs,queues', auth(TOKENS.acme));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { cursor: number; snapshot: Record<string, Array<Record<string, unknown>>> };
      expect(body.cursor).toBe(2);
      expect(Object.keys(body.snapshot).sort()).toEqual(['blfs', 'queues']);
      expect(body.snapshot.blfs?.[0]).toMatchObject({ extension: '100', state: 'inuse' });
      expect(body.snapshot.blfs?.[0]).not.toHaveProperty('raw');
    });

    it('returns every topic by default', async () => {
      const body = (await (await get('/v1/tenants/acme/state', auth(TOKENS.acme))).json()) as { snapshot: object };
      expect(Object.keys(body.snapshot)).toHaveLength(10);
    });

    it('answers 403 forbidden, identically, for a tenant not held and one that does not exist', async () => {
      const held = await get('/v1/tenants/globex/state', auth(TOKENS.acme));
      const missing = await get('/v1/tenants/initech/state', auth(TOKENS.acme));
      expect(held.status).toBe(403);
      expect(missing.status).toBe(403);
      const a = (await held.json()) as { error: { code: string; message: string } };
      const b = (await missing.json()) as { error: { code: string; message: string } };
      expect(a.error.code).toBe('forbidden');
      expect(a.error.message.replace('globex', 'X')).toBe(b.error.message.replace('initech', 'X'));
    });

    it('answers 403 without events:read and 400 naming an unknown topic', async () => {
      expect((await get('/v1/tenants/acme/state', auth(TOKENS.noRead))).status).toBe(403);
      const res = await get('/v1/tenants/acme/state?topics=blfs,nope', auth(TOKENS.acme));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_argument');
      expect(body.error.message).toMatch(/^topics\[1\]/);
    });
  });

  describe('POST /v1/tenants/:tenant/commands', () => {
    it('fills the tenant from the path and passes the Idempotency-Key', async () => {
      commands.next = { ok: true, result: { callId: 'c-9' } };
      const res = await post('/v1/tenants/acme/commands', JSON.stringify({ type: 'dial', args: { from: '1', to: '2' } }), {
        ...auth(TOKENS.admin),
        'idempotency-key': 'k-1',
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, result: { callId: 'c-9' } });
      const call = commands.calls.at(-1);
      expect(call?.body).toEqual({ tenant: 'acme', type: 'dial', args: { from: '1', to: '2' } });
      expect(call?.options).toEqual({ idempotencyKey: 'k-1' });
    });

    it('requires an Idempotency-Key or a body id, and says so', async () => {
      const before = commands.calls.length;
      const res = await post('/v1/tenants/acme/commands', JSON.stringify({ type: 'dial', args: { from: '1', to: '2' } }), auth(TOKENS.admin));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('Idempotency-Key') as string });
      expect(commands.calls.length).toBe(before);
    });

    it('refuses a body whose tenant differs from the path', async () => {
      const res = await post('/v1/tenants/acme/commands', JSON.stringify({ id: 'x', tenant: 'globex', type: 'dial' }), auth(TOKENS.admin));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'invalid_argument', message: expect.stringMatching(/^tenant/) } });
    });

    it('answers with the status of the error code, and Retry-After', async () => {
      commands.next = { ok: false, error: { code: 'rate_limited', message: 'queue full', retryable: true }, retryAfterSec: 2.2 };
      const res = await post('/v1/tenants/acme/commands', JSON.stringify({ id: 'r1', type: 'dial' }), auth(TOKENS.admin));
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(await res.json()).toEqual({ ok: false, error: { code: 'rate_limited', message: 'queue full', retryable: true } });
      commands.next = { ok: false, error: { code: 'duplicate', message: 'id reused', retryable: false } };
      expect((await post('/v1/tenants/acme/commands', JSON.stringify({ id: 'r1', type: 'dial' }), auth(TOKENS.admin))).status).toBe(409);
    });

    it('answers 500 internal with a logged correlation id when the command layer throws', async () => {
      commands.next = new Error('kaboom in dispatcher');
      const res = await post('/v1/tenants/acme/commands', JSON.stringify({ id: 'k', type: 'dial' }), auth(TOKENS.admin));
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('internal');
      expect(body.error.message).not.toContain('kaboom');
      const id = /correlation id ([0-9a-f-]{36})/.exec(body.error.message)?.[1] ?? '?';
      expect(h.logs.some((line) => line.includes(id) && line.includes('kaboom in dispatcher'))).toBe(true);
    });

    it('answers 403 for a tenant the token does not hold, before the command layer', async () => {
      const before = commands.calls.length;
      const res = await post('/v1/tenants/globex/commands', JSON.stringify({ id: 'x', type: 'dial' }), auth(TOKENS.acme));
      expect(res.status).toBe(403);
      expect(commands.calls.length).toBe(before);
    });

    const malformed: Array<[string, string, Record<string, string>]> = [
      ['invalid JSON', '{"id":', {}],
      ['an empty body', '', {}],
      ['a JSON array', '[1,2]', {}],
      ['a __proto__ key', '{"id":"x","__proto__":{"polluted":true}}', {}],
      ['a constructor.prototype key', '{"id":"x","constructor":{"prototype":{"polluted":true}}}', {}],
      ['a body over 64 KB', JSON.stringify({ id: 'x', pad: 'a'.repeat(70_000) }), {}],
      ['a text body', 'hello', { 'content-type': 'text/plain' }],
    ];
    it.each(malformed)('answers 400 invalid_argument to %s', async (_name, body, headers) => {
      const res = await post('/v1/tenants/acme/commands', body, { ...auth(TOKENS.admin), ...headers });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
      expect(json).toMatchObject({ ok: false, error: { code: 'invalid_argument', retryable: false } });
      expect(json.error.message).not.toContain('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('answers 404 not_found in the protocol shape', async () => {
    const res = await get('/v2/nothing', auth(TOKENS.acme));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'not_found', retryable: false } });
  });

  it('serves /healthz and /readyz without a token', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ready: true,
      sources: [
        { id: 'pbx-1', vendor: 'mirta', status: 'up' },
        { id: 'pbx-2', vendor: 'mirta', status: 'starting' },
      ],
    });
  });

  it('serves Prometheus metrics with the bridge metric names and no token', async () => {
    const client = await connectClient(h.url, TOKENS.acme);
    try {
      const res = await get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      for (const name of ['callbridge_connected_clients 1', 'callbridge_events_total', 'callbridge_event_log_size', 'callbridge_commands_total']) {
        expect(text).toContain(name);
      }
      for (const token of Object.values(TOKENS)) expect(text).not.toContain(token);
    } finally {
      client.close();
    }
    for (const token of Object.values(TOKENS)) expect(h.logs.join('')).not.toContain(token);
  });
});

describe('server lifecycle', () => {
  it('serves a static directory at / and closes sockets and the port on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callbridge-static-'));
    await writeFile(join(dir, 'index.html'), '<h1>wallboard</h1>');
    const config = ConfigSchema.parse({ listen: { host: '127.0.0.1', port: 0 }, auth: { tokens: [{ token: TOKENS.acme, tenants: ['acme'], scopes: ['*'] }] } });
    const logger = createLogger({ level: 'silent' });
    const bus = memoryBus(logger, 10, 60_000);
    const server = await createServer({ config, bus, sources: new SourceDirectory(), metrics: new BridgeMetrics(), logger, staticDir: dir });
    try {
      const { url } = await server.listen();
      expect(await (await fetch(`${url}/`)).text()).toContain('wallboard');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/nope.html`)).status).toBe(404);
      const client = await connectClient(url, TOKENS.acme);
      let reason = '';
      client.socket.on('disconnect', (r) => (reason = r));
      await server.close();
      await waitFor(() => reason !== '');
      expect(reason).toBe('transport close');
      client.close();
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
