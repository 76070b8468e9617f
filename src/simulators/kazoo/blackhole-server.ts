/**
 * The simulated blackhole websocket (Kazoo 4.3; the real one listens on :5555, any path).
 * Plain WebSocket with JSON frames: sessions authenticate with their first message, subscribe
 * one binding per request (the plural `bindings` only in `5.x` flavour), and receive call
 * events for the accounts they subscribed to. Test hooks: `dropAll()` kills every socket,
 * `silent` stops answering (and sending) without closing, `sendRaw()` pushes any frame,
 * `faults` duplicates or reorders event frames, `restart()` is a node restart (sessions lost).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KazooModel } from './model.js';
import type { SimCallEvent } from './model-types.js';
import type { TokenStore } from './tokens.js';
import { bindingError, bindingMatches, routingKey, type Flavor } from './blackhole-bindings.js';
import { BlackholeFaults, type EventOutbox } from './blackhole-faults.js';

export interface BlackholeMessageRecord {
  at: number;
  action: string | undefined;
  requestId: string | undefined;
  data: unknown;
  hadToken: boolean;
}

export interface BlackholeServerOptions {
  model: KazooModel;
  tokens: TokenStore;
  flavor: Flavor;
  /** Sockets without a client message for this long are closed (Kazoo: 1 h). */
  idleTimeoutMs: number;
  /** Upgrades per client IP beyond this get 429 (0 = no cap, Kazoo's default). */
  maxConnectionsPerIp: number;
  log: BlackholeMessageRecord[];
}

interface Session {
  ws: WebSocket;
  ip: string;
  accountId: string | undefined;
  /** `account|binding` -> subscription. */
  bindings: Map<string, { accountId: string; binding: string }>;
  idle: NodeJS.Timeout | undefined;
  events: EventOutbox;
}

const reject = (socket: Duplex, status: string) =>
  socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);

export class BlackholeServer {
  /** While true, messages get no reply and no event is sent, but sockets stay open. */
  silent = false;
  /** Duplicated and reordered event frames (replies are never touched). */
  readonly faults = new BlackholeFaults();
  readonly #options: BlackholeServerOptions;
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  readonly #sessions = new Set<Session>();
  readonly #unsubscribe: () => void;
  #address: { host: string; port: number } | undefined;
  #closed = false;

  constructor(options: BlackholeServerOptions) {
    this.#options = options;
    this.#server = createServer((_req, res) => {
      res.writeHead(400, { 'content-length': '0' });
      res.end();
    });
    this.#server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
    this.#unsubscribe = options.model.onEvent((event) => this.#publish(event));
  }

  /** Listens on `port` (a free one by default). @returns the bound port. */
  listen(host: string, port = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        const bound = typeof address === 'object' && address ? address.port : 0;
        this.#address = { host, port: bound };
        resolve(bound);
      });
    });
  }

  /**
   * A blackhole node restart: every socket dies without a close handshake, the port refuses
   * upgrades for `downMs`, then the same port accepts again. Sessions and their subscriptions
   * are gone (as in Kazoo); the model, and so every call, is kept.
   */
  async restart(downMs = 0): Promise<void> {
    const address = this.#address;
    if (!address) throw new Error('restart: the blackhole is not listening');
    this.dropAll();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    if (!this.#closed) await this.listen(address.host, address.port);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Kills every socket at once (no close handshake), like a network cut or a node restart. */
  dropAll(): void {
    for (const session of this.#sessions) {
      // Gone at once: nothing is routed to it between now and its (async) close event.
      this.#sessions.delete(session);
      clearTimeout(session.idle);
      session.events.close();
      session.ws.terminate();
    }
  }

  /** Sends `text` as-is to every session (garbage and unknown-event tests). */
  sendRaw(text: string): void {
    for (const session of this.#sessions) session.ws.send(text);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    this.dropAll();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Cowboy's blackhole handler: "sub-protocols are not supported".
    if (req.headers['sec-websocket-protocol'] !== undefined) return void reject(socket, '400 Bad Request');
    const ip = req.socket.remoteAddress ?? 'unknown';
    const cap = this.#options.maxConnectionsPerIp;
    if (cap > 0 && [...this.#sessions].filter((s) => s.ip === ip).length >= cap) return void reject(socket, '429 Too Many Requests');
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connected(ws, ip));
  }

  #connected(ws: WebSocket, ip: string): void {
    const session: Session = {
      ws,
      ip,
      accountId: undefined,
      bindings: new Map(),
      idle: undefined,
      events: this.faults.outbox((text) => ws.send(text)),
    };
    this.#sessions.add(session);
    this.#touch(session);
    ws.on('message', (raw, isBinary) => {
      this.#touch(session);
      if (!isBinary) this.#onMessage(session, raw.toString());
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(session.idle);
      session.events.close();
      this.#sessions.delete(session);
    });
  }

  #touch(session: Session): void {
    clearTimeout(session.idle);
    session.idle = setTimeout(() => session.ws.close(1000, 'idle timeout'), this.#options.idleTimeoutMs);
    session.idle.unref();
  }

  #onMessage(session: Session, text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return; // [I] what blackhole does with non-JSON is not documented: ignored here.
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    const msg = message as Record<string, unknown>;
    const action = typeof msg.action === 'string' ? msg.action : 'noop';
    // No request_id: blackhole makes up 16 random hex characters.
    const requestId = typeof msg.request_id === 'string' ? msg.request_id : randomBytes(8).toString('hex');
    this.#options.log.push({ at: Date.now(), action, requestId, data: msg.data, hadToken: msg.auth_token !== undefined });
    if (this.silent) return;
    const reply = (status: 'success' | 'error', data: unknown) =>
      session.ws.send(JSON.stringify({ action: 'reply', request_id: requestId, status, data }));
    const fail = (error: string) => reply('error', { errors: [error] });

    // Authenticate: needed until the session has authenticated once, checked whenever given.
    const token = msg.auth_token;
    if (token !== undefined) {
      if (typeof token !== 'string') return fail('invalid authentication token format');
      const check = this.#options.tokens.check(token);
      if (!check.ok) return fail(`failed to authenticate token ${token}`);
      session.accountId = check.accountId;
    } else if (session.accountId === undefined) {
      return fail('authentication token required');
    }

    if (action === 'ping') return reply('success', { response: 'pong' });
    if (action !== 'subscribe' && action !== 'unsubscribe') return reply('success', {}); // noop
    const data = msg.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return fail('missing required keys in data object');
    const request = this.#parseSubscription(session, data as Record<string, unknown>);
    if ('error' in request) return fail(request.error);
    if (action === 'subscribe') {
      for (const binding of request.bindings) session.bindings.set(`${request.accountId}|${binding}`, { accountId: request.accountId, binding });
      const all = [...session.bindings.values()].map((s) => s.binding);
      return reply('success', this.#options.flavor === '5.x' ? { subscribed: request.bindings[0], subscriptions: all } : { subscribed: all });
    }
    for (const binding of request.bindings) session.bindings.delete(`${request.accountId}|${binding}`);
    reply('success', { unsubscribed: request.bindings, subscribed: [...session.bindings.values()].map((s) => s.binding) });
  }

  #parseSubscription(session: Session, data: Record<string, unknown>): { accountId: string; bindings: string[] } | { error: string } {
    const flavor = this.#options.flavor;
    const single = typeof data.binding === 'string' ? [data.binding] : undefined;
    const plural = Array.isArray(data.bindings) && data.bindings.every((b) => typeof b === 'string') ? (data.bindings as string[]) : undefined;
    // `binding` wins over `bindings`; 4.3 validates the singular key only.
    const bindings = single ?? (flavor === '5.x' ? plural : undefined);
    const account = typeof data.account_id === 'string' ? data.account_id : flavor === '5.x' ? session.accountId : undefined;
    const missing = [account === undefined ? 'account_id' : undefined, bindings === undefined ? 'binding' : undefined].filter(Boolean);
    if (missing.length > 0 || account === undefined || bindings === undefined) return { error: `missing required keys : ${missing.join(', ')}` };
    if (account === '*') return { error: 'unauthorized wildcard account id' };
    if (account !== session.accountId) return { error: 'unauthorized account id' };
    for (const binding of bindings) {
      const error = bindingError(binding);
      if (error) return { error };
    }
    return { accountId: account, bindings };
  }

  #publish(event: SimCallEvent): void {
    if (this.silent) return;
    for (const session of this.#sessions) {
      for (const { accountId, binding } of session.bindings.values()) {
        if (accountId !== event.accountId || !bindingMatches(binding, event)) continue;
        const [, ev, id] = binding.split('.');
        session.events.push(
          JSON.stringify({
            action: 'event',
            subscribed_key: binding,
            subscription_key: `call.${accountId}.${ev}.${id}`,
            name: event.name,
            routing_key: routingKey(event),
            data: event.data,
          }),
        );
        break; // one copy per session, whatever the number of matching bindings
      }
    }
  }
}
