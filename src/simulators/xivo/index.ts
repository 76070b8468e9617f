/**
 * A local XiVO web-services simulator: HTTP Basic (401 + `WWW-Authenticate: Basic
 * realm="Access Restricted"`), the CEL `searchid` poll, and queue/agent/user lists. No call
 * control, as on the real system.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XivoModel } from './model.js';

export { XivoModel, celTime, type SimCall, type CelRowOut } from './model.js';

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
  /** The next `count` requests answer this HTTP status (e.g. 500). */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { [VERSION_HEADER]: '1.0', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

function list(res: ServerResponse, rows: readonly unknown[]): void {
  if (rows.length === 0) send(res, 204);
  else send(res, 200, rows);
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
  let faults: { status: number; count: number } | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): number => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const query = Object.fromEntries(url.searchParams);
    if (faults && faults.count > 0) {
      faults.count--;
      send(res, faults.status);
      return faults.status;
    }
    if (req.headers.authorization !== expected) {
      send(res, 401, undefined, { 'WWW-Authenticate': 'Basic realm="Access Restricted"' });
      return 401;
    }
    if (denied.some((part) => url.pathname.includes(part))) {
      send(res, 403);
      return 403;
    }
    if (req.method !== 'GET') {
      send(res, 400);
      return 400;
    }
    const act = query.act ?? 'searchid';
    const path = url.pathname.replace(/\/+$/, '');
    if (path.endsWith('/service/ipbx/json.php/restricted/call_management/cel')) {
      if (act !== 'searchid' || query.idbeg === undefined || query.idbeg === '') {
        send(res, 400);
        return 400;
      }
      const idbeg = Number.parseInt(query.idbeg, 10) || 0;
      const asked = Number.parseInt(query.limit ?? '', 10);
      const limit = Number.isFinite(asked) && asked > 0 && asked < XIVO_MAX_LIMIT ? asked : XIVO_MAX_LIMIT;
      const rows = model.celAfter(idbeg, limit);
      list(res, rows);
      return rows.length === 0 ? 204 : 200;
    }
    const lists: Record<string, readonly unknown[]> = {
      '/callcenter/json.php/restricted/settings/queues': model.queues,
      '/callcenter/json.php/restricted/settings/agents': model.agents,
      '/service/ipbx/json.php/restricted/pbx_settings/users': model.users,
      '/service/ipbx/json.php/restricted/pbx_settings/lines': [],
    };
    const rows = Object.entries(lists).find(([suffix]) => path.endsWith(suffix))?.[1];
    if (rows === undefined) {
      send(res, 404);
      return 404;
    }
    if (act === 'list') {
      list(res, rows);
      return rows.length === 0 ? 204 : 200;
    }
    if (act === 'view') {
      const row = rows.find((r) => String((r as { id?: unknown }).id) === query.id);
      if (row === undefined) {
        send(res, 404);
        return 404;
      }
      send(res, 200, row);
      return 200;
    }
    send(res, 400);
    return 400;
  };

  const server = createServer((req, res) => {
    req.resume();
    let status = 500;
    try {
      status = handle(req, res);
    } catch {
      if (!res.headersSent) send(res, 500);
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    requests.push({ at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status, withAuth: req.headers.authorization !== undefined });
    if (requests.length > 10_000) requests.shift();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    username,
    password,
    model,
    requests,
    failNext(status, count = 1) {
      faults = { status, count };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
