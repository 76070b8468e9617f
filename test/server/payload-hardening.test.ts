/**
 * Malformed and hostile client payloads (protocol §4, §7): each gets `invalid_argument` naming
 * the field, or is ignored, and the server keeps serving everyone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AckError } from '../../src/protocol/messages.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { TOKENS, blf, startServer, type Harness } from './harness.js';

describe('payload hardening', () => {
  let h: Harness;
  let bystander: BridgeClient;
  let attacker: BridgeClient;
  beforeAll(async () => {
    h = await startServer();
    bystander = await connectClient(h.url, TOKENS.admin);
    await bystander.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    attacker = await connectClient(h.url, TOKENS.admin);
  });
  afterAll(async () => {
    bystander.close();
    attacker.close();
    await h.close();
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['a string payload', 'acme', /\(root\)/],
    ['a number payload', 42, /\(root\)/],
    ['null', null, /\(root\)/],
    ['an array', [{ tenant: 'acme' }], /\(root\)/],
    ['a numeric tenant', { tenant: 7 }, /^tenant:/],
    ['topics as a string', { tenant: 'acme', topics: 'blfs' }, /^topics:/],
    ['an unknown topic', { tenant: 'acme', topics: ['blfs', 'secrets'] }, /^topics\[1\]:/],
    ['a negative since', { tenant: 'acme', since: -1 }, /^since:/],
    ['a fractional since', { tenant: 'acme', since: 1.5 }, /^since:/],
    ['raw as a string', { tenant: 'acme', raw: 'yes' }, /^raw:/],
    ['an extra key', { tenant: 'acme', verbose: true }, /verbose/],
    ['a 60 KB tenant', { tenant: 'a'.repeat(60_000) }, /^tenant:/],
    ['a tenant with a separator', { tenant: 'acme:blfs' }, /^tenant:/],
  ];

  it.each(cases)('answers invalid_argument to %s', async (_name, payload, field) => {
    const ack = await attacker.call<AckError>('subscribe', payload);
    expect(ack.ok).toBe(false);
    expect(ack.error.code).toBe('invalid_argument');
    expect(ack.error.retryable).toBe(false);
    expect(ack.error.message).toMatch(field);
    expect(ack.error.message.length).toBeLessThan(400);
  });

  it('refuses __proto__ and constructor keys', async () => {
    const proto = JSON.parse('{"tenant":"acme","__proto__":{"polluted":true}}') as unknown;
    const ack = await attacker.call<AckError>('subscribe', proto);
    expect(ack.error.code).toBe('invalid_argument');
    expect(ack.error.message).toContain('__proto__');
    const ctor = await attacker.call<AckError>('subscribe', { tenant: 'acme', constructor: { prototype: { polluted: true } } });
    expect(ctor.error.code).toBe('invalid_argument');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers invalid_argument to a call without a payload', async () => {
    const ack = await attacker.call<AckError>('subscribe');
    expect(ack.error.code).toBe('invalid_argument');
    expect(await attacker.call<AckError>('unsubscribe', 'x')).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
  });

  it('ignores calls without an ack callback and unknown events', async () => {
    attacker.socket.emit('subscribe', { tenant: 'acme' });
    attacker.socket.emit('subscribe', 'garbage');
    attacker.socket.emit('no-such-call', { tenant: 'acme' }, () => expect.unreachable('acked an unknown call'));
    await sleep(100);
    expect(attacker.socket.connected).toBe(true);
    // The ack-less subscribe did nothing: no room was joined.
    await h.publish('acme', [blf('900')]);
    await waitFor(() => bystander.events.length >= 1);
    await sleep(50);
    expect(attacker.events).toHaveLength(0);
  });

  it('drops a connection that sends a message over 64 KB, and keeps serving the others', async () => {
    const victim = await connectClient(h.url, TOKENS.admin);
    let reason = '';
    victim.socket.on('disconnect', (r) => (reason = r));
    victim.socket.emit('subscribe', { tenant: 'a'.repeat(1024 * 1024) }, () => expect.unreachable('acked'));
    await waitFor(() => reason !== '', { timeout: 3_000 });
    victim.close();
    expect(reason).toBe('transport close');

    const before = bystander.events.length;
    await h.publish('acme', [blf('901')]);
    await waitFor(() => bystander.events.length === before + 1);
    expect(await attacker.call('subscribe', { tenant: 'acme', topics: ['queues'] })).toMatchObject({ ok: true });
  });
});
