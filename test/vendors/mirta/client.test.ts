/** MirtaClient against a real node:http server on port 0: query shape, and every failure mapped. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError } from '../../../src/errors.js';
import { PollError } from '../../../src/pollers/poll-error.js';
import { VendorUnavailableError } from '../../../src/vendors/http-errors.js';
import { MirtaClient } from '../../../src/vendors/mirta/client.js';

const KEY = 'k3y-0123456789abcdef';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let handler: Handler = (_req, res) => res.end('[]');
let url: string;
const seen: URL[] = [];
const clients: MirtaClient[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(new URL(req.url ?? '/', 'http://localhost'));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pbx/proxyapi.php`;
});
afterEach(async () => {
  seen.length = 0;
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(options: { maxBodyBytes?: number; url?: string } = {}): MirtaClient {
  const created = new MirtaClient({ url: options.url ?? url, key: KEY, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) });
  clients.push(created);
  return created;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(String((err as Error).message)).not.toContain(KEY);
    expect(String((err as Error).message)).not.toContain('proxyapi');
    return err as Error;
  }
  throw new Error('expected a failure');
}

const poll = { kind: 'poll' as const, timeoutMs: 1_000 };
const command = { kind: 'command' as const, timeoutMs: 1_000 };

describe('MirtaClient', () => {
  it('GETs the configured path with the params, format=json and the key', async () => {
    handler = (_req, res) => res.end('[{"Name":"100-DEMO/100-DEMO"}]');
    const body = await client().request({ reqtype: 'PEERS', tenant: 'DEMO' }, poll);
    expect(body).toBe('[{"Name":"100-DEMO/100-DEMO"}]');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.pathname).toBe('/pbx/proxyapi.php');
    expect(Object.fromEntries(seen[0]!.searchParams)).toEqual({ reqtype: 'PEERS', tenant: 'DEMO', format: 'json', key: KEY });
  });

  it('works over an injected Pool', async () => {
    handler = (_req, res) => res.end('ok');
    const pool = new Pool(new URL(url).origin);
    const injected = new MirtaClient({ url, key: KEY, dispatcher: pool });
    expect(await injected.request({ reqtype: 'HELP' }, poll)).toBe('ok');
    await pool.close();
  });

  it('turns the HTTP 200 auth text into auth failures', async () => {
    handler = (_req, res) => res.end('Too bad... you mistaken the security api key.\n');
    const pollErr = await failure(client().request({ reqtype: 'PEERS' }, poll));
    expect(pollErr).toBeInstanceOf(PollError);
    expect((pollErr as PollError).reason).toBe('auth');
    const cmdErr = await failure(client().request({ reqtype: 'DIAL' }, command));
    expect((cmdErr as BridgeError).code).toBe('vendor_error');
  });

  it('maps HTTP statuses: 500 is http / outcome unknown, 503 and 429 are not processed', async () => {
    handler = (_req, res) => {
      res.statusCode = 500;
      res.end('<html>oops</html>');
    };
    expect(((await failure(client().request({ reqtype: 'PEERS' }, poll))) as PollError).reason).toBe('http');
    expect(((await failure(client().request({ reqtype: 'DIAL' }, command))) as BridgeError).code).toBe('timeout');

    handler = (_req, res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.end();
    };
    const unavailable = await failure(client().request({ reqtype: 'DIAL' }, command));
    expect(unavailable).toBeInstanceOf(VendorUnavailableError);
    expect((unavailable as VendorUnavailableError).retryAfterSec).toBe(7);
    expect((unavailable as BridgeError).retryable).toBe(true);

    handler = (_req, res) => {
      res.writeHead(429, { 'retry-after': '2' });
      res.end();
    };
    expect(((await failure(client().request({ reqtype: 'PEERS' }, poll))) as PollError).reason).toBe('rate_limited');
    expect(((await failure(client().request({ reqtype: 'DIAL' }, command))) as BridgeError).code).toBe('unavailable');
  });

  it('times out a hanging vendor: timeout for polls and commands', async () => {
    handler = () => undefined;
    const started = Date.now();
    expect(((await failure(client().request({ reqtype: 'PEERS' }, { kind: 'poll', timeoutMs: 150 }))) as PollError).reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(((await failure(client().request({ reqtype: 'DIAL' }, { kind: 'command', timeoutMs: 150 }))) as BridgeError).code).toBe('timeout');
  });

  it('honours the caller signal', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('command timeout')), 50);
    const err = await failure(client().request({ reqtype: 'DIAL' }, { ...command, signal: controller.signal }));
    expect((err as BridgeError).code).toBe('timeout');
  });

  it('does not send at all when the signal is already aborted (unavailable, retryable)', async () => {
    const err = await failure(client().request({ reqtype: 'DIAL' }, { ...command, signal: AbortSignal.abort() }));
    expect((err as BridgeError).code).toBe('unavailable');
    expect(seen).toHaveLength(0);
  });

  it('maps a reset after sending to timeout (a dial may have been carried out)', async () => {
    handler = (req) => req.socket.destroy();
    expect(((await failure(client().request({ reqtype: 'DIAL' }, command))) as BridgeError).code).toBe('timeout');
    expect(((await failure(client().request({ reqtype: 'PEERS' }, poll))) as PollError).reason).toBe('network');
  });

  it('maps a refused connection to unavailable / network', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = client({ url: `http://127.0.0.1:${port}/pbx/proxyapi.php` });
    expect(((await failure(refused.request({ reqtype: 'DIAL' }, command))) as BridgeError).code).toBe('unavailable');
    expect(((await failure(refused.request({ reqtype: 'PEERS' }, poll))) as PollError).reason).toBe('network');
  });

  it('caps the body size', async () => {
    handler = (_req, res) => {
      res.write('x'.repeat(600));
      res.end('y'.repeat(600));
    };
    expect(((await failure(client({ maxBodyBytes: 1_000 }).request({ reqtype: 'PEERS' }, poll))) as PollError).reason).toBe('parse');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '5000' });
      res.end('z'.repeat(5000));
    };
    expect(((await failure(client({ maxBodyBytes: 1_000 }).request({ reqtype: 'PEERS' }, poll))) as PollError).reason).toBe('parse');
  });

  it('redacts the key from vendor text', () => {
    expect(client().redact(`bad request key=${KEY}&x`)).toBe('bad request key=[redacted]&x');
  });
});
