/**
 * Connections per client IP. engine.io calls `allowRequest` for new handshakes only (not for a
 * polling request or an upgrade of a session it already has), so that is where a client over its
 * limit is turned away, before socket.io or the token check spend anything on it. Open
 * connections are counted on engine.io's `connection` and `close`, which also catches a burst of
 * handshakes that all passed `allowRequest` before any of them was counted.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import { ConnectionCounter } from './client-limits.js';
import type { BridgeIo } from './socket-types.js';

/**
 * What a refused handshake answers: engine.io sends it as the body of an HTTP 403
 * (`{"code":4,"message":"rate_limited"}`, polling) or 400 (websocket upgrade). The bare error
 * code, as `unauthorized` is for a refused token, so clients can compare it.
 */
export const CONNECTION_REFUSED_MESSAGE = 'rate_limited';

export type TrustProxy = Config['listen']['trustProxy'];

/**
 * The client's address as fastify computes `request.ip` with the same `trustProxy` (both use
 * proxy-addr): the peer's address, or the X-Forwarded-For hop that the trusted proxies vouch for.
 *
 * @example
 * const ipOf = clientIpResolver(config.listen.trustProxy);
 * ipOf(request); // '203.0.113.7'
 */
export function clientIpResolver(trustProxy: TrustProxy): (req: IncomingMessage) => string {
  const peer = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';
  if (trustProxy === false) return peer;
  const trust =
    trustProxy === true ? () => true : proxyAddr.compile(typeof trustProxy === 'string' ? trustProxy.split(',').map((part) => part.trim()) : trustProxy);
  return (req) => {
    // A closed socket has no address; proxy-addr would throw on it.
    if (req.socket.remoteAddress === undefined) return 'unknown';
    return proxyAddr(req, trust);
  };
}

export interface ConnectionLimitOptions {
  connectionsPerIp: number;
  trustProxy: TrustProxy;
  metrics: BridgeMetrics;
  logger: Logger;
}

/**
 * The `allowRequest` for socket.io's options. It needs the counter that `countConnections`
 * fills, hence the pair.
 */
export interface ConnectionLimit {
  readonly allowRequest: (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void;
  /** Starts counting the engine's connections; call once the Server exists. */
  countConnections(io: BridgeIo): void;
  /** Client IPs with an open connection (tests check that closing frees them). */
  readonly openAddresses: number;
}

/**
 * @example
 * const limit = connectionLimit({ connectionsPerIp: 100, trustProxy: false, metrics, logger });
 * const io = new Server(httpServer, { allowRequest: limit.allowRequest });
 * limit.countConnections(io);
 */
export function connectionLimit(options: ConnectionLimitOptions): ConnectionLimit {
  const { connectionsPerIp, metrics } = options;
  const ipOf = clientIpResolver(options.trustProxy);
  const counter = new ConnectionCounter();
  // One warning per address while it stays over the limit, not one per refused attempt.
  const warned = new Set<string>();

  const refuse = (ip: string): void => {
    metrics.clientRefusals.inc({ reason: 'connections_per_ip' });
    if (warned.has(ip)) return;
    warned.add(ip);
    // The address is the operator's to see in logs; it never becomes a metric label.
    options.logger.warn({ ip, limit: connectionsPerIp }, 'refusing socket.io connections: too many from this address');
  };

  return {
    allowRequest(req, callback) {
      const ip = ipOf(req);
      if (counter.count(ip) < connectionsPerIp) return callback(null, true);
      refuse(ip);
      callback(CONNECTION_REFUSED_MESSAGE, false);
    },
    countConnections(io) {
      io.engine.on('connection', (conn: { request: IncomingMessage; once(event: 'close', listener: () => void): void; close(): void }) => {
        const ip = ipOf(conn.request);
        const open = counter.add(ip);
        conn.once('close', () => {
          counter.remove(ip);
          if (counter.count(ip) === 0) warned.delete(ip);
        });
        // Handshakes that passed allowRequest together: the ones beyond the limit go at once.
        if (open > connectionsPerIp) {
          refuse(ip);
          conn.close();
        }
      });
    },
    get openAddresses() {
      return counter.size;
    },
  };
}
