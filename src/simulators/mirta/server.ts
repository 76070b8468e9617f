/**
 * The HTTP side: one proxyapi.php handler on the configured paths. Each request is logged, may
 * be hit by an armed fault, waits its configured latency, passes the key check, and is answered
 * by the reqtype's handler in the requested format.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorize } from './auth.js';
import type { HandlerContext } from './context.js';
import { GARBAGE_BODY, HTTP500_BODY, HTTP503_BODY } from './faults.js';
import type { ArmedFault, MirtaFaults } from './faults.js';
import { AUTH_ERROR_BODY, contentTypeFor, parseFormat, renderResult } from './formats.js';
import type { OutputFormat, RenderedReply } from './formats.js';
import type { MirtaModel } from './model.js';
import { latencyFor } from './options.js';
import type { ChannelKeyCase, CommandTimings, LatencyOptions, ReplyTexts } from './options.js';
import type { RequestLog } from './request-log.js';
import { ROUTES, UNKNOWN_ROUTE } from './routes.js';
import type { Scheduler } from '../scheduler.js';
import type { MirtaKeys } from './seed.js';

const MAX_BODY_BYTES = 1024 * 1024;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** What a stock MiRTA box sends; harmless, and it makes captures look alike. */
const VENDOR_HEADERS = { server: 'Apache', 'x-powered-by': 'PHP/7.4.33' } as const;

export interface MirtaServerDeps {
  readonly model: MirtaModel;
  readonly keys: MirtaKeys;
  readonly requests: RequestLog;
  readonly faults: MirtaFaults;
  readonly scheduler: Scheduler;
  readonly paths: readonly string[];
  readonly timings: CommandTimings;
  readonly replies: ReplyTexts;
  readonly channelKeyCase: ChannelKeyCase;
  /** Read per request, so a test can slow the PBX down mid-run. */
  readonly latency: () => LatencyOptions;
  readonly clock: () => number;
  /** Receives handler bugs (answered as HTTP 500). */
  readonly onError: (err: unknown) => void;
}

interface ParsedRequest {
  readonly params: Record<string, string>;
  readonly reqtype: string;
  readonly format: OutputFormat;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: RenderedReply): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(reply.status, { ...VENDOR_HEADERS, ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
  res.end(reply.body);
}

export class MirtaServer {
  readonly #deps: MirtaServerDeps;
  readonly #paths: ReadonlySet<string>;
  readonly #server: Server;

  constructor(deps: MirtaServerDeps) {
    this.#deps = deps;
    this.#paths = new Set(deps.paths);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        deps.onError(err);
        send(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: 'simulator error\n' });
      });
    });
  }

  /** Starts listening. @returns the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops listening and drops every connection, hanging requests included. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const rawBody = req.method === 'POST' ? await readBody(req) : '';
    const query = Object.fromEntries(url.searchParams);
    const isForm = (req.headers['content-type'] ?? '').includes(FORM_CONTENT_TYPE);
    const form = isForm ? Object.fromEntries(new URLSearchParams(rawBody)) : {};
    const params = { ...form, ...query };
    const reqtype = (params.reqtype ?? '').toUpperCase();
    const parsed: ParsedRequest = { params, reqtype, format: parseFormat(params.format) };
    const deps = this.#deps;
    deps.requests.record({ at: deps.clock(), method: req.method ?? 'GET', path: url.pathname, query, body: rawBody, reqtype });

    if (!this.#paths.has(url.pathname)) {
      send(res, { status: 404, headers: { 'content-type': 'text/html; charset=iso-8859-1' }, body: 'Not Found\n' });
      return;
    }
    const fault = deps.faults.take(reqtype);
    if (fault && (await this.#applyFault(fault, req, res, parsed))) return;
    const delay = latencyFor(deps.latency(), reqtype, params.nodename || undefined);
    if (delay > 0) await deps.scheduler.sleep(delay);
    send(res, this.#answer(parsed));
  }

  /** The normal answer to a request. */
  #answer({ params, reqtype, format }: ParsedRequest): RenderedReply {
    const deps = this.#deps;
    const route = ROUTES[reqtype] ?? UNKNOWN_ROUTE;
    const decision = authorize(deps.keys, deps.model, route.access, params, deps.replies);
    if (!decision.ok) return renderResult(decision.result, format);
    const ctx: HandlerContext = {
      params,
      model: deps.model,
      tenant: decision.tenant,
      format,
      timings: deps.timings,
      replies: deps.replies,
      channelKeyCase: deps.channelKeyCase,
      scheduler: deps.scheduler,
    };
    // JSONP needs format=json (HELP); renderResult ignores `callback` for other formats.
    return renderResult(route.handler(ctx), format, params.callback);
  }

  /** @returns true when the fault answered (or dropped) the request itself. */
  async #applyFault(fault: ArmedFault, req: IncomingMessage, res: ServerResponse, parsed: ParsedRequest): Promise<boolean> {
    const contentType = contentTypeFor(parsed.format);
    switch (fault.kind) {
      case 'reset':
        req.socket.destroy();
        return true;
      case 'hang':
        // Without a delay the request stays open until the client gives up or close() drops it.
        if (fault.delayMs === undefined) return true;
        await this.#deps.scheduler.sleep(fault.delayMs);
        return false;
      case 'http500':
        send(res, { status: 500, headers: { 'content-type': 'text/html; charset=iso-8859-1' }, body: HTTP500_BODY });
        return true;
      case 'http429':
        send(res, {
          status: 429,
          headers: { 'content-type': 'text/html; charset=iso-8859-1', 'retry-after': String(fault.retryAfterSec) },
          body: 'Too Many Requests\n',
        });
        return true;
      case 'http503':
        send(res, {
          status: 503,
          headers: { 'content-type': 'text/html; charset=iso-8859-1', 'retry-after': String(fault.retryAfterSec) },
          body: HTTP503_BODY,
        });
        return true;
      case 'authError':
        send(res, { status: 200, headers: { 'content-type': contentType }, body: AUTH_ERROR_BODY });
        return true;
      case 'empty':
        send(res, { status: 200, headers: { 'content-type': contentType }, body: '' });
        return true;
      case 'garbage':
        send(res, { status: 200, headers: { 'content-type': contentType }, body: GARBAGE_BODY });
        return true;
      case 'truncated': {
        const reply = this.#answer(parsed);
        send(res, { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) });
        return true;
      }
    }
  }
}
