/**
 * Slow consumers (protocol §3, basic policy): a socket that stops reading is dropped once its
 * backlog passes the bound, and the others get every event meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/bus/event-log.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { waitFor } from '../support/wait-for.js';
import { TOKENS, blf, startServer, type Harness } from './harness.js';

/** A blf event padded to ~16 KB so that kernel socket buffers fill up quickly. */
function bigBlf(i: number): EventDraft {
  const draft = blf(String(i % 50));
  return { ...draft, data: { ...draft.data, note: 'x'.repeat(16_000) } };
}

/** Stops reading the client's TCP socket, as a stalled browser tab or a blocked process would. */
function stallReading(client: BridgeClient): void {
  const transport = (client.socket.io.engine as unknown as { transport: { ws?: { _socket?: { pause(): void } } } }).transport;
  const raw = transport.ws?._socket;
  if (!raw) throw new Error('no underlying TCP socket to pause (transport is not websocket?)');
  raw.pause();
}

describe('slow consumers', () => {
  let h: Harness | undefined;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h?.close();
  });

  it('drops a socket that stops reading, without holding back the others', async () => {
    h = await startServer({ maxSocketBacklog: 100 });
    const slow = await connectClient(h.url, TOKENS.acme);
    const fast = await connectClient(h.url, TOKENS.acme);
    clients.push(slow, fast);
    await slow.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await fast.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    stallReading(slow);

    const total = 1_500;
    for (let i = 0; i < total; i++) {
      await h.publish('acme', [bigBlf(i)]);
      // Client and server share this process: let I/O run, as it would between vendor polls.
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await fast.waitForEvents(total, 15_000);
    await waitFor(() => h!.logs.some((line) => line.includes('dropping slow consumer')), { timeout: 5_000 });
    await waitFor(() => h!.server.io.of('/v1').sockets.size === 1);
    expect(fast.socket.connected).toBe(true);
    expect(fast.events).toHaveLength(total);
  });
});
