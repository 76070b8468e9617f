/**
 * The `callbridge` bin as a user runs it: a child process, real config files, real ports.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { waitFor } from '../support/wait-for.js';

const BIN = resolve(import.meta.dirname, '../../bin/callbridge.js');

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe('callbridge CLI', () => {
  let dir: string;
  let sim: MirtaSimulator | undefined;
  const children: ChildProcessWithoutNullStreams[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callbridge-cli-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await sim?.close();
    sim = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('prints usage for help, and exits 2 on an unknown command or flag', async () => {
    const help = run(['help']);
    expect(await help.exit).toBe(0);
    expect(help.stdout()).toContain('callbridge demo');
    const unknown = run(['launch']);
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain('unknown command "launch"');
    const flag = run(['demo', '--port', 'eighty']);
    expect(await flag.exit).toBe(2);
    expect(flag.stderr()).toContain('--port must be 0..65535');
  });

  it('refuses a bad config before starting anything, naming each path', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'listen: { port: 0 }',
        'auth: { tokens: [ { token: "a-token-of-sufficient-length", tenants: [acme], scopes: ["*"] } ] }',
        'sources:',
        '  - { id: m, vendor: mirta, url: "not a url", key: "${NOT_SET_ANYWHERE}", tenants: { acme: ACME } }',
      ].join('\n'),
    );
    const start = run(['start', '--config', file]);
    expect(await start.exit).toBe(1);
    expect(start.stderr()).toContain('sources[0].key: environment variable NOT_SET_ANYWHERE is not set');
    const missing = run(['start'], { CALLBRIDGE_CONFIG: join(dir, 'nope.yaml') });
    expect(await missing.exit).toBe(1);
    expect(missing.stderr()).toContain('cannot read (ENOENT)');
  });

  it('check tries each source once: up with the right key, the reason without the key otherwise', async () => {
    sim = await startMirtaSimulator();
    const config = (key: string) =>
      JSON.stringify({
        auth: { tokens: [{ token: 'a-token-of-sufficient-length', tenants: ['demo'], scopes: ['*'] }] },
        sources: [{ id: 'pbx', vendor: 'mirta', url: sim?.url, key, tenants: { demo: 'DEMO' }, limits: { timeout: '3s' } }],
      });
    const good = join(dir, 'good.json');
    await writeFile(good, config(sim.keys.tenants.DEMO?.rw ?? ''));
    const ok = run(['check', '--config', good]);
    expect(await ok.exit).toBe(0);
    expect(ok.stdout()).toContain('pbx [mirta]: up');

    const wrongKey = 'wrong-key-6c1f0a9e';
    const bad = join(dir, 'bad.json');
    await writeFile(bad, config(wrongKey));
    const refused = run(['check', '--config', bad]);
    expect(await refused.exit).toBe(1);
    expect(refused.stdout()).toMatch(/pbx \[mirta\]: (degraded|down) \(.*authentication.*\)/);
    expect(refused.stdout() + refused.stderr()).not.toContain(wrongKey);
  });

  it('demo prints the wallboard URL and token, serves them, and exits cleanly on SIGTERM', async () => {
    const token = 'cli-demo-token-0123456789';
    const demo = run(['demo', '--port', '0', '--host', '127.0.0.1', '--token', token]);
    children.push(demo.child);
    await waitFor(() => demo.stdout().includes('wallboard'), { timeout: 15_000, message: `no banner: ${demo.stderr()}` });
    const url = /wallboard\s+(http:\/\/\S+)\/\?token=(\S+)/.exec(demo.stdout());
    expect(url?.[2]).toBe(token);
    const base = url?.[1] ?? '';
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await waitFor(async () => {
      const state = (await (await fetch(`${base}/v1/tenants/demo/state?topics=peers`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        snapshot: { peers?: unknown[] };
      };
      return (state.snapshot.peers?.length ?? 0) > 0;
    });
    demo.child.kill('SIGTERM');
    expect(await demo.exit).toBe(0);
  }, 30_000);

  it('start: SIGHUP re-reads the file and cuts off a token removed from it, live', async () => {
    const kept = 'cli-kept-token-0123456789';
    const removed = 'cli-removed-token-0123456789';
    const file = join(dir, 'bridge.yaml');
    const write = (tokens: string[]) =>
      writeFile(file, `listen: { host: 127.0.0.1, port: 0 }\nauth:\n  tokens:\n${tokens.map((token) => `    - { token: ${token}, tenants: [acme], scopes: ["events:read"] }`).join('\n')}\n`);
    await write([kept, removed]);
    const bridge = run(['start', '--config', file], { LOG_LEVEL: 'info' });
    children.push(bridge.child);
    await waitFor(() => bridge.stdout().includes('callbridge listening'), { timeout: 15_000, message: `not listening: ${bridge.stderr()}` });
    const base = /"url":"(http:\/\/[^"]+)"/.exec(bridge.stdout())?.[1] ?? '';
    const { io } = await import('socket.io-client');
    const socket = io(`${base}/v1`, { auth: { token: removed }, transports: ['websocket'], reconnection: false });
    const notices: unknown[] = [];
    socket.on('auth.expired', (notice: unknown) => notices.push(notice));
    await new Promise<void>((done, fail) => {
      socket.once('connect', () => done());
      socket.once('connect_error', fail);
    });
    try {
      await write([kept]);
      bridge.child.kill('SIGHUP');
      await waitFor(() => !socket.connected, { timeout: 10_000, message: 'the removed token kept its socket' });
      expect(notices).toEqual([{ code: 'unauthorized', message: 'token revoked', retryable: false }]);
      const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
      expect((await fetch(`${base}/v1/tenants/acme/state`, auth(removed))).status).toBe(401);
      expect((await fetch(`${base}/v1/tenants/acme/state`, auth(kept))).status).toBe(200);
      // A broken file changes nothing.
      await writeFile(file, 'listen: [');
      bridge.child.kill('SIGHUP');
      await waitFor(() => bridge.stdout().includes('config reload refused'), { timeout: 10_000 });
      expect((await fetch(`${base}/v1/tenants/acme/state`, auth(kept))).status).toBe(200);
    } finally {
      socket.close();
    }
    bridge.child.kill('SIGTERM');
    expect(await bridge.exit).toBe(0);
  }, 60_000);
});
