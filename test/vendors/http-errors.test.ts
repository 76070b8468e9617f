import { errors as undiciErrors } from 'undici';
import { describe, expect, it } from 'vitest';
import { PollError } from '../../src/pollers/poll-error.js';
import { VendorError } from '../../src/errors.js';
import {
  HttpStatusError,
  ResponseTooLargeError,
  classifyHttpFailure,
  parseRetryAfter,
  toCommandError,
  toPollError,
} from '../../src/vendors/http-errors.js';

const vendor = 'MiRTA';
const sysError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443 https://pbx/?key=SECRET`), { code });

describe('http-errors', () => {
  it.each([
    ['ECONNREFUSED', 'not_sent', 'unavailable', 'network'],
    ['ENOTFOUND', 'not_sent', 'unavailable', 'network'],
    ['UND_ERR_CONNECT_TIMEOUT', 'not_sent', 'unavailable', 'network'],
    ['UND_ERR_HEADERS_TIMEOUT', 'no_answer', 'timeout', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'no_answer', 'timeout', 'timeout'],
    ['UND_ERR_SOCKET', 'no_answer', 'timeout', 'network'],
    ['ECONNRESET', 'no_answer', 'timeout', 'network'],
    ['HPE_INVALID_CONSTANT', 'unreadable', 'timeout', 'parse'],
  ])('%s -> %s, command %s, poll %s', (code, kind, commandCode, pollReason) => {
    const err = sysError(code);
    expect(classifyHttpFailure(err, { vendor }).kind).toBe(kind);
    expect(toCommandError(err, { vendor }).code).toBe(commandCode);
    expect(toPollError(err, { vendor }).reason).toBe(pollReason);
  });

  it('reads undici error classes and wrapped causes (fetch "fetch failed")', () => {
    expect(toCommandError(new undiciErrors.HeadersTimeoutError(), { vendor }).code).toBe('timeout');
    expect(toCommandError(new undiciErrors.ConnectTimeoutError(), { vendor }).code).toBe('unavailable');
    expect(toCommandError(new TypeError('fetch failed', { cause: sysError('ECONNREFUSED') }), { vendor }).code).toBe('unavailable');
    const aggregate = Object.assign(new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')]), {});
    expect(toCommandError(aggregate, { vendor }).code).toBe('unavailable');
  });

  it('treats anything under an aborted signal as "sent, no answer"', () => {
    const signal = AbortSignal.abort(new Error('poll timed out'));
    expect(toPollError(new Error('poll timed out'), { vendor, signal }).reason).toBe('timeout');
    expect(toCommandError(sysError('ECONNREFUSED'), { vendor, signal }).code).toBe('timeout');
    expect(toCommandError(new DOMException('The operation was aborted', 'TimeoutError'), { vendor }).code).toBe('timeout');
  });

  it('maps statuses: 429/503 not processed, other 5xx unknown outcome, 4xx vendor refusals', () => {
    expect(toCommandError(new HttpStatusError(503, 5), { vendor })).toMatchObject({ code: 'unavailable', retryAfterSec: 5 });
    expect(toCommandError(new HttpStatusError(429), { vendor }).code).toBe('unavailable');
    expect(toCommandError(new HttpStatusError(500), { vendor }).code).toBe('timeout');
    expect(toCommandError(new HttpStatusError(502), { vendor }).code).toBe('timeout');
    expect(toCommandError(new HttpStatusError(504), { vendor }).code).toBe('timeout');
    expect(toCommandError(new HttpStatusError(403), { vendor })).toMatchObject({ code: 'vendor_error', message: 'authentication refused by MiRTA' });
    expect(toCommandError(new HttpStatusError(404), { vendor }).code).toBe('vendor_error');
    expect(toPollError(new HttpStatusError(500), { vendor }).reason).toBe('http');
    expect(toPollError(new HttpStatusError(429), { vendor }).reason).toBe('rate_limited');
    expect(toPollError(new HttpStatusError(401), { vendor }).reason).toBe('auth');
    expect(toPollError(new ResponseTooLargeError(10), { vendor }).reason).toBe('parse');
  });

  it('passes coded errors through and never copies an error message', () => {
    const poll = new PollError('auth', 'authentication refused by the PBX');
    expect(toPollError(poll, { vendor })).toBe(poll);
    const vendorError = new VendorError('No such channel');
    expect(toCommandError(vendorError, { vendor })).toBe(vendorError);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_HEADERS_TIMEOUT', 'WHATEVER']) {
      expect(toCommandError(sysError(code), { vendor }).message).not.toMatch(/SECRET|10\.0\.0\.1|https/);
      expect(toPollError(sysError(code), { vendor }).message).not.toMatch(/SECRET|10\.0\.0\.1|https/);
    }
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 20)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(20);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
