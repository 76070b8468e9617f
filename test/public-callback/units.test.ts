/** The public route's building blocks: number policy, status tokens, widget config. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { acceptNumber, toE164Digits } from '../../src/public-callback/phone-number.js';
import { StatusTokens, deriveStatusKey } from '../../src/public-callback/status-token.js';
import { WidgetConfigSchema } from '../../src/public-callback/widget-config.js';
import { WidgetRegistry } from '../../src/public-callback/widget-registry.js';

describe('toE164Digits / acceptNumber', () => {
  it('turns every way people type one number into the same digits', () => {
    for (const typed of ['01 70 20 02 58', '01.70.20.02.58', '+33 1 70 20 02 58', '0033170200258', '+33 (0)1 70 20 02 58', ' 0170200258 ']) {
      expect(toE164Digits(typed, 'FR')).toBe('33170200258');
    }
    expect(toE164Digits('+1 415-555-0100')).toBe('14155550100');
  });

  it('refuses what is no number, naming the field', () => {
    for (const bad of ['', 'abc', '12', '+33 1 70 20 02 58 99 99 99 99', '0170200258; DROP', '1'.repeat(41), '<script>']) {
      expect(() => toE164Digits(bad, 'FR')).toThrow(/^number: /);
    }
    // A national number without a country cannot be placed.
    expect(() => toE164Digits('01 70 20 02 58')).toThrow(/^number: /);
  });

  it('checks the digits against the patterns after normalizing', () => {
    const policy = { country: 'FR', numbers: [/^33[1-7]\d{8}$/] };
    expect(acceptNumber('06 12 34 56 78', policy)).toBe('33612345678');
    expect(() => acceptNumber('08 99 00 00 00', policy)).toThrow('number: this number cannot be called back from this page');
    expect(() => acceptNumber('+44 20 7946 0018', policy)).toThrow(/cannot be called back/);
  });
});

describe('StatusTokens', () => {
  const tokens = new StatusTokens(deriveStatusKey(['a-config-secret-0123456789']), 60_000);

  it('round-trips a handle until it expires', () => {
    const now = Date.now();
    const { token, expiresAt } = tokens.issue({ tenant: 'acme', trackingId: '42', widgetKey: 'w_site' }, now);
    expect(tokens.verify(token, now)).toMatchObject({ tenant: 'acme', trackingId: '42', widgetKey: 'w_site' });
    expect(tokens.verify(token, expiresAt + 1000)).toBeUndefined();
  });

  it('refuses tokens signed with another key or altered', () => {
    const { token } = tokens.issue({ tenant: 'acme', trackingId: '42', widgetKey: 'w_site' });
    const other = new StatusTokens(deriveStatusKey(['another-secret-0123456789']), 60_000);
    expect(other.verify(token)).toBeUndefined();
    const [payload, signature] = token.split('.') as [string, string];
    const altered = Buffer.from(JSON.stringify({ t: 'globex', k: '42', w: 'w_site', e: 9_999_999_999 })).toString('base64url');
    expect(tokens.verify(`${altered}.${signature}`)).toBeUndefined();
    expect(tokens.verify(`${payload}.`)).toBeUndefined();
    expect(tokens.verify(`${payload}.${signature}.x`)).toBeUndefined();
    expect(tokens.verify('x'.repeat(10_000))).toBeUndefined();
  });

  it('derives the same key on every node from the same config, and a different one otherwise', () => {
    expect(deriveStatusKey(['s1', 's2']).equals(deriveStatusKey(['s1', 's2']))).toBe(true);
    expect(deriveStatusKey(['s1', 's2']).equals(deriveStatusKey(['s1s2']))).toBe(false);
  });
});

describe('widget config', () => {
  const webappel = { id: 'webappel', vendor: 'webappel', url: 'https://webservices.axialys.net/get/webappel/api.php', email: 'a@b.c', pass: 'p', tenant: 'acme', popups: [77] };
  const base = {
    auth: { tokens: [{ token: 'a-static-token-0123456789', tenants: ['acme'], scopes: ['*'] }] },
    sources: [webappel],
  };
  const widget = { key: 'w_acme', tenant: 'acme', source: 'webappel', popup: 77, numbers: ['^33\\d{9}$'], origins: ['https://www.acme.example'] };

  it('parses limits like 5/10m and defaults them', () => {
    const parsed = WidgetConfigSchema.parse({ ...widget, limits: { perIp: '10/1m' } });
    expect(parsed.limits.perIp).toEqual({ points: 10, windowMs: 60_000 });
    expect(parsed.limits.perNumber).toEqual({ points: 3, windowMs: 3_600_000 });
    expect(parsed.popup).toBe('77');
  });

  it('names the field of each mistake', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...widget, popup: 78 }, /widgets\[0\]\.popup: popup 78 is not one of source "webappel"'s popups/],
      [{ ...widget, source: 'nope' }, /widgets\[0\]\.source: no source "nope"/],
      [{ ...widget, tenant: 'globex' }, /widgets\[0\]\.tenant: source "webappel" serves tenant "acme"/],
      [{ ...widget, origins: ['https://www.acme.example/'] }, /widgets\[0\]\.origins\[0\]/],
      [{ ...widget, numbers: ['(unclosed'] }, /widgets\[0\]\.numbers\[0\]: "\(unclosed" is not a valid regular expression/],
      [{ ...widget, limits: { perIp: 'lots' } }, /widgets\[0\]\.limits\.perIp: "lots" is not a rate like 5\/10m/],
      [{ ...widget, country: 'France' }, /widgets\[0\]\.country/],
    ];
    for (const [entry, message] of cases) {
      let error: unknown;
      try {
        parseConfig({ ...base, widgets: [entry] });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toMatch(message);
    }
    expect(() => parseConfig({ ...base, widgets: [widget, widget] })).toThrow(/widgets\[1\]\.key: duplicate widget key/);
  });

  it('admits exact origins and `self`, never a missing or null Origin', () => {
    const registry = new WidgetRegistry([WidgetConfigSchema.parse({ ...widget, origins: ['https://www.acme.example', 'self'] })]);
    const parsed = registry.get('w_acme');
    if (!parsed) throw new Error('missing');
    const self = 'http://127.0.0.1:8080';
    expect(registry.admits(parsed, { origin: 'https://www.acme.example', self })).toBe(true);
    expect(registry.admits(parsed, { origin: self, self })).toBe(true);
    expect(registry.admits(parsed, { origin: 'https://www.acme.example.evil.com', self })).toBe(false);
    expect(registry.admits(parsed, { origin: 'http://www.acme.example', self })).toBe(false);
    expect(registry.admits(parsed, { origin: undefined, self })).toBe(false);
    expect(registry.admits(parsed, { origin: 'null', self })).toBe(false);
  });
});
