/**
 * The simulated crossbar REST API on node:http (port 0 in tests; the real one is :8000):
 * `PUT /v2/api_auth`, then token-checked account routes (crossbar-routes.ts). Tokens are read
 * where crossbar reads them: `X-Auth-Token`, `?auth_token=`, body `auth_token`, `Bearer`.
 * Every request is recorded so tests can assert exactly what the bridge sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KazooModel } from './model.js';
import type { TokenStore } from './tokens.js';
import { filterBody, sendError, sendSuccess } from './envelope.js';
import { GARBAGE_PAGE, HAPROXY_503_PAGE, type ArmedCrossbarFault, type CrossbarFaults } from './crossbar-faults.js';
import { routeAccount, type SimFlags } from './crossbar-routes.js';
import type { Scheduler } from '../scheduler.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface CrossbarRequestRecord {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** Whether a token came with it (the token itself is not recorded). */
  hadToken: boolean;
  status: number;
}

export interface CrossbarServerOptions {
  model: KazooModel;
  tokens: TokenStore;
  scheduler: Scheduler;
  flags: SimFlags;
  log: CrossbarRequestRecord[];
  /** `PUT /v2/api_auth` allowed per second before 429 (0 = no limit). */
  apiAuthPerSecond: number;
  /** Scripted faults, checked for every request after it is logged. */
  faults: CrossbarFaults;
}

function sendPage(res: ServerResponse, status: number, page: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page), ...headers });
  res.end(page);
}

/** @returns true when the fault answered (or dropped) the request itself. */
function applyFault(fault: ArmedCrossbarFault, req: IncomingMessage, res: ServerResponse): boolean {
  const retryAfter = { 'retry-after': String(fault.retryAfterSec) };
  switch (fault.kind) {
    case 'http500':
      sendError(res, 500, 'internal server error');
      return true;
    case 'http429':
      res.setHeader('retry-after', retryAfter['retry-after']);
      sendError(res, 429, 'too many requests');
      return true;
    case 'http503':
      sendPage(res, 503, HAPROXY_503_PAGE, retryAfter);
      return true;
    case 'auth401':
      sendError(res, 401, 'invalid credentials');
      return true;
    case 'garbage':
      sendPage(res, 200, GARBAGE_PAGE);
      return true;
    case 'truncated':
      filterBody(res, (text) => text.slice(0, Math.floor(text.length / 2)));
      return false;
    case 'hang':
      // Answered by nobody: the client's deadline or close() ends it.
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function tokenOf(req: IncomingMessage, query: URLSearchParams, body: unknown): string | undefined {
  const header = req.headers['x-auth-token'];
  if (typeof header === 'string' && header !== '') return header;
  const fromQuery = query.get('auth_token');
  if (fromQuery) return fromQuery;
  const fromBody = (body as { auth_token?: unknown } | null)?.auth_token;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return bearer;
}

export function createCrossbarServer(options: CrossbarServerOptions): Server {
  const window = { second: 0, count: 0 };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    let body: unknown;
    const text = await readBody(req);
    const record: CrossbarRequestRecord = {
      at: Date.now(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      hadToken: false,
      status: 0,
    };
    options.log.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    const fault = options.faults.take(url.pathname);
    if (fault && applyFault(fault, req, res)) return;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
        record.body = body;
      } catch {
        sendError(res, 400, 'invalid request body', { message: 'could not parse JSON' });
        return;
      }
    }
    const token = tokenOf(req, url.searchParams, body);
    record.hadToken = token !== undefined;
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'v2') return sendError(res, 404, 'not found');

    if (segments[1] === 'api_auth' && segments.length === 2) {
      if (method !== 'PUT') return sendError(res, 405, 'method not allowed');
      const second = Math.floor(Date.now() / 1000);
      if (second !== window.second) Object.assign(window, { second, count: 0 });
      if (options.apiAuthPerSecond > 0 && ++window.count > options.apiAuthPerSecond) {
        return sendError(res, 429, 'too many requests');
      }
      if (options.flags.apiAuthStatus !== undefined) return sendError(res, options.flags.apiAuthStatus, 'simulated failure');
      return apiAuth(options, res, body);
    }
    if (segments[1] === 'accounts' && segments[2] !== undefined) {
      if (token === undefined) return sendError(res, 401, 'invalid credentials');
      const check = options.tokens.check(token);
      if (!check.ok) return sendError(res, 401, 'invalid credentials');
      if (check.accountId !== segments[2]) return sendError(res, 403, 'forbidden', {}, token);
      return routeAccount({
        res,
        method,
        accountId: segments[2],
        path: segments.slice(3),
        query: url.searchParams,
        body,
        token,
        model: options.model,
        scheduler: options.scheduler,
        flags: options.flags,
      });
    }
    sendError(res, 404, 'not found');
  };
  return createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    });
  });
}

function apiAuth(options: CrossbarServerOptions, res: ServerResponse, body: unknown): void {
  const key = (body as { data?: { api_key?: unknown } } | null)?.data?.api_key;
  if (typeof key !== 'string' || key === '') return sendError(res, 401, 'invalid credentials', {});
  const account = [...options.model.accounts.values()].find((candidate) => candidate.apiKey === key);
  // Kazoo echoes the unknown key in `data` (cb_api_auth): the bridge must never log bodies.
  if (!account) return sendError(res, 404, 'bad identifier', [key]);
  const token = options.tokens.issue(account.id);
  sendSuccess(
    res,
    201,
    {
      account_id: account.id,
      account_name: account.name,
      apps: [],
      language: 'en-US',
      is_reseller: false,
      reseller_id: account.id,
      is_master_account: false,
    },
    { authToken: token },
  );
}
