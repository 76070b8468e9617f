/**
 * Random and adversarial payloads at every socket call and REST route of a running bridge (which
 * polls the MiRTA simulator and carries real commands): every answer is a protocol answer — an
 * ok ack or `{ ok: false, error: { code, message, retryable } }` with a known code that is not
 * `internal` — and the bridge keeps serving a well-behaved client throughout.
 */
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { hostileValue, mutateAt, nastyString } from './arbitraries.js';

const RUNS = 150;

/** Lone surrogates cannot be URL-encoded: replace them (Node 20's lib has no toWellFormed). */
const wellFormed = (text: string): string => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
/** Bigger socket messages close the connection by design (tested in test/server). */
const MAX_SOCKET_PAYLOAD_CHARS = 60_000;

let ctx: TestBridge;
let socket: Socket;
const counted = { socket: 0, rest: 0 };

beforeAll(async () => {
  // The per-socket call limit would answer most of the fuzz `rate_limited` (abuse-limits tests
  // cover that): raise it so the payloads reach the handlers.
  ctx = await startTestBridge({ config: { clients: { callsPerSecond: 100_000, callsBurst: 100_000 } } });
  socket = io(`${ctx.url}/v1`, { auth: { token: E2E_TOKENS.admin }, transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
}, 30_000);

afterAll(async () => {
  socket?.close();
  await ctx?.close();
  console.info(`fuzz: ${counted.socket} socket calls, ${counted.rest} REST requests, no crash`);
});

function expectProtocolAnswer(answer: unknown): void {
  expect(answer).toBeTypeOf('object');
  const ack = answer as { ok?: unknown; error?: { code?: unknown; message?: unknown; retryable?: unknown } };
  if (ack.ok === true) return;
  expect(ack.ok).toBe(false);
  expect(ERROR_CODES).toContain(ack.error?.code);
  expect(ack.error?.code).not.toBe('internal');
  expect(typeof ack.error?.message).toBe('string');
  expect(typeof ack.error?.retryable).toBe('boolean');
}

const fits = (value: unknown): boolean => {
  try {
    return (JSON.stringify(value) ?? '').length < MAX_SOCKET_PAYLOAD_CHARS;
  } catch {
    return false;
  }
};

const VALID = {
  subscribe: { tenant: 'demo', topics: ['peers', 'channels'], since: 1 },
  unsubscribe: { tenant: 'demo', topics: ['peers'] },
  command: { id: 'fuzz-1', tenant: 'demo', source: 'mirta-e2e', type: 'hangup', args: { channel: 'SIP/100-DEMO-000001' } },
} as const;

describe('socket calls under hostile payloads', () => {
  for (const call of ['subscribe', 'unsubscribe', 'command'] as const) {
    it(`${call}: a protocol answer to anything, and the socket stays usable`, async () => {
      const payload = fc.oneof(hostileValue, mutateAt(VALID[call])).filter(fits);
      await fc.assert(
        fc.asyncProperty(payload, async (value) => {
          counted.socket++;
          const answer: unknown = await socket.timeout(10_000).emitWithAck(call, value);
          expectProtocolAnswer(answer);
        }),
        { numRuns: RUNS },
      );
      expect(socket.connected).toBe(true);
    }, 120_000);
  }

  it('a well-behaved client still gets its snapshot afterwards', async () => {
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { tenant: 'demo', topics: ['peers'] })) as { ok: boolean; snapshot: { peers: unknown[] } };
    expect(ack).toMatchObject({ ok: true });
    expect(ack.snapshot.peers.length).toBeGreaterThan(0);
  });
});

describe('REST under hostile requests', () => {
  const tenant = fc.oneof(
    fc.constantFrom('demo', 'globex', 'nope', '..', '%2e%2e', '__proto__', '%', '%zz', '%c0%af', '%00', 'a%2Fb'),
    nastyString.map((s) => encodeURIComponent(wellFormed(s.slice(0, 100)))),
  );
  const path = fc.oneof(
    tenant.map((t) => `/v1/tenants/${t}/state`),
    tenant.map((t) => `/v1/tenants/${t}/commands`),
    fc.constantFrom('/readyz', '/healthz', '/v1/public/callback', '/v1/tenants', '/v1/tenants/demo/state/', '//v1//tenants//demo'),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc.dictionary(fc.constantFrom('topics', 'since', 'raw', '__proto__', 'x'), nastyString.map((s) => wellFormed(s.slice(0, 200)))).map((q) => `?${new URLSearchParams(q).toString()}`),
  );
  const authorization = fc.oneof(
    fc.constant(`Bearer ${E2E_TOKENS.admin}`),
    fc.constant(`Bearer ${E2E_TOKENS.reader}`),
    fc.constant(undefined),
    nastyString.map((s) => `Bearer ${s.replace(/[\r\n\0]/g, '').slice(0, 5000)}`),
  );
  const body = fc.oneof(
    hostileValue.map((value) => {
      try {
        return JSON.stringify(value) ?? 'null';
      } catch {
        return '{}';
      }
    }),
    mutateAt(VALID.command).map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 300 }),
  );
  const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', undefined);

  it('every route: a protocol error or success, never a 500 and never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), path, query, authorization, body, contentType, async (method, p, q, auth, text, type) => {
        counted.rest++;
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = auth;
        if (type !== undefined) headers['content-type'] = type;
        let res: Response;
        try {
          res = await fetch(`${ctx.url}${p}${q}`, { method, headers, body: method === 'GET' ? undefined : text, signal: AbortSignal.timeout(10_000) });
        } catch (err) {
          // fetch itself refuses some header values (e.g. non-ByteString tokens): nothing was sent.
          if (err instanceof TypeError && /header|ByteString|Headers/i.test(String(err.message) + String((err as { cause?: Error }).cause?.message))) return;
          throw err;
        }
        expect(res.status).not.toBe(500);
        const answer = (await res.json()) as unknown;
        if (res.status >= 400) expectProtocolAnswer(answer);
      }),
      { numRuns: RUNS * 3 },
    );
    expect((await fetch(`${ctx.url}/v1/tenants/demo/state`, { headers: { authorization: `Bearer ${E2E_TOKENS.admin}` } })).status).toBe(200);
  }, 180_000);
});
