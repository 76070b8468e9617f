/**
 * Secrets and privacy across every vendor (issue 11): the demo — MiRTA, Kazoo, 3CX, PBXware and
 * WebAppel simulators, busy with their scenarios — is driven through polls, commands that
 * succeed and fail, the public callback route, REST, SSE, metrics and health; no vendor
 * credential, issued vendor token or bridge token appears in any log line, event, ack, error,
 * metric, health or state answer, and phone numbers in logs are masked.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WIDGET_KEY, startDemo, type Demo } from '../../src/demo/demo.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { captureLogger, type CapturedLogger } from '../support/log-capture.js';
import { sleep, waitFor } from '../support/wait-for.js';

const TOKEN = 'recognizable-demo-token-7f3a9c1e5b';
/** A number the public route will call back: it must show masked (••••4417) in logs, never whole. */
const VISITOR_NUMBER = '33170214417';

let demo: Demo;
let logs: CapturedLogger;
let client: BridgeClient;
/** Everything a client or an operator received, as text. */
const seen: string[] = [];

beforeAll(async () => {
  logs = captureLogger('debug');
  demo = await startDemo({ port: 0, host: '127.0.0.1', token: TOKEN, logger: logs.logger, callbackTimings: { callingAfterMs: 100, connectedAfterMs: 200, endedAfterMs: 400 } });
  client = await connectClient(demo.bridge.url, TOKEN);
  for (const tenant of ['demo', 'globex']) seen.push(JSON.stringify(await client.call('subscribe', { tenant, raw: true })));
}, 60_000);

afterAll(async () => {
  client?.close();
  const t0 = Date.now();
  await demo?.close();
  console.info(`demo closed in ${Date.now() - t0} ms`);
}, 120_000);

function secrets(): string[] {
  const { mirta, kazoo, webappel, pbxware, threecx } = demo.simulators;
  const list = [
    TOKEN,
    mirta.keys.admin,
    ...Object.values(mirta.keys.tenants).flatMap((pair) => [pair.rw, pair.ro]),
    kazoo.apiKey,
    kazoo.otherApiKey,
    ...kazoo.tokens.issued,
    webappel.pass,
    pbxware.apiKey,
    threecx.clientSecret,
    ...threecx.tokens.issued,
  ];
  return [...new Set(list.filter((secret) => typeof secret === 'string' && secret.length >= 8))];
}

describe('secrets across every vendor', () => {
  it('drives every face of the bridge, then finds no secret anywhere', { timeout: 120_000 }, async () => {
    const url = demo.bridge.url;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    // Let every source poll, connect and receive events for a while.
    await waitFor(() => client.events.length > 20, { timeout: 30_000, message: 'the demo produced no events' });
    await sleep(2_000);

    // Commands on every source: some the vendor carries out, some it refuses, some unsupported.
    const commands = [
      { tenant: 'demo', source: 'mirta-demo', type: 'dial', args: { from: '100', to: '101' } },
      { tenant: 'demo', source: 'mirta-demo', type: 'hangup', args: { channel: 'SIP/nope-0001' } },
      { tenant: 'demo', source: 'kazoo-demo', type: 'hangup', args: { channel: 'no-such-call' } },
      { tenant: 'globex', source: '3cx-demo', type: 'dial', args: { from: '100', to: '101' } },
      { tenant: 'globex', source: '3cx-demo', type: 'hangup', args: { channel: '999/1' } },
      { tenant: 'demo', source: 'pbxware-demo', type: 'dial', args: { from: '100', to: '101' } },
      { tenant: 'demo', source: 'webappel-demo', type: 'callback.request', args: { popup: 77, number: '33170200000' } },
      { tenant: 'demo', source: 'webappel-demo', type: 'callback.cancel', args: { popup: 77, trackingId: '999999' } },
    ];
    for (const command of commands) seen.push(JSON.stringify(await client.call('command', { id: randomUUID(), ...command })));

    // A website visitor, the REST twin, SSE, health and metrics.
    const publicAnswer = await fetch(`${url}/v1/public/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ widgetKey: DEMO_WIDGET_KEY, number: `+${VISITOR_NUMBER}` }),
    });
    expect(publicAnswer.status).toBe(202);
    seen.push(await publicAnswer.text());
    for (const path of ['/v1/tenants/demo/state', '/v1/tenants/globex/state', '/v1/tenants/demo/sources/pbxware-demo', '/v1/tenants/globex/sources/3cx-demo']) {
      const res = await fetch(`${url}${path}`, { headers: auth });
      expect(res.status).toBe(200);
      seen.push(await res.text());
    }
    seen.push(await (await fetch(`${url}/v1/tenants/demo/commands`, { method: 'POST', headers: auth, body: JSON.stringify({ id: randomUUID(), type: 'dial', source: 'kazoo-demo', args: { from: 'nobody', to: '1' } }) })).text());
    seen.push(await (await fetch(`${url}/readyz`)).text());
    seen.push(await (await fetch(`${url}/metrics`)).text());
    const sse = process.env.SKIP_SSE ? '' : await fetch(`${url}/v1/tenants/demo/events?since=1`, { headers: auth, signal: AbortSignal.timeout(1_500) }).then(
      async (res) => {
        const reader = res.body?.getReader();
        let text = '';
        try {
          for (;;) {
            const chunk = await reader?.read();
            if (!chunk || chunk.done) break;
            text += Buffer.from(chunk.value).toString('utf8');
          }
        } catch {
          // The timeout ends the stream: what came until then is the sample.
        }
        return text;
      },
      () => '',
    );
    seen.push(sse);
    seen.push(JSON.stringify(client.events));

    const received = seen.join('\n');
    const logText = logs.text();
    expect(received.length).toBeGreaterThan(10_000);
    const needles = secrets();
    expect(needles.length).toBeGreaterThanOrEqual(8);
    for (const secret of needles) {
      expect(received.includes(secret), `a secret (${secret.slice(0, 3)}…) reached a client`).toBe(false);
      expect(logText.includes(secret), `a secret (${secret.slice(0, 3)}…) reached the logs`).toBe(false);
    }
    // The visitor's number: masked in the logs, whole nowhere in them.
    expect(logText).toContain('••••4417');
    expect(logText).not.toContain(VISITOR_NUMBER);
  });
});
