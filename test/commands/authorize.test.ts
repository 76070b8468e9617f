import { describe, expect, it } from 'vitest';
import { authorize } from '../../src/commands/authorize.js';
import { validateCommand } from '../../src/commands/command-validator.js';
import { ForbiddenError, UnauthorizedError } from '../../src/errors.js';
import type { Principal } from '../../src/auth/principal.js';
import type { Scope } from '../../src/config/schema.js';

const who = (scopes: Scope[], tenants = ['acme'], expiresAt?: number): Principal => ({
  label: 't',
  tenants: new Set(tenants),
  scopes: new Set(scopes),
  ...(expiresAt !== undefined ? { expiresAt } : {}),
});
const cmd = (tenant: string, type = 'dial', args: Record<string, unknown> = { from: '1', to: '2' }) =>
  validateCommand({ id: 'c', tenant, type, args }).command;

function errorOf(fn: () => void): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('authorize', () => {
  it('lets a held tenant with the right scope through', () => {
    expect(() => authorize(who(['commands:call']), cmd('acme'), 0)).not.toThrow();
    expect(() => authorize(who(['*']), cmd('acme', 'flow.set', { number: '1' }), 0)).not.toThrow();
  });

  it('answers a tenant not held with forbidden, naming only what the caller sent', () => {
    // authorize never consults the config, so it cannot answer differently for a tenant that
    // exists elsewhere; the dispatcher test checks the whole ack against a nonexistent tenant.
    const notHeld = errorOf(() => authorize(who(['*'], ['acme']), cmd('globex'), 0));
    expect(notHeld).toBeInstanceOf(ForbiddenError);
    expect(notHeld.message).toBe('forbidden: tenant "globex"');
  });

  it('checks the tenant before the scope, so a missing scope does not reveal tenants', () => {
    const err = errorOf(() => authorize(who(['events:read'], ['acme']), cmd('globex'), 0));
    expect(err.message).toBe('forbidden: tenant "globex"');
  });

  it('refuses a command whose scope the token lacks', () => {
    const err = errorOf(() => authorize(who(['commands:call']), cmd('acme', 'agent.pause', { queue: 'q', agent: 'a' }), 0));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(/commands:agent/);
    expect(() => authorize(who(['events:read']), cmd('acme'), 0)).toThrow(ForbiddenError);
  });

  it('refuses an expired credential', () => {
    expect(() => authorize(who(['*'], ['acme'], 1000), cmd('acme'), 1000)).toThrow(UnauthorizedError);
    expect(() => authorize(who(['*'], ['acme'], 1000), cmd('acme'), 999)).not.toThrow();
  });
});
