/**
 * A loopback TCP proxy in front of a bridge, so tests can drop a client's connection the way a
 * network does (no close handshake), keep it out for a while, or point it at a restarted bridge.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: what clients connect to. */
  readonly url: string;
  /** The bridge port connections are forwarded to; may be changed (a restarted bridge). */
  targetPort: number;
  /** Destroys every open connection; new ones go through. */
  cut(): void;
  /** Destroys every open connection and refuses new ones until `unblock()`. */
  block(): void;
  unblock(): void;
  /** Connections accepted and forwarded so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * @example
 * const proxy = await startTcpProxy(bridge.port);
 * const cb = connect(proxy.url, { ... });
 * proxy.block(); // the client is offline until proxy.unblock()
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let blocked = false;
  let connections = 0;
  const server = net.createServer((downstream) => {
    if (blocked) {
      downstream.destroy();
      return;
    }
    connections += 1;
    const upstream = net.connect(proxy.targetPort, '127.0.0.1');
    open.add(downstream);
    open.add(upstream);
    const end = (): void => {
      downstream.destroy();
      upstream.destroy();
      open.delete(downstream);
      open.delete(upstream);
    };
    downstream.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const cut = (): void => {
    for (const socket of [...open]) socket.destroy();
  };
  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    targetPort,
    cut,
    block() {
      blocked = true;
      cut();
    },
    unblock() {
      blocked = false;
    },
    get connections() {
      return connections;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
