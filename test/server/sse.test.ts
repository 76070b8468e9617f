/** `GET /v1/tenants/:tenant/events` as Server-Sent Events (protocol §5). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { openSse, type SseStream } from '../support/sse-client.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { TOKENS, blf, queue, startServer, type Harness } from './harness.js';

const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
/** Event frames (the `retry:` preamble has no data). */
const messages = (stream: SseStream): SseStream['frames'] => stream.frames.filter((f) => f.event === 'message' && f.data !== undefined);

describe('SSE events', () => {
  let h: Harness;
  const streams: SseStream[] = [];
  const open = async (path: string, headers: Record<string, string>): Promise<SseStream> => {
    const stream = await openSse(`${h.url}${path}`, headers);
    streams.push(stream);
    return stream;
  };
  beforeEach(async () => {
    h = await startServer({ logSize: 10, ssePingIntervalMs: 100 });
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await h.close();
  });

  it('opens with a snapshot, then streams live events with id = seq', async () => {
    await h.publish('acme', [blf('100'), queue('q1', 1)]);
    const stream = await open('/v1/tenants/acme/events?topics=blfs', auth(TOKENS.acme));
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await stream.waitForFrames((f) => f.some((x) => x.event === 'snapshot'));
    const snapshot = stream.json<{ cursor: number; snapshot: Record<string, unknown[]> }>('snapshot')[0];
    expect(snapshot?.cursor).toBe(2);
    expect(Object.keys(snapshot?.snapshot ?? {})).toEqual(['blfs']);
    expect(stream.frames.find((f) => f.event === 'snapshot')?.id).toBe('2');

    await h.publish('acme', [queue('q1', 2), blf('101'), blf('102')]);
    await stream.waitForFrames(() => messages(stream).length === 2);
    expect(messages(stream).map((f) => f.id)).toEqual(['4', '5']);
    const events = stream.json<BridgeEvent>();
    expect(events.map((e) => e.data.extension)).toEqual(['101', '102']);
    expect(events.every((e) => !('raw' in e.data))).toBe(true);
  });

  it('replays from Last-Event-ID (over ?since) then goes live, with no gap', async () => {
    await h.publish('acme', [blf('1'), blf('2'), blf('3'), blf('4')]);
    const stream = await open('/v1/tenants/acme/events?since=1', { ...auth(TOKENS.acme), 'last-event-id': '2' });
    await stream.waitForFrames(() => messages(stream).length === 2);
    await h.publish('acme', [blf('5')]);
    await stream.waitForFrames(() => messages(stream).length === 3);
    expect(messages(stream).map((f) => f.id)).toEqual(['3', '4', '5']);
    expect(stream.frames.some((f) => f.event === 'snapshot' || f.event === 'resync')).toBe(false);
  });

  it('keeps order while events are published during the replay', async () => {
    const big = await startServer({ logSize: 10_000 });
    try {
      for (let i = 0; i < 5; i++) await big.publish('acme', [blf(String(i))]);
      const publishing = (async () => {
        for (let i = 0; i < 300; i++) {
          await big.publish('acme', [blf(String(i % 7))]);
          if (i % 10 === 0) await sleep(1);
        }
      })();
      const stream = await openSse(`${big.url}/v1/tenants/acme/events?since=5`, auth(TOKENS.acme));
      streams.push(stream);
      await publishing;
      await stream.waitForFrames(() => messages(stream).length === 300);
      expect(messages(stream).map((f) => Number(f.id))).toEqual(Array.from({ length: 300 }, (_, i) => i + 6));
    } finally {
      for (const stream of streams.splice(0)) stream.close();
      await big.close();
    }
  });

  it('sends a resync with the snapshot when the position is out of the window', async () => {
    for (let i = 0; i < 15; i++) await h.publish('acme', [blf(String(i))]);
    const stream = await open('/v1/tenants/acme/events?since=2', auth(TOKENS.acme));
    await stream.waitForFrames((f) => f.some((x) => x.event === 'resync'));
    const frame = stream.frames.find((f) => f.event === 'resync');
    expect(frame?.id).toBe('15');
    expect(JSON.parse(frame?.data ?? '{}')).toMatchObject({ cursor: 15, resync: true });
    const future = await open('/v1/tenants/acme/events', { ...auth(TOKENS.acme), 'last-event-id': '999' });
    await future.waitForFrames((f) => f.some((x) => x.event === 'resync'));
  });

  it('sends ping comments', async () => {
    const stream = await open('/v1/tenants/acme/events', auth(TOKENS.acme));
    await stream.waitForFrames((f) => f.some((x) => x.comments.includes('ping')), 2_000);
  });

  it('refuses bad tokens, foreign tenants and bad positions in the protocol shape', async () => {
    const anonymous = await open('/v1/tenants/acme/events', {});
    expect(anonymous.status).toBe(401);
    const foreign = await open('/v1/tenants/globex/events', auth(TOKENS.acme));
    expect(foreign.status).toBe(403);
    const noRead = await open('/v1/tenants/acme/events', auth(TOKENS.noRead));
    expect(noRead.status).toBe(403);
    const bad = await open('/v1/tenants/acme/events?since=abc', auth(TOKENS.acme));
    expect(bad.status).toBe(400);
    await bad.ended;
    expect(JSON.parse(bad.body())).toMatchObject({ ok: false, error: { code: 'invalid_argument', message: expect.stringMatching(/^since/) } });
    const badId = await open('/v1/tenants/acme/events', { ...auth(TOKENS.acme), 'last-event-id': '-3' });
    expect(badId.status).toBe(400);
  });

  it("never streams another tenant's events and cleans up on close", async () => {
    const stream = await open('/v1/tenants/acme/events', auth(TOKENS.admin));
    await stream.waitForFrames((f) => f.some((x) => x.event === 'snapshot'));
    await h.publish('globex', [blf('200')]);
    await h.publish('acme', [blf('100')]);
    await stream.waitForFrames(() => messages(stream).length === 1);
    await sleep(50);
    expect(stream.json<BridgeEvent>().map((e) => e.tenant)).toEqual(['acme']);
    stream.close();
    const server = h.server.fastify.server;
    const connections = (): Promise<number> => new Promise((resolve) => server.getConnections((_err, n) => resolve(n)));
    await waitFor(async () => (await connections()) === 0);
    // Publishing after the client left must not throw or log errors.
    await h.publish('acme', [blf('101')]);
    await sleep(50);
    expect(h.logs.some((l) => l.includes('"level":50'))).toBe(false);
  });

  it('ends open streams on server close', async () => {
    const stream = await open('/v1/tenants/acme/events', auth(TOKENS.acme));
    await stream.waitForFrames((f) => f.length > 0);
    await h.server.close();
    await stream.ended;
  });
});
