/**
 * The simulated `/callcontrol/ws`: the upgrade needs a valid bearer token (401 otherwise), then
 * every model change is pushed as `{sequence, event:{event_type, entity, attached_data}}`, so
 * the client must GET the entity to learn its state. Sessions are closed when their token
 * expires [I]. Test hooks: `dropAll()` kills every socket, `silent` stops pushing and stops
 * answering pings without closing (a connection a NAT forgot), `loseNotifications()` skips
 * some, `sendRaw()` pushes any frame.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerOf } from './http-util.js';
import type { ThreeCxModel } from './model.js';
import type { SimNotification } from './model-types.js';
import type { RequestLog } from './request-log.js';
import type { TokenStore } from './tokens.js';

interface Session {
  ws: WebSocket;
  sequence: number;
  expiry: NodeJS.Timeout;
}

export interface CallControlWsServerOptions {
  model: ThreeCxModel;
  tokens: TokenStore;
  log: RequestLog;
  /** Close a session when its token expires (the header is fixed at the handshake). */
  closeOnTokenExpiry: boolean;
}

const reject = (socket: Duplex, status: string, extra = '') =>
  socket.end(`HTTP/1.1 ${status}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);

export class CallControlWsServer {
  /** While true, no notification is pushed and no ping answered, but sockets stay open. */
  silent = false;
  readonly #options: CallControlWsServerOptions;
  // Pongs are answered by hand, so that `silent` can withhold them.
  readonly #wss = new WebSocketServer({ noServer: true, autoPong: false, maxPayload: 64 * 1024 });
  readonly #sessions = new Set<Session>();
  readonly #unsubscribe: () => void;
  #toLose = 0;

  constructor(options: CallControlWsServerOptions) {
    this.#options = options;
    this.#unsubscribe = options.model.onNotification((notification) => this.#publish(notification));
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Kills every socket at once (no close handshake), like a network cut or a PBX restart. */
  dropAll(): void {
    for (const session of this.#sessions) {
      this.#sessions.delete(session);
      clearTimeout(session.expiry);
      session.ws.terminate();
    }
  }

  /** The next `count` notifications are lost on the way (their sequence numbers are skipped). */
  loseNotifications(count: number): void {
    this.#toLose += count;
  }

  /** Sends `text` as-is to every session (garbage and unknown-event tests). */
  sendRaw(text: string): void {
    for (const session of this.#sessions) session.ws.send(text);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const token = bearerOf(req);
    const entry = this.#options.log.record({ at: Date.now(), method: 'GET', path: req.url ?? '', body: undefined, hadToken: token !== undefined, status: 0 });
    const check = token === undefined ? undefined : this.#options.tokens.check(token);
    if (!check?.ok) {
      entry.status = 401;
      return void reject(socket, '401 Unauthorized', 'WWW-Authenticate: Bearer error="invalid_token"\r\n');
    }
    entry.status = 101;
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connected(ws, check.expiresAt));
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.dropAll();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #connected(ws: WebSocket, expiresAt: number): void {
    const expiry = setTimeout(
      () => {
        if (this.#options.closeOnTokenExpiry) ws.close(1008, 'token expired');
      },
      Math.max(0, expiresAt - Date.now()),
    );
    expiry.unref();
    const session: Session = { ws, sequence: 0, expiry };
    this.#sessions.add(session);
    ws.on('ping', (data) => {
      if (!this.silent) ws.pong(data);
    });
    ws.on('message', (raw, isBinary) => {
      if (!isBinary && !this.silent) this.#onRequest(ws, raw.toString());
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(session.expiry);
      this.#sessions.delete(session);
    });
  }

  /** Requests over the socket (`{RequestID, Path, RequestData}`) are not simulated: 501. */
  #onRequest(ws: WebSocket, text: string): void {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return;
    }
    const { RequestID: requestId, Path: path } = (request ?? {}) as { RequestID?: unknown; Path?: unknown };
    ws.send(JSON.stringify({ RequestID: requestId ?? null, Path: path ?? null, StatusCode: 501, Response: null }));
  }

  #publish(notification: SimNotification): void {
    if (this.silent) return;
    const lost = this.#toLose > 0;
    if (lost) this.#toLose--;
    for (const session of this.#sessions) {
      session.sequence++;
      if (lost) continue;
      session.ws.send(JSON.stringify({ sequence: session.sequence, event: { ...notification, attached_data: notification.attached_data ?? null } }));
    }
  }
}
