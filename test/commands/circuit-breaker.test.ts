import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../src/commands/circuit-breaker.js';

function setup(threshold = 3, cooldownMs = 10_000) {
  let t = 0;
  const breaker = new CircuitBreaker({ threshold, cooldownMs, now: () => t });
  const attempt = (verdict: 'healthy' | 'unwell' | 'neutral') => {
    const ticket = breaker.admit();
    if (!ticket) return false;
    breaker.settle(ticket, verdict);
    return true;
  };
  return { breaker, attempt, advance: (ms: number) => (t += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after `threshold` consecutive unwell attempts', () => {
    const { breaker, attempt } = setup(3);
    attempt('unwell');
    attempt('unwell');
    expect(breaker.state).toBe('closed');
    attempt('unwell');
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toBeUndefined();
  });

  it('resets the streak on a healthy answer (a vendor refusal counts as healthy)', () => {
    const { breaker, attempt } = setup(3);
    attempt('unwell');
    attempt('unwell');
    attempt('healthy');
    attempt('unwell');
    attempt('unwell');
    expect(breaker.state).toBe('closed');
    expect(breaker.failures).toBe(2);
  });

  it('ignores neutral attempts (never reached the vendor)', () => {
    const { breaker, attempt } = setup(2);
    attempt('unwell');
    for (let i = 0; i < 10; i++) attempt('neutral');
    expect(breaker.failures).toBe(1);
    expect(breaker.state).toBe('closed');
  });

  it('lets exactly one probe through after the cooldown; success closes', () => {
    const { breaker, attempt, advance } = setup(1, 10_000);
    attempt('unwell');
    advance(9_999);
    expect(breaker.admit()).toBeUndefined();
    expect(breaker.retryAfterMs()).toBe(1);
    advance(1);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.admit();
    expect(probe).toEqual({ probe: true });
    expect(breaker.admit()).toBeUndefined();
    breaker.settle(probe!, 'healthy');
    expect(breaker.state).toBe('closed');
    expect(breaker.admit()).toEqual({ probe: false });
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    const { breaker, attempt, advance } = setup(1, 1_000);
    attempt('unwell');
    advance(1_000);
    attempt('unwell');
    expect(breaker.state).toBe('open');
    advance(999);
    expect(breaker.admit()).toBeUndefined();
    advance(1);
    expect(breaker.admit()).toEqual({ probe: true });
  });

  it('frees the probe slot when the probe was neutral', () => {
    const { breaker, attempt, advance } = setup(1, 1_000);
    attempt('unwell');
    advance(1_000);
    attempt('neutral');
    expect(breaker.state).toBe('half-open');
    expect(breaker.admit()).toEqual({ probe: true });
  });

  it('ignores late results of attempts admitted before it opened', () => {
    const { breaker, attempt } = setup(1);
    const early = breaker.admit()!;
    attempt('unwell');
    breaker.settle(early, 'healthy');
    expect(breaker.state).toBe('open');
  });

  it('builds an unavailable error with a retry hint', () => {
    const { breaker, attempt, advance } = setup(1, 10_000);
    attempt('unwell');
    advance(2_500);
    const err = breaker.openError('mirta-main');
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err.code).toBe('unavailable');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterSec).toBe(8);
  });

  it('validates its options', () => {
    expect(() => new CircuitBreaker({ threshold: 0, cooldownMs: 1 })).toThrow(/threshold/);
  });
});
