/**
 * The pure parts of profiles: `_type` -> vendor lookup in a vendor registry (a vendor not
 * installed answers `invalid_argument` naming `_type`), secret masks, masked values kept on
 * PATCH, and the JSON merge patch.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { mergePatch } from '../../src/profiles/profile-body.js';
import { PROFILE_TYPE_NAMES, availableProfileTypes, resolveProfileType } from '../../src/profiles/profile-types.js';
import { keepMaskedSecrets, maskSecret, maskSettings } from '../../src/profiles/secret-fields.js';
import { KazooSourceConfigSchema } from '../../src/vendors/kazoo/config.js';
import { MirtaSourceConfigSchema } from '../../src/vendors/mirta/config.js';

describe('profile types', () => {
  const twoVendors = [MirtaSourceConfigSchema, KazooSourceConfigSchema];

  it('maps every _type to its vendor schema, found by its vendor literal', () => {
    expect(PROFILE_TYPE_NAMES).toHaveLength(6);
    expect(availableProfileTypes(twoVendors)).toEqual(['MirtaPbxConnectionProfile', 'KazooPbxConnectionProfile']);
    const kazoo = resolveProfileType('KazooPbxConnectionProfile', twoVendors);
    expect(kazoo).toMatchObject({ type: 'KazooPbxConnectionProfile', vendor: 'kazoo', secrets: ['apiKey'] });
    expect(kazoo.fields.has('tenant')).toBe(true);
    expect(resolveProfileType('MirtaPbxConnectionProfile', twoVendors).fields.has('tenants')).toBe(true);
  });

  it('refuses a vendor that is not installed, an unknown _type and a missing one, naming _type', () => {
    const refusal = (type: unknown): InvalidArgumentError => {
      try {
        resolveProfileType(type, twoVendors);
      } catch (err) {
        return err as InvalidArgumentError;
      }
      throw new Error('not refused');
    };
    for (const [type, vendor] of [
      ['ThreeCxConnectionProfile', '3cx'],
      ['PbxwareConnectionProfile', 'pbxware'],
      ['XivoConnectionProfile', 'xivo'],
    ] as const) {
      const err = refusal(type);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toBe(`_type: "${type}" is not available on this bridge (its vendor "${vendor}" is not installed)`);
    }
    expect(refusal('toString').message).toMatch(/^_type: unknown profile type "toString"/);
    expect(refusal(undefined).message).toMatch(/^_type: required, one of MirtaPbxConnectionProfile, /);
  });
});

describe('secret masks', () => {
  it('shows a fixed mask and the last 4 characters of long secrets only', () => {
    expect(maskSecret('ABCDEF0123456789')).toBe('••••6789');
    expect(maskSecret('short-pass1')).toBe('••••');
    expect(maskSettings({ url: 'https://pbx', key: 'k-0123456789abcdef', nested: { token: 'tok-0123456789abcd' }, pin: 42 }, ['key', 'pin'])).toEqual({
      url: 'https://pbx',
      key: '••••cdef',
      nested: { token: '••••abcd' },
      pin: '••••',
    });
  });

  it('keeps the stored secret for a masked value, and refuses a mask with nothing stored', () => {
    const stored = { apiKey: 'kazoo-0123456789abcdef', rest: 'https://a' };
    expect(keepMaskedSecrets({ apiKey: '••••cdef', rest: 'https://b' }, stored, ['apiKey'])).toEqual({ apiKey: stored.apiKey, rest: 'https://b' });
    expect(keepMaskedSecrets({ apiKey: 'new-0123456789abcdef' }, stored, ['apiKey'])).toEqual({ apiKey: 'new-0123456789abcdef' });
    expect(() => keepMaskedSecrets({ apiKey: '••••' }, undefined, ['apiKey'])).toThrow(/^apiKey: a masked value keeps the stored secret, but none is stored/);
  });
});

describe('JSON merge patch (RFC 7396)', () => {
  it('merges objects, removes on null, replaces the rest', () => {
    expect(mergePatch({ a: 1, poll: { peers: '5s', channels: '1s' }, list: [1, 2] }, { poll: { peers: '1s', channels: null }, list: [3], b: 'x' })).toEqual({
      a: 1,
      poll: { peers: '1s' },
      list: [3],
      b: 'x',
    });
  });
});
