/**
 * The simulated 3CX web server on node:http (port 0 in tests): `/connect/token`, the bearer-
 * checked `/callcontrol` REST API and the `/callcontrol/ws` upgrade, on one port as on a real
 * PBX. Every request is recorded; injected faults answer before anything else.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { routeCallControl, type CallControlFlags } from './callcontrol-routes.js';
import { bearerOf, readBody, sendEmpty, sendJson } from './http-util.js';
import type { ThreeCxModel } from './model.js';
import type { RequestLog } from './request-log.js';
import type { Scheduler } from '../scheduler.js';
import { tokenRoute } from './token-route.js';
import type { TokenStore } from './tokens.js';
import type { CallControlWsServer } from './ws-server.js';

export interface SimFault {
  status: number;
  count: number;
  /** Only requests whose path matches (default: every `/callcontrol` REST request). */
  path: RegExp | undefined;
  /** Sent as-is instead of the default JSON error (a corrupt answer). */
  body: string | undefined;
}

export interface SimFlags extends CallControlFlags {
  /** Set: `/connect/token` answers this status (400 = the API app was deleted, 5xx = trouble). */
  tokenStatus?: number;
  /** Pending injected failures, consumed in order. */
  faults: SimFault[];
}

export interface ThreeCxServerOptions {
  model: ThreeCxModel;
  tokens: TokenStore;
  scheduler: Scheduler;
  flags: SimFlags;
  log: RequestLog;
  ws: CallControlWsServer;
  clientId: string;
  clientSecret: string;
}

const CALLCONTROL = /^\/callcontrol(?:\/|$)/;

function takeFault(flags: SimFlags, path: string): SimFault | undefined {
  const fault = flags.faults.find((candidate) => (candidate.path ? candidate.path.test(path) : CALLCONTROL.test(path)));
  if (!fault) return undefined;
  fault.count--;
  if (fault.count <= 0) flags.faults.splice(flags.faults.indexOf(fault), 1);
  return fault;
}

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

export function createThreeCxServer(options: ThreeCxServerOptions): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const token = bearerOf(req);
    const entry = options.log.record({ at: Date.now(), method, path: url.pathname, body: undefined, hadToken: token !== undefined, status: 0 });
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    const fault = takeFault(options.flags, url.pathname);
    if (fault) {
      if (fault.body === undefined) return sendJson(res, fault.status, { message: 'simulated failure' });
      res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8' });
      return void res.end(fault.body);
    }

    if (url.pathname === '/connect/token') {
      const form = tokenRoute({ ...options, forcedStatus: () => options.flags.tokenStatus }, req, res, text);
      entry.body = form;
      return;
    }
    if (!CALLCONTROL.test(url.pathname)) return sendEmpty(res, 404);
    let body: unknown;
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return sendJson(res, 400, { title: 'One or more validation errors occurred.', status: 400 });
      }
    }
    entry.body = body;
    const check = token === undefined ? undefined : options.tokens.check(token);
    if (!check?.ok) return sendEmpty(res, 401, { 'www-authenticate': 'Bearer error="invalid_token"' });
    const segments = decodeSegments(url.pathname);
    if (!segments) return sendEmpty(res, 400);
    routeCallControl({ res, method, path: segments.slice(1), body, model: options.model, scheduler: options.scheduler, flags: options.flags });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendEmpty(res, 500);
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    // node:http drops its own error handler from an upgrade socket; a client that resets a
    // refused upgrade (ws does, on a 401) must not become an uncaught ECONNRESET.
    socket.on('error', () => undefined);
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (path !== '/callcontrol/ws') return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    options.ws.handleUpgrade(req, socket, head);
  });
  return server;
}
