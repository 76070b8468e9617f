/**
 * The baseline: plain socket.io on a bare `node:http` server, same version, namespace `/v1`,
 * same server options and room names as callbridge, and `subscribe` answered at once. It does
 * nothing per event but `nsp.to(room).emit('event', payload)`: no bus, no log, no state, no
 * auth, no listeners. What callbridge costs on top of socket.io is the gap to this.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace } from 'socket.io';
import { TOPICS } from '../../src/protocol/entities.js';

/** callbridge's own limit (socket-server.ts), so both servers parse client frames alike. */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

export interface RawServer {
  readonly url: string;
  readonly nsp: Namespace;
  /** Emits one payload to a room, exactly as callbridge's fan-out does. */
  emit(room: string, payload: unknown): void;
  close(): Promise<void>;
}

export const rawRoom = (tenant: string, topic: string): string => `t:${tenant}:${topic}`;

export async function startRawServer(): Promise<RawServer> {
  const http: HttpServer = createServer();
  const io = new Server(http, { serveClient: false, maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES });
  const nsp = io.of('/v1');
  nsp.on('connection', (socket) => {
    socket.on('subscribe', (payload: { tenant?: unknown }, ack: (response: unknown) => void) => {
      const tenant = typeof payload?.tenant === 'string' ? payload.tenant : '';
      for (const topic of TOPICS) void socket.join(rawRoom(tenant, topic));
      ack({ ok: true, cursor: 0 });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    nsp,
    emit: (room, payload) => void nsp.to(room).emit('event', payload),
    async close() {
      for (const socket of [...nsp.sockets.values()]) socket.disconnect(true);
      await io.close();
    },
  };
}
