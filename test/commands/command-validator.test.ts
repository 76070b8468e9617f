import { describe, expect, it } from 'vitest';
import { validateCommand, stableStringify, MAX_MESSAGE_LENGTH } from '../../src/commands/command-validator.js';
import { InvalidArgumentError } from '../../src/errors.js';

const good = () => ({ id: 'c1', tenant: 'acme', type: 'dial', args: { from: '1001', to: '33170200258' } });

/** The invalid_argument message for `body`, failing the test if it validates. */
function messageOf(body: unknown, key?: string): string {
  try {
    validateCommand(body, key);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const message = (err as InvalidArgumentError).message;
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    return message;
  }
  throw new Error('expected invalid_argument');
}

describe('validateCommand', () => {
  it('accepts every documented command shape', () => {
    const { command } = validateCommand(good());
    expect(command).toEqual(good());
    expect(validateCommand({ id: 'x', tenant: 'acme', type: 'agent.pause', args: { queue: '500', agent: '1001' } }).command.type).toBe('agent.pause');
    expect(validateCommand({ id: 'x', tenant: 'acme', type: 'flow.set', source: 'mirta-main', args: { number: '3', state: 'INUSE' } }).command.source).toBe('mirta-main');
  });

  it('names the field for wrong types', () => {
    expect(messageOf({ ...good(), args: { from: '1001', to: 33170200258 } })).toMatch(/^args\.to: /);
    expect(messageOf({ ...good(), id: 42 })).toMatch(/^id: /);
    expect(messageOf({ ...good(), args: { from: '1001', to: '33170200258', timeoutSec: '5' } })).toMatch(/^args\.timeoutSec: /);
  });

  it('refuses a 1 MB string without echoing it', () => {
    const huge = '1'.repeat(1024 * 1024);
    expect(messageOf({ ...good(), args: { from: '1001', to: huge } })).toMatch(/^args\.to: /);
    expect(messageOf({ ...good(), id: huge })).toMatch(/^id: /);
    const message = messageOf({ ...good(), type: huge });
    expect(message).toMatch(/^type: /);
    expect(message).not.toContain('1111111111');
  });

  it('refuses an unknown type, naming `type`', () => {
    expect(messageOf({ ...good(), type: 'format_disk' })).toMatch(/^type: /);
  });

  it('refuses unknown keys in args and in the envelope', () => {
    expect(messageOf({ ...good(), args: { from: '1001', to: '2', shell: 'rm' } })).toMatch(/^args: .*shell/);
    expect(messageOf({ ...good(), extra: true })).toMatch(/extra/);
  });

  it('refuses __proto__ and constructor keys anywhere, naming the field', () => {
    expect(messageOf(JSON.parse('{"id":"c1","tenant":"acme","type":"dial","args":{"from":"1","to":"2","__proto__":{"polluted":true}}}'))).toBe(
      'args.__proto__: key not allowed',
    );
    expect(messageOf(JSON.parse('{"id":"c1","tenant":"acme","type":"dial","constructor":{"prototype":{}},"args":{}}'))).toBe(
      'constructor: key not allowed',
    );
    const callback = JSON.parse(
      '{"id":"c","tenant":"acme","type":"callback.request","args":{"popup":77,"number":"33170200258","fields":{"__proto__":"x"}}}',
    );
    expect(messageOf(callback)).toBe('args.fields.__proto__: key not allowed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses non-object bodies', () => {
    for (const body of [null, undefined, 'dial', 42, true, [good()], Buffer.from('{}'), new Date()]) {
      expect(messageOf(body)).toMatch(/^\(root\): expected a command object/);
    }
  });

  it('refuses deep nesting, key floods and huge keys', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) deep = (deep.a = {}) as Record<string, unknown>;
    expect(messageOf({ ...good(), args: root })).toMatch(/nested too deeply/);
    const flood = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1]));
    expect(messageOf({ ...good(), args: flood })).toMatch(/^args: too many keys/);
    expect(messageOf({ ...good(), args: { ['k'.repeat(1024 * 1024)]: 1 } })).toMatch(/^args: a key is longer/);
  });

  it('takes the id from the Idempotency-Key and refuses a mismatch', () => {
    const { id: _id, ...body } = good();
    expect(validateCommand(body, 'from-header').command.id).toBe('from-header');
    expect(validateCommand(good(), 'c1').command.id).toBe('c1');
    expect(messageOf(good(), 'other')).toBe('id: does not match the Idempotency-Key header');
    expect(messageOf(good(), '')).toMatch(/^Idempotency-Key: /);
  });

  it('fingerprints the body independently of key order and of the id', () => {
    const a = validateCommand({ id: 'a', tenant: 'acme', type: 'dial', args: { from: '1001', to: '2002' } });
    const b = validateCommand({ args: { to: '2002', from: '1001' }, type: 'dial', tenant: 'acme', id: 'b' });
    const c = validateCommand({ id: 'a', tenant: 'acme', type: 'dial', args: { from: '1001', to: '2003' } });
    const d = validateCommand({ id: 'a', tenant: 'acme', type: 'dial', source: 'mirta-main', args: { from: '1001', to: '2002' } });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
    expect(a.fingerprint).not.toBe(d.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stableStringify sorts keys at every level', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":2,"z":1}]},"b":1}');
  });
});
