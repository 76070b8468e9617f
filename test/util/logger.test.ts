import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { childWith, createLogger } from '../../src/util/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

const occurrences = (line: string, text: string) => line.split(text).length - 1;

describe('childWith', () => {
  it('binds a field once, whether or not the parent already binds it', () => {
    const { lines, logger } = capture();
    childWith(logger.child({ source: 'pbx-a' }), { source: 'pbx-a', vendor: 'mirta' }).info('bound by the parent');
    childWith(logger, { source: 'pbx-b', vendor: 'mirta' }).info('not bound before');
    expect(lines).toHaveLength(2);
    expect(occurrences(lines[0] ?? '', '"source"')).toBe(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ source: 'pbx-a', vendor: 'mirta', msg: 'bound by the parent' });
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ source: 'pbx-b', vendor: 'mirta' });
  });

  it('still binds a field the parent binds to another value (the new one wins when read)', () => {
    const { lines, logger } = capture();
    childWith(logger.child({ source: 'old' }), { source: 'new' }).info('x');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ source: 'new' });
  });
});
