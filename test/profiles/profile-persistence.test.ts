/**
 * Profiles survive: a bridge restarted on the same `dataDir` has the same profiles and runs the
 * enabled ones; a process killed in the middle of writing the file leaves a store that loads
 * (the old file or the new one, never half of one); a leftover temporary file is cleaned up; a
 * damaged file stops the bridge at start instead of being overwritten.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { FileProfileStore, PROFILES_FILE } from '../../src/profiles/file-profile-store.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { waitFor } from '../support/wait-for.js';
import { dataOf, startProfileBridge } from './support/profile-bridge.js';
import { SAMPLES } from './support/samples.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CRASH_WRITER = fileURLToPath(new URL('./support/crash-writer.ts', import.meta.url));

describe('profile persistence', () => {
  let dir: string;
  let sim: MirtaSimulator;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callbridge-profiles-'));
    sim = await startMirtaSimulator();
  });
  afterEach(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  const mirtaProfile = (): Record<string, unknown> => ({
    _type: 'MirtaPbxConnectionProfile',
    id: 'acme-mirta',
    name: 'Acme MiRTA',
    url: sim.url,
    key: sim.keys.admin,
    admin: true,
    tenants: { acme: 'DEMO' },
    poll: { peers: '100ms', channels: '100ms' },
    enabled: true,
  });

  it('keeps profiles across a restart on the same dataDir, and starts the enabled ones again', async () => {
    const first = await startProfileBridge({ dataDir: dir });
    const enabled = await first.api('POST', '/v1/tenants/acme/pbxs', { body: mirtaProfile() });
    expect(enabled.status, enabled.text).toBe(201);
    const disabled = await first.api('POST', '/v1/tenants/globex/pbxs', {
      body: { _type: 'KazooPbxConnectionProfile', name: 'Globex Kazoo', ...SAMPLES.KazooPbxConnectionProfile.body },
    });
    expect(disabled.status).toBe(201);
    await waitFor(() => first.bridge.sources.get('acme-mirta')?.status === 'up', { timeout: 10_000 });
    const before = {
      acme: (await first.api('GET', '/v1/tenants/acme/pbxs')).body.data as Array<Record<string, unknown>>,
      globex: (await first.api('GET', '/v1/tenants/globex/pbxs')).body.data as Array<Record<string, unknown>>,
    };
    await first.close();
    const requestsAfterClose = sim.requests.count();

    // The file holds the credentials (the bridge needs them), readable by its user only.
    const file = join(dir, PROFILES_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain(sim.keys.admin);

    const second = await startProfileBridge({ dataDir: dir });
    try {
      const after = {
        acme: (await second.api('GET', '/v1/tenants/acme/pbxs')).body.data as Array<Record<string, unknown>>,
        globex: (await second.api('GET', '/v1/tenants/globex/pbxs')).body.data as Array<Record<string, unknown>>,
      };
      const stable = (list: Array<Record<string, unknown>>) => list.map(({ sourceStatus: _status, ...rest }) => rest);
      expect(stable(after.acme)).toEqual(stable(before.acme));
      expect(stable(after.globex)).toEqual(stable(before.globex));
      expect(after.globex[0]?.sourceStatus).toBe('stopped');
      // Running again: polling resumed, state back on the bus.
      await waitFor(() => second.bridge.sources.get('acme-mirta')?.status === 'up', { timeout: 10_000, message: 'the stored profile did not start' });
      expect(sim.requests.count()).toBeGreaterThan(requestsAfterClose);
      await waitFor(async () => (await second.bridge.bus.entities('acme', 'peers')).size > 0, { timeout: 10_000 });
      expect(second.bridge.sourceManager.get('acme-mirta')).toMatchObject({ origin: 'api', tenants: ['acme'] });
      expect(dataOf(await second.api('GET', '/v1/tenants/acme/pbxs/acme-mirta')).sourceStatus).toBe('up');
    } finally {
      await second.close();
    }
  }, 30_000);

  it('a stored profile whose id the config file now uses is not started, and says why', async () => {
    const first = await startProfileBridge({ dataDir: dir });
    expect((await first.api('POST', '/v1/tenants/acme/pbxs', { body: { ...mirtaProfile(), enabled: true } })).status).toBe(201);
    await first.close();
    const second = await startProfileBridge({
      dataDir: dir,
      sources: [{ id: 'acme-mirta', vendor: 'mirta', url: sim.url, key: sim.keys.admin, tenants: { acme: 'DEMO' } }],
    });
    try {
      expect(second.bridge.sourceManager.get('acme-mirta')?.origin).toBe('config');
      const profile = dataOf(await second.api('GET', '/v1/tenants/acme/pbxs/acme-mirta'));
      expect(profile).toMatchObject({ enabled: true, sourceStatus: 'stopped', problem: expect.stringContaining('config file') });
    } finally {
      await second.close();
    }
  });

  it('writes every one of many concurrent changes', async () => {
    const t = await startProfileBridge({ dataDir: dir });
    try {
      const body = (index: number) => ({ _type: 'XivoConnectionProfile', id: `xivo-${index}`, ...SAMPLES.XivoConnectionProfile.body });
      const answers = await Promise.all(Array.from({ length: 12 }, (_, index) => t.api('POST', '/v1/tenants/acme/pbxs', { body: body(index) })));
      expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(201));
      const renamed = await Promise.all(
        Array.from({ length: 12 }, (_, index) => t.api('PATCH', `/v1/tenants/acme/pbxs/xivo-${index}`, { body: { name: `renamed ${index}` } })),
      );
      expect(renamed.map((answer) => answer.status)).toEqual(Array(12).fill(200));
    } finally {
      await t.close();
    }
    const store = new FileProfileStore({ dir });
    await store.load();
    const names = (await store.list('acme')).map((profile) => [profile.id, profile.name]).sort();
    expect(names).toEqual(Array.from({ length: 12 }, (_, index) => [`xivo-${index}`, `renamed ${index}`]).sort());
  });

  it('survives a process killed in the middle of writes: the file loads, with every write that had finished', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH_WRITER, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let finished = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') finished = Number(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(() => finished >= 25, { timeout: 30_000, message: `the writer did not get going: ${stderr}` });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const store = new FileProfileStore({ dir });
    await store.load();
    const ids = (await store.all()).map((profile) => profile.id);
    // Every put that resolved is there; at most the one under way when the kill came is extra.
    expect(ids.length).toBeGreaterThanOrEqual(finished);
    expect(ids.length).toBeLessThanOrEqual(finished + 1);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, index) => `crash-${index}`));
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('ignores and removes a truncated temporary file left by an interrupted write', async () => {
    const first = await startProfileBridge({ dataDir: dir });
    expect((await first.api('POST', '/v1/tenants/acme/pbxs', { body: { ...mirtaProfile(), enabled: false } })).status).toBe(201);
    await first.close();
    const good = await readFile(join(dir, PROFILES_FILE), 'utf8');
    const leftover = join(dir, `${PROFILES_FILE}.4242.deadbeef.tmp`);
    await writeFile(leftover, good.slice(0, Math.floor(good.length / 2)));

    const second = await startProfileBridge({ dataDir: dir });
    try {
      expect(((await second.api('GET', '/v1/tenants/acme/pbxs')).body.data as Array<{ id: string }>).map((p) => p.id)).toEqual(['acme-mirta']);
      expect(await readdir(dir)).toEqual([PROFILES_FILE]);
      expect(second.logs.text()).toContain('removed temporary profile files left by an interrupted write');
      // And the store still writes.
      expect((await second.api('PATCH', '/v1/tenants/acme/pbxs/acme-mirta', { body: { name: 'after the crash' } })).status).toBe(200);
    } finally {
      await second.close();
    }
    expect(JSON.parse(await readFile(join(dir, PROFILES_FILE), 'utf8'))).toMatchObject({ profiles: [{ id: 'acme-mirta', name: 'after the crash' }] });
  });

  it('refuses to start on a damaged profiles file rather than overwrite it, naming the file but not its content', async () => {
    const damaged = '{"version":1,"profiles":[{"id":"acme-mirta","settings":{"key":"do-not-echo-this-key"';
    await writeFile(join(dir, PROFILES_FILE), damaged);
    const failure = await startProfileBridge({ dataDir: dir }).then(
      async (t) => {
        await t.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toContain(join(dir, PROFILES_FILE));
    expect((failure as ConfigError).message).not.toContain('do-not-echo-this-key');
    expect(await readFile(join(dir, PROFILES_FILE), 'utf8')).toBe(damaged);
  });
});
