import { describe, expect, it } from 'vitest';
import { maskPhone, maskPhonesInText } from '../../src/util/mask.js';
import { auditArgs } from '../../src/commands/audit-log.js';
import { validateCommand } from '../../src/commands/command-validator.js';

describe('maskPhone', () => {
  it('keeps the last 4 digits behind a fixed-width mask', () => {
    expect(maskPhone('33170200258')).toBe('••••0258');
    expect(maskPhone('+33170200258')).toBe('••••0258');
    expect(maskPhone('1001')).toBe('••••1001');
    expect(maskPhone('12')).toBe('••••12');
  });
});

describe('maskPhonesInText', () => {
  it('masks numbers inside free text, separators included', () => {
    expect(maskPhonesInText('number 33170200258 is barred')).toBe('number ••••0258 is barred');
    expect(maskPhonesInText('call +33 1 70 20 02 58 failed')).toBe('call ••••0258 failed');
    expect(maskPhonesInText('extension 1001 busy since 2026')).toBe('extension 1001 busy since 2026');
  });
});

describe('auditArgs', () => {
  const args = (body: Record<string, unknown>) => auditArgs(validateCommand({ id: 'c', tenant: 'acme', ...body }).command);

  it('masks phone numbers of dial and transfer', () => {
    expect(args({ type: 'dial', args: { from: '1001', to: '33170200258', callerId: '33900000001' } })).toEqual({
      from: '••••1001',
      to: '••••0258',
      callerId: '••••0001',
    });
    expect(args({ type: 'transfer', args: { channel: 'SIP/1-1', to: '0612345678' } })).toEqual({ channel: 'SIP/1-1', to: '••••5678' });
  });

  it('masks callback numbers and drops personal free text, but keeps flow numbers', () => {
    expect(args({ type: 'callback.request', args: { popup: 77, number: '33170200258', name: 'Jane', fields: { a: 'b' } } })).toEqual({
      popup: '77',
      number: '••••0258',
    });
    expect(args({ type: 'flow.set', args: { number: '3', state: 'INUSE' } })).toEqual({ number: '3', state: 'INUSE' });
  });
});
