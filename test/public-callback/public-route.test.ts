/**
 * `POST /v1/public/callback` and its status routes, against a bridge polling the WebAppel
 * simulator over real HTTP.
 */
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { ADMIN_TOKEN, PAGE_ORIGIN, postCallback, startPublicCallbackBridge, type PublicCallbackBridge } from './harness.js';

let ctx: PublicCallbackBridge;
let ipCounter = 0;
/** Each test speaks from its own address (trustProxy), so per-IP limits do not leak between tests. */
const freshIp = () => ({ 'x-forwarded-for': `203.0.113.${++ipCounter}` });

beforeAll(async () => {
  ctx = await startPublicCallbackBridge({ listen: { trustProxy: true } });
});
afterAll(async () => {
  await ctx?.close();
});

/** The tracking id inside a status handle (its payload is signed, not secret). */
function trackingIdOf(res: { body: Record<string, unknown> }): string {
  const token = ((res.body.callback as { status: string }).status.split('/').at(-1) ?? '').split('.')[0] ?? '';
  return (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k: string }).k;
}

const appels = () => ctx.sim.requests.filter('appel');

describe('a visitor asks for a callback', () => {
  it('normalizes the number, sends the exact appel and answers with a status handle', async () => {
    const before = appels().length;
    const res = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '01 70 20 02 58', name: 'Ada' }, { headers: freshIp() });
    expect(res.status).toBe(202);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    const callback = res.body.callback as Record<string, string>;
    expect(callback.state).toBe('requested');
    expect(res.headers.get('location')).toBe(callback.status);
    expect(callback.events).toBe(`${callback.status}/events`);

    const sent = appels();
    expect(sent.length).toBe(before + 1);
    const query = sent.at(-1)?.query ?? {};
    expect(query).toMatchObject({ id_popup: '77', e164: '33170200258', nom: 'Ada', nbressais: '1', dureemaxi: '3600' });

    // The handle reads the callback's progress until its final state, and nothing else.
    let status: { answer: Response; body: { ok: boolean; callback: Record<string, unknown> } } | undefined;
    await waitFor(
      async () => {
        const answer = await fetch(`${ctx.url}${callback.status}`, { headers: { origin: PAGE_ORIGIN } });
        const body = (await answer.json()) as { ok: boolean; callback: Record<string, unknown> };
        status = { answer, body };
        return body.callback.state === 'completed';
      },
      { timeout: 10_000, interval: 50, message: 'callback never completed' },
    );
    if (!status) throw new Error('no status');
    expect(status.answer.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(Object.keys(status.body.callback).sort()).toEqual(['observedAt', 'state']);
    expect(JSON.stringify(status.body)).not.toContain('0258');
  });

  it('streams the progress as SSE and ends the stream at the final state', async () => {
    const res = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '+33 1 70 20 11 11' }, { headers: freshIp() });
    expect(res.status).toBe(202);
    const callback = res.body.callback as Record<string, string>;
    const stream = await fetch(`${ctx.url}${callback.events}`, { headers: { origin: PAGE_ORIGIN } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(stream.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    // The body ends by itself: reading it to the end is the assertion that the server closed it.
    const text = await stream.text();
    const states = [...text.matchAll(/^data: (.*)$/gm)].map((match) => (JSON.parse(match[1] ?? '{}') as { state: string }).state);
    expect(states[0]).toBe('requested');
    expect(states.at(-1)).toBe('completed');
  });

  it('shows the callback to CTI clients as callback.updated events on the bus', async () => {
    const seen: string[] = [];
    const off = ctx.bridge.bus.onEvent((event) => {
      if (event.topic === 'callbacks') seen.push(`${event.key}:${String(event.data.state)}`);
    });
    try {
      const res = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0170202222' }, { headers: freshIp() });
      expect(res.status).toBe(202);
      const trackingId = ctx.sim.requests.last('appel') === undefined ? '' : trackingIdOf(res);
      await waitFor(() => seen.includes(`${trackingId}:completed`), { timeout: 10_000, message: 'no completed callback.updated' });
      expect(seen.filter((entry) => entry.startsWith(`${trackingId}:`))).toEqual([`${trackingId}:requested`, `${trackingId}:completed`]);
    } finally {
      off();
    }
  });
});

describe('the route refuses', () => {
  it('a page origin the widget does not list, before anything reaches the vendor', async () => {
    const before = appels().length;
    const res = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0170200258' }, { origin: 'https://evil.example', headers: freshIp() });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const noOrigin = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0170200258' }, { origin: null, headers: freshIp() });
    expect(noOrigin.status).toBe(403);
    expect(appels().length).toBe(before);
  });

  it('answers preflights only for listed origins', async () => {
    const ok = await fetch(`${ctx.url}/v1/public/callback`, {
      method: 'OPTIONS',
      headers: { origin: PAGE_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type');
    const refused = await fetch(`${ctx.url}/v1/public/callback`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a number outside the patterns, and one that is no number at all, naming the field', async () => {
    const before = appels().length;
    const foreign = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '+1 415 555 0100' }, { headers: freshIp() });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toMatchObject({ code: 'invalid_argument' });
    expect((foreign.body.error as { message: string }).message).toMatch(/^number: /);
    const premium = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '08 99 00 00 00' }, { headers: freshIp() });
    // A premium-rate number (08…): possible, but outside this widget's patterns.
    expect(premium.status).toBe(400);
    const garbage = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: 'call me maybe' }, { headers: freshIp() });
    expect(garbage.status).toBe(400);
    expect((garbage.body.error as { message: string }).message).toMatch(/^number: /);
    expect(appels().length).toBe(before);
  });

  it('the n+1th request from one IP within the window, with Retry-After', async () => {
    const ip = freshIp();
    const codes: number[] = [];
    // perIp 5/10m counts every request, refused ones included.
    for (let i = 0; i < 5; i++) codes.push((await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: 'nope' }, { headers: ip })).status);
    expect(codes).toEqual([400, 400, 400, 400, 400]);
    const sixth = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0170203333' }, { headers: ip });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error).toMatchObject({ code: 'rate_limited', retryable: true });
    const retryAfter = Number(sixth.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Another address is not affected.
    expect((await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0170203333' }, { headers: freshIp() })).status).toBe(202);
  });

  it('the n+1th callback to one number within the window, whatever the address', async () => {
    const before = appels().length;
    const number = '01 70 20 44 44';
    expect((await postCallback(ctx.url, { widgetKey: 'w_acme_site', number }, { headers: freshIp() })).status).toBe(202);
    expect((await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '+33170204444' }, { headers: freshIp() })).status).toBe(202);
    const third = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0033 1 70 20 44 44' }, { headers: freshIp() });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'rate_limited' });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(appels().length).toBe(before + 2);
  });

  it('an oversized body, and says why in a way the page can read', async () => {
    const res = await postCallback(ctx.url, undefined, { raw: JSON.stringify({ widgetKey: 'w_acme_site', number: '0170200258', name: 'x'.repeat(5000) }), headers: freshIp() });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_argument', message: 'body: too large' });
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE_ORIGIN);
  });

  it('anything but a callback from a widget key: extra fields, other popups, other routes', async () => {
    const before = appels().length;
    for (const body of [
      { widgetKey: 'w_acme_site', number: '0170200258', popup: 78 },
      { widgetKey: 'w_acme_site', number: '0170200258', type: 'dial', args: { from: '1001', to: '2000' } },
      { widgetKey: 'w_acme_site', number: '0170200258', tenant: 'globex' },
    ]) {
      const res = await postCallback(ctx.url, body, { headers: freshIp() });
      expect(res.status).toBe(400);
      expect((res.body.error as { message: string }).message).toMatch(/unrecognized|Unrecognized/);
    }
    expect(appels().length).toBe(before);

    const asBearer = { authorization: 'Bearer w_acme_site', 'content-type': 'application/json' };
    expect((await fetch(`${ctx.url}/v1/tenants/acme/state`, { headers: asBearer })).status).toBe(401);
    const command = await fetch(`${ctx.url}/v1/tenants/acme/commands`, {
      method: 'POST',
      headers: asBearer,
      body: JSON.stringify({ id: 'x1', tenant: 'acme', type: 'callback.cancel', args: { popup: 77, trackingId: '8' } }),
    });
    expect(command.status).toBe(401);

    const socket = io(`${ctx.url}/v1`, { auth: { token: 'w_acme_site' }, transports: ['websocket'], reconnection: false });
    const refusal = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
    socket.close();
    expect(refusal.message).toMatch(/unauthorized/);
  });

  it('an unknown widget key, a forged or tampered status token', async () => {
    const unknown = await postCallback(ctx.url, { widgetKey: 'w_nobody', number: '0170200258' }, { headers: freshIp() });
    expect(unknown.status).toBe(403);
    expect(unknown.body.error).toMatchObject({ code: 'forbidden', message: 'widgetKey: unknown widget' });

    const ok = await postCallback(ctx.url, { widgetKey: 'w_acme_site', number: '0170205555' }, { headers: freshIp() });
    const status = (ok.body.callback as { status: string }).status;
    const token = status.split('/').at(-1) ?? '';
    const [payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ t: 'acme', k: '1', w: 'w_acme_site', e: 9_999_999_999 })).toString('base64url');
    for (const bad of [`${forgedPayload}.${signature}`, `${payload}.${signature?.slice(0, -2)}xx`, 'garbage', `${payload}`]) {
      const res = await fetch(`${ctx.url}/v1/public/callback/${bad}`);
      expect(res.status).toBe(404);
    }
    // The token is no bearer token either.
    expect((await fetch(`${ctx.url}/v1/tenants/acme/state`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    // An admitted page of another widget cannot read it.
    const other = await fetch(`${ctx.url}${status}`, { headers: { origin: 'https://evil.example' } });
    expect(other.status).toBe(403);
  });
});

describe('what the visitor and the logs never see', () => {
  it('no vendor text, no credential and no full number', async () => {
    const all = ctx.logs.text();
    expect(all).not.toContain(ctx.sim.pass);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain('33170200258');
    expect(all).toContain('••••0258');
  });
});
