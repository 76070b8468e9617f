import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

const TOKEN = 'a-static-token-of-length-32-chars';
const minimal = {
  auth: { tokens: [{ token: TOKEN, tenants: ['acme'], scopes: ['*'] }] },
  sources: [{ id: 'mirta-main', vendor: 'mirta', url: 'http://127.0.0.1:1/pbx/proxyapi.php', key: '${MIRTA_KEY}', tenants: { acme: 'ACME' } }],
};

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callbridge-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fills defaults, parses durations and replaces ${ENV}', () => {
    const config = parseConfig(minimal, { MIRTA_KEY: 'k-123' });
    const source = config.sources[0];
    expect(source?.vendor).toBe('mirta');
    expect(source && 'key' in source ? source.key : undefined).toBe('k-123');
    expect(source?.limits.timeout).toBe(10_000);
    expect(config.listen.port).toBe(8080);
    expect(config.bus.logAge).toBe(3_600_000);
    expect(Object.isFrozen(config.sources)).toBe(true);
  });

  it('names a missing environment variable with its path', () => {
    expect(issuesOf(() => parseConfig(minimal, {}))).toEqual(['sources[0].key: environment variable MIRTA_KEY is not set']);
  });

  it('names each bad field by path', () => {
    const bad = {
      auth: { tokens: [{ token: 'short', tenants: [], scopes: ['root'] }] },
      sources: [
        { id: 'a', vendor: 'mirta', url: 'ftp://x', key: 'k', tenants: { acme: 'ACME' }, poll: { peers: 'fast' } },
        { id: 'a', vendor: 'mirta', url: 'http://x/p', key: 'k', tenants: { acme: 'ACME' } },
        { id: 'b', vendor: 'nosuchvendor' },
      ],
      surprise: true,
    };
    const issues = issuesOf(() => parseConfig(bad, {}));
    const paths = issues.map((line) => line.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'auth.tokens[0].token',
        'auth.tokens[0].tenants',
        'auth.tokens[0].scopes[0]',
        'sources[0].url',
        'sources[0].poll.peers',
        'sources[2].vendor',
        '(root)',
      ]),
    );
  });

  it('refuses duplicate source ids', () => {
    const doubled = { ...minimal, sources: [minimal.sources[0], minimal.sources[0]] };
    expect(issuesOf(() => parseConfig(doubled, { MIRTA_KEY: 'k' }))).toEqual([
      'sources[1].id: duplicate source id "mirta-main" (also sources[0])',
    ]);
  });

  it('reads YAML and JSON files, and reports unreadable or malformed ones', async () => {
    const yamlFile = join(dir, 'bridge.yaml');
    await writeFile(
      yamlFile,
      `auth:\n  tokens:\n    - { token: "${TOKEN}", tenants: [acme], scopes: ["events:read"] }\nlisten: { port: 9000 }\n`,
    );
    expect((await loadConfig(yamlFile, {})).listen.port).toBe(9000);
    const jsonFile = join(dir, 'bridge.json');
    await writeFile(jsonFile, JSON.stringify(minimal));
    expect((await loadConfig(jsonFile, { MIRTA_KEY: 'x' })).sources).toHaveLength(1);
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'auth: [unclosed');
    await expect(loadConfig(broken, {})).rejects.toThrow(/not valid YAML or JSON/);
    await expect(loadConfig(join(dir, 'missing.yaml'), {})).rejects.toThrow(/cannot read \(ENOENT\)/);
  });
});
