/** `vendor: pbxware` config: defaults, and messages that name the path and the rule. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { parseConfig } from '../../../src/config/load.js';

const source = (overrides: Record<string, unknown> = {}) => ({
  id: 'pbx',
  vendor: 'pbxware',
  url: 'https://pbx.example.com/',
  apiKey: 'abcdefghij0123',
  tenants: { acme: 2 },
  ...overrides,
});
const config = (overrides: Record<string, unknown> = {}) => parseConfig({ auth: { tokens: [{ token: 'a-token-of-16-chars-or-more', tenants: ['acme'], scopes: ['*'] }] }, sources: [source(overrides)] });
const issues = (overrides: Record<string, unknown>): string[] => {
  try {
    config(overrides);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  return [];
};

describe('pbxware config', () => {
  it('fills the defaults (polls 30s / 60s / 5m, CDR paging and lookback) and reads server ids as text', () => {
    const [parsed] = config().sources;
    expect(parsed).toMatchObject({
      vendor: 'pbxware',
      tenants: { acme: '2' },
      poll: { extensions: 30_000, cdr: 60_000, packages: 300_000 },
      cdr: { pageSize: 500, maxPagesPerPoll: 20, lookback: 7_200_000, startAt: 'latest', timeZone: 'UTC' },
      limits: { concurrency: 2, perSecond: 5, timeout: 15_000 },
    });
  });

  it('refuses a short key, a tenant code for a server id, an unknown zone and a tiny lookback, naming each path', () => {
    expect(issues({ apiKey: 'short' })).toEqual([expect.stringMatching(/^sources\[0\]\.apiKey: at least 10 characters/)]);
    expect(issues({ tenants: { acme: 'ACME' } })).toEqual([expect.stringMatching(/^sources\[0\]\.tenants\.acme: a PBXware server id/)]);
    expect(issues({ tenants: {} })).toEqual([expect.stringMatching(/^sources\[0\]\.tenants: at least one tenant/)]);
    expect(issues({ cdr: { timeZone: 'Mars/Olympus' } })).toEqual([expect.stringMatching(/^sources\[0\]\.cdr\.timeZone: an IANA time zone/)]);
    expect(issues({ cdr: { lookback: '30s' } })).toEqual([expect.stringMatching(/^sources\[0\]\.cdr\.lookback: at least 1m/)]);
  });
});
