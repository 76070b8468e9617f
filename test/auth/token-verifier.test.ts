import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../src/auth/token-verifier.js';

const SECRET = 'unit-test-jwt-secret-0123456789abcdefgh';
const key = new TextEncoder().encode(SECRET);
const NOW = Date.parse('2026-11-23T10:00:00Z');

const verifier = new TokenVerifier({
  tokens: [
    { token: 'first-static-token-000000', name: 'wallboard', tenants: ['acme'], scopes: ['events:read'] },
    { token: 'second-static-token-00000', tenants: ['acme', 'globex'], scopes: ['*'] },
  ],
  jwtSecret: SECRET,
  now: () => NOW,
});

const sign = (claims: Record<string, unknown>, exp: number | undefined, sub?: string): Promise<string> => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(NOW / 1000);
  if (exp !== undefined) jwt.setExpirationTime(exp);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(key);
};

describe('TokenVerifier', () => {
  it('maps static tokens to principals labelled by name or index', async () => {
    const a = await verifier.verify('first-static-token-000000');
    expect(a?.label).toBe('wallboard');
    expect([...(a?.tenants ?? [])]).toEqual(['acme']);
    expect([...(a?.scopes ?? [])]).toEqual(['events:read']);
    expect(a?.expiresAt).toBeUndefined();
    expect((await verifier.verify('second-static-token-00000'))?.label).toBe('token#1');
  });

  it('verifies HS256 JWTs against the injected clock and labels them jwt:<sub>', async () => {
    const exp = NOW / 1000 + 60;
    const principal = await verifier.verify(await sign({ tenants: ['acme'], scopes: ['commands:call'] }, exp, 'bob'));
    expect(principal).toMatchObject({ label: 'jwt:bob', expiresAt: exp * 1000 });
    expect(principal?.scopes.has('commands:call')).toBe(true);
    expect((await verifier.verify(await sign({ tenants: [], scopes: [] }, exp)))?.label).toBe('jwt:anonymous');
  });

  it.each([
    ['undefined', async () => undefined],
    ['a number', async () => 42],
    ['an empty string', async () => ''],
    ['a near miss of a static token', async () => 'first-static-token-000001'],
    ['an expired JWT', () => sign({ tenants: ['acme'], scopes: ['*'] }, NOW / 1000 - 1)],
    ['a JWT without exp', () => sign({ tenants: ['acme'], scopes: ['*'] }, undefined)],
    ['a JWT without tenants', () => sign({ scopes: ['*'] }, NOW / 1000 + 60)],
    ['a JWT with a bad tenant name', () => sign({ tenants: ['a:b'], scopes: ['*'] }, NOW / 1000 + 60)],
    ['a tampered JWT', async () => `${await sign({ tenants: ['acme'], scopes: ['*'] }, NOW / 1000 + 60)}x`],
  ])('refuses %s', async (_name, token) => {
    expect(await verifier.verify(await token())).toBeNull();
  });

  it('refuses every JWT when no secret is configured', async () => {
    const noJwt = new TokenVerifier({ tokens: [], now: () => NOW });
    expect(await noJwt.verify(await sign({ tenants: ['acme'], scopes: ['*'] }, NOW / 1000 + 60))).toBeNull();
  });
});
