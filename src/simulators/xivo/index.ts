/**
 * A local XiVO web-services simulator: HTTP Basic (401 + `WWW-Authenticate: Basic
 * realm="Access Restricted"`), the CEL `searchid` poll, and queue/agent/user lists. No call
 * control, as on the real system. Test hooks: scripted `faults` and `restart()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XIVO_GARBAGE_BODY, XivoFaults } from './faults.js';
import { XivoModel } from './model.js';

export { XivoModel, celTime, type SimCall, type CelRowOut, type LiveCall } from './model.js';
export { XivoFaults, XIVO_FAULT_KINDS, type XivoFaultKind, type XivoFaultSpec } from './faults.js';

export const XIVO_MAX_LIMIT = 5000;
const VERSION_HEADER = 'X-XiVO-WS-Version';

export interface XivoLoggedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly status: number;
  /** The Authorization header was present (its value is not kept). */
  readonly withAuth: boolean;
}

export interface XivoSimulatorOptions {
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  /** Path substrings this user has no rights to (403). */
  denied?: string[];
  model?: XivoModel;
}

export interface XivoSimulator {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly model: XivoModel;
  readonly requests: XivoLoggedRequest[];
  /** Scripted faults (HTTP errors, garbage, truncated bodies, hangs, resets). */
  readonly faults: XivoFaults;
  /** The next `count` requests answer this HTTP status (e.g. 500), without a body. */
  failNext(status: number, count?: number): void;
  /**
   * The web server restarting: every connection dropped, the port refusing for `downMs`, then
   * the same port answering again with the same CEL table and lists.
   */
  restart(options?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

/** What one request is answered with, before a fault may spoil it. */
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function send(res: ServerResponse, reply: Reply, transform: (text: string) => string = (text) => text): void {
  const text = reply.body === undefined ? undefined : transform(JSON.stringify(reply.body));
  res.writeHead(reply.status, {
    [VERSION_HEADER]: '1.0',
    ...reply.headers,
    ...(text === undefined ? {} : { 'content-type': 'application/json' }),
  });
  res.end(text);
}

const list = (rows: readonly unknown[]): Reply => (rows.length === 0 ? { status: 204 } : { status: 200, body: rows });

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * Starts the simulator on a free port.
 *
 * @example
 * const sim = await startXivoSimulator();
 * const call = sim.model.startCall({ from: '1001', to: '1002' });
 */
export async function startXivoSimulator(options: XivoSimulatorOptions = {}): Promise<XivoSimulator> {
  const username = options.username ?? 'callbridge';
  const password = options.password ?? 'xivo-ws-s3cret';
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const model = options.model ?? new XivoModel();
  const requests: XivoLoggedRequest[] = [];
  const denied = options.denied ?? [];
  const faults = new XivoFaults();
  const challenge = { 'WWW-Authenticate': 'Basic realm="Access Restricted"' };

  const answer = (req: IncomingMessage, url: URL): Reply => {
    const query = Object.fromEntries(url.searchParams);
    if (req.headers.authorization !== expected) return { status: 401, headers: challenge };
    if (denied.some((part) => url.pathname.includes(part))) return { status: 403 };
    if (req.method !== 'GET') return { status: 400 };
    const act = query.act ?? 'searchid';
    const path = url.pathname.replace(/\/+$/, '');
    if (path.endsWith('/service/ipbx/json.php/restricted/call_management/cel')) {
      if (act !== 'searchid' || query.idbeg === undefined || query.idbeg === '') return { status: 400 };
      const idbeg = Number.parseInt(query.idbeg, 10) || 0;
      const asked = Number.parseInt(query.limit ?? '', 10);
      const limit = Number.isFinite(asked) && asked > 0 && asked < XIVO_MAX_LIMIT ? asked : XIVO_MAX_LIMIT;
      return list(model.celAfter(idbeg, limit));
    }
    const lists: Record<string, readonly unknown[]> = {
      '/callcenter/json.php/restricted/settings/queues': model.queues,
      '/callcenter/json.php/restricted/settings/agents': model.agents,
      '/service/ipbx/json.php/restricted/pbx_settings/users': model.users,
      '/service/ipbx/json.php/restricted/pbx_settings/lines': [],
    };
    const rows = Object.entries(lists).find(([suffix]) => path.endsWith(suffix))?.[1];
    if (rows === undefined) return { status: 404 };
    if (act === 'list') return list(rows);
    if (act === 'view') {
      const row = rows.find((r) => String((r as { id?: unknown }).id) === query.id);
      return row === undefined ? { status: 404 } : { status: 200, body: row };
    }
    return { status: 400 };
  };

  /** Answers `req`, through an armed fault if one matches. @returns the status sent (0: none). */
  const handle = (req: IncomingMessage, res: ServerResponse, url: URL): number => {
    const fault = faults.take(url.pathname);
    const retryAfter = { 'retry-after': String(fault?.retryAfterSec ?? 1) };
    switch (fault?.kind) {
      case 'hang':
        return 0; // answered by nobody: the client's deadline or close() ends it
      case 'reset':
        req.socket.destroy();
        return 0;
      case 'status':
        send(res, { status: fault.status });
        return fault.status;
      case 'http500':
        sendText(res, 500, '<h1>Internal Server Error</h1>');
        return 500;
      case 'http429':
        sendText(res, 429, '<h1>429 Too Many Requests</h1>', retryAfter);
        return 429;
      case 'http503':
        sendText(res, 503, '<h1>503 Service Temporarily Unavailable</h1>', retryAfter);
        return 503;
      case 'auth401':
        send(res, { status: 401, headers: challenge });
        return 401;
      case 'garbage':
        sendText(res, 200, XIVO_GARBAGE_BODY);
        return 200;
      case 'truncated': {
        const reply = answer(req, url);
        send(res, reply, (text) => text.slice(0, Math.floor(text.length / 2)));
        return reply.status;
      }
      default: {
        const reply = answer(req, url);
        send(res, reply);
        return reply.status;
      }
    }
  };

  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://sim');
    let status = 500;
    try {
      status = handle(req, res, url);
    } catch {
      if (!res.headersSent) send(res, { status: 500 });
    }
    requests.push({ at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status, withAuth: req.headers.authorization !== undefined });
    if (requests.length > 10_000) requests.shift();
  });
  const listen = (port: number, host: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  let closed = false;
  return {
    url: `http://${address.address}:${address.port}`,
    username,
    password,
    model,
    requests,
    faults,
    failNext(status, count = 1) {
      faults.arm({ kind: 'status', status, times: count });
    },
    async restart(restartOptions = {}) {
      if (closed) throw new Error('restart: the simulator is closed');
      await stop();
      const downMs = restartOptions.downMs ?? 0;
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      if (!closed) await listen(address.port, address.address);
    },
    close: () => {
      closed = true;
      return stop();
    },
  };
}
