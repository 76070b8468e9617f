import { describe, expect, it } from 'vitest';
import { resolveSource } from '../../src/commands/source-resolver.js';
import { validateCommand } from '../../src/commands/command-validator.js';
import { InvalidArgumentError, NotFoundError, UnsupportedError } from '../../src/errors.js';
import { SourceDirectory } from '../../src/sources/source-directory.js';
import { ScriptedSource } from '../support/scripted-source.js';

const directory = (...sources: ScriptedSource[]) => {
  const dir = new SourceDirectory();
  for (const source of sources) dir.add(source);
  return dir;
};
const mirta = new ScriptedSource({ id: 'mirta-main', tenants: ['acme', 'globex'], commands: ['dial', 'hangup', 'flow.set'] });
const kazoo = new ScriptedSource({ id: 'kazoo-eu', tenants: ['acme'], commands: ['dial', 'hangup'] });
const webappel = new ScriptedSource({ id: 'webappel', tenants: ['acme'], commands: ['callback.request'] });
const other = new ScriptedSource({ id: 'other-pbx', tenants: ['initech'], commands: ['dial'] });

const dial = (tenant: string, source?: string) =>
  validateCommand({ id: 'c', tenant, type: 'dial', args: { from: '1', to: '2' }, ...(source ? { source } : {}) }).command;
const flow = (tenant: string) => validateCommand({ id: 'c', tenant, type: 'flow.set', args: { number: '1' } }).command;

describe('resolveSource', () => {
  it('uses the named source when it serves the tenant and the type', () => {
    expect(resolveSource(directory(mirta, kazoo), dial('acme', 'kazoo-eu')).id).toBe('kazoo-eu');
  });

  it('picks the only capable source when `source` is left out', () => {
    expect(resolveSource(directory(mirta, kazoo, webappel), flow('acme')).id).toBe('mirta-main');
    expect(resolveSource(directory(mirta, other), dial('globex')).id).toBe('mirta-main');
  });

  it('asks for `source` when several sources can do the type', () => {
    expect(() => resolveSource(directory(mirta, kazoo), dial('acme'))).toThrow(InvalidArgumentError);
    expect(() => resolveSource(directory(mirta, kazoo), dial('acme'))).toThrow(/^source: required.*kazoo-eu, mirta-main/);
  });

  it('answers unsupported when the tenant has sources but none can', () => {
    expect(() => resolveSource(directory(kazoo, webappel), flow('acme'))).toThrow(UnsupportedError);
  });

  it('answers unsupported when the named source cannot do the type', () => {
    expect(() => resolveSource(directory(webappel), dial('acme', 'webappel'))).toThrow(UnsupportedError);
  });

  it('answers not_found for an unknown source and, identically, for another tenant\'s source', () => {
    const unknown = () => resolveSource(directory(mirta, other), dial('acme', 'nope'));
    const foreign = () => resolveSource(directory(mirta, other), dial('acme', 'other-pbx'));
    expect(unknown).toThrow(NotFoundError);
    expect(foreign).toThrow(NotFoundError);
    expect(foreign).toThrow('source: no source "other-pbx" for tenant "acme"');
    expect(unknown).toThrow('source: no source "nope" for tenant "acme"');
  });
});
