/**
 * The simulator's HTTP side: `/?apikey=…&action=…` (also `/index.php`), GET or POST form, key
 * check, scripted faults, `apiformat=php`. Every refusal is HTTP 200 with an `error` body, as on
 * the real PBXware.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ERROR_TEXTS, SERVER_ACTIONS, runAction, type ActionOptions, type Params } from './actions.js';
import { DEFAULT_ERROR_TEXT, HTTP500_BODY, PHP_WARNING_BODY, type PbxwareFaults } from './faults.js';
import type { PbxwareModel } from './model.js';
import { phpSerialize } from './php-serialize.js';
import type { PbxwareRequestLog } from './request-log.js';

/** An API key; `actions`/`servers` restrict it like a reseller's scoped key. */
export interface SimApiKey {
  key: string;
  actions?: readonly string[];
  servers?: readonly string[];
}

export interface ServerParts {
  model: PbxwareModel;
  keys: readonly SimApiKey[];
  faults: PbxwareFaults;
  requests: PbxwareRequestLog;
  options: ActionOptions;
}

const PATHS: ReadonlySet<string> = new Set(['/', '/index.php']);
const MAX_FORM_BYTES = 64 * 1024;

function send(res: ServerResponse, status: number, body: string, contentType = 'application/json'): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (req.method !== 'POST') {
    req.resume();
    return new URLSearchParams();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) break;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The refusal for a key, or undefined when it may run this action. */
function keyRefusal(grant: SimApiKey | undefined, action: string, params: Params): string | undefined {
  if (!grant) return ERROR_TEXTS.badKey;
  if (grant.actions && !grant.actions.includes(action)) return ERROR_TEXTS.keyAction;
  if (grant.servers) {
    // A scoped key "cannot reach any other tenant", and so cannot list them either.
    if (action === 'pbxware.tenant.list') return ERROR_TEXTS.keyAction;
    if (SERVER_ACTIONS.has(action) && !grant.servers.includes(params.server ?? '')) return ERROR_TEXTS.keyServer;
  }
  return undefined;
}

/** Starts listening; `close` also ends hung requests and pending delays. */
export async function listen(parts: ServerParts, host: string, port: number): Promise<{ server: Server; close: () => Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const form = await readForm(req);
    const all = new URLSearchParams(url.searchParams);
    // PHP's $_REQUEST: POST wins over GET.
    for (const [name, value] of form) all.set(name, value);
    const params: Record<string, string> = Object.fromEntries(all);
    const apikey = params.apikey;
    delete params.apikey;
    const action = params.action ?? '';
    const grant = parts.keys.find((k) => k.key === apikey);
    parts.requests.record({ at: parts.model.now(), method: req.method ?? 'GET', path: url.pathname, action, params, withKey: apikey !== undefined, keyAccepted: grant !== undefined });
    if (!PATHS.has(url.pathname)) return send(res, 404, '<html><body><h1>Not Found</h1></body></html>', 'text/html; charset=UTF-8');

    const fault = parts.faults.take(action);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') {
      if (fault.delayMs === undefined) return;
      await delay(fault.delayMs);
    }
    if (fault?.kind === 'http500') return send(res, 500, HTTP500_BODY, 'text/html; charset=UTF-8');
    if (fault?.kind === 'garbage') return send(res, 200, PHP_WARNING_BODY, 'text/html; charset=UTF-8');
    if (fault?.kind === 'emptyList') return send(res, 200, '[]');
    if (fault?.kind === 'badKey') return send(res, 200, JSON.stringify({ error: ERROR_TEXTS.badKey }));
    if (fault?.kind === 'errorBody') return send(res, 200, JSON.stringify({ error: fault.text ?? DEFAULT_ERROR_TEXT }));

    const refusal = keyRefusal(grant, action, params);
    const body = refusal !== undefined ? { error: refusal } : runAction(action, params, parts.model, parts.options);
    const text = params.apiformat === 'php' ? phpSerialize(body) : JSON.stringify(body);
    const contentType = params.apiformat === 'php' ? 'text/plain; charset=UTF-8' : 'application/json';
    if (fault?.kind === 'truncated') return send(res, 200, text.slice(0, Math.floor(text.length / 2)), contentType);
    send(res, 200, text, contentType);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, HTTP500_BODY, 'text/html; charset=UTF-8'));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
